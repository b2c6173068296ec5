// Drives the CLI in-process through run(), capturing its streams. Not a test file itself.
import { Readable } from 'node:stream';
import { run } from '../../src/cli/run';
import type { Clock } from '../../src/time';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** A string arrives as one string chunk, a Buffer as one Buffer chunk (as process.stdin gives). */
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  now?: Clock;
  isTTY?: boolean;
}

export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk), isTTY: options.isTTY },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: options.isTTY },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
    now: options.now,
  });
  return { code, stdout, stderr };
}

// ESC [ ... m: any SGR colour sequence.
// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[[0-9;]*m/;
