#!/usr/bin/env node
// The `ai-access-token` bin: a shim, so everything testable lives in run().
import { processIo } from './io';
import { run } from './run';

void run(process.argv.slice(2), processIo()).then((exitCode) => {
  process.exitCode = exitCode;
});
