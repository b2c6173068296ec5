import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AiAccessTokenError } from '../errors';
import { describe, systemClock } from '../time';
import { CliFailure, CliUsageError } from './cli-errors';
import type { CliCommand } from './command';
import { decodeCommand } from './commands/decode';
import { demoCommand } from './commands/demo';
import { jwksCommand } from './commands/jwks';
import { keygenCommand } from './commands/keygen';
import { keysCommand } from './commands/keys';
import { migrateCommand } from './commands/migrate';
import { mintCommand } from './commands/mint';
import { verifyCommand } from './commands/verify';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes';
import type { CliIo } from './io';
import { createOutput, type Output } from './output';
import { escapeForTerminal } from './terminal-text';

const COMMANDS: readonly CliCommand[] = [
  keygenCommand,
  mintCommand,
  decodeCommand,
  verifyCommand,
  jwksCommand,
  keysCommand,
  demoCommand,
  migrateCommand,
];

const TOOL = 'ai-access-token';

/**
 * Runs the `ai-access-token` command line `argv` (without `node` and the script) against `io`
 * and resolves to the exit code: 0 success, 1 rejected token or failed operation, 2 usage error.
 * Never throws and never exits the process; errors are written to `io.stderr` as one line.
 *
 * @example
 * ```ts
 * import { run } from './cli/run';
 * process.exitCode = await run(['decode', '-'], processIo());
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const out = createOutput(io.stdout, io.env);
  const err = createOutput(io.stderr, io.env);
  const options = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length);
  const debug = options.includes('--debug');
  // `--debug` may also come before the command.
  const [first, ...rest] = argv[0] === '--debug' ? argv.slice(1) : argv;
  let prefix = TOOL;
  try {
    if (first === undefined) {
      err.line(toolHelp());
      return EXIT_USAGE;
    }
    if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
      out.line(toolHelp());
      return EXIT_OK;
    }
    if (first === '--version' || first === '-V' || first === '-v') {
      out.line(version());
      return EXIT_OK;
    }
    const context = { io, out, err, now: io.now ?? systemClock };
    if (first === 'help') {
      const command = findCommand(rest[0]);
      if (command.ownHelp === true) return await command.run(['--help'], context);
      out.line(command.help);
      return EXIT_OK;
    }
    const command = findCommand(first);
    prefix = `${TOOL} ${command.name}`;
    const commandOptions = rest.slice(0, rest.includes('--') ? rest.indexOf('--') : rest.length);
    if (
      command.ownHelp !== true &&
      (commandOptions.includes('--help') || commandOptions.includes('-h'))
    ) {
      out.line(command.help);
      return EXIT_OK;
    }
    return await command.run(rest, context);
  } catch (error) {
    return report(error, err, prefix, debug);
  }
}

function findCommand(name: string | undefined): CliCommand {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    // `describe` keeps a token pasted in the command's place out of stderr.
    throw new CliUsageError(
      `unknown command ${describe(name)}; expected one of ${COMMANDS.map((c) => c.name).join(', ')}`,
    );
  }
  return command;
}

function report(error: unknown, err: Output, prefix: string, debug: boolean): number {
  let line: string;
  let exitCode = EXIT_FAILURE;
  if (error instanceof CliUsageError) {
    line = `${prefix}: ${error.message} (see ${prefix} --help)`;
    exitCode = EXIT_USAGE;
  } else if (error instanceof AiAccessTokenError) {
    line = `${error.code}: ${error.message}`;
  } else if (error instanceof CliFailure) {
    line = `${prefix}: ${error.message}`;
  } else {
    line = `${prefix}: unexpected error: ${errorProperty(error, 'message') ?? describe(error)}`;
  }
  // A message may quote a claim, a kid or a JWKS member: escaped before it is painted.
  err.line(err.paint('red', escapeForTerminal(line.replace(/\s*\n\s*/g, ' '))));
  const stack = errorProperty(error, 'stack');
  if (debug && stack !== undefined) err.line(err.paint('dim', stack));
  return exitCode;
}

// Not `instanceof Error`: errors from Node internals may come from another realm.
function errorProperty(error: unknown, name: 'message' | 'stack'): string | undefined {
  const value: unknown =
    typeof error === 'object' && error !== null ? Reflect.get(error, name) : undefined;
  return typeof value === 'string' ? value : undefined;
}

function version(): string {
  // package.json ships with the package, two levels above both src/cli and dist/cli.
  const manifest = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return manifest.version;
}

function toolHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `Usage: ${TOOL} <command> [options]

Mint, inspect and verify access tokens for the AI gateway.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Options:
  -h, --help        show help; "${TOOL} <command> --help" for a command
  -V, --version     print the version
      --debug       on error, also print the stack trace

Exit codes: 0 success, 1 rejected token or failed operation, 2 usage error.
Colour only on a terminal; never when NO_COLOR is set; FORCE_COLOR=1 forces it.`;
}
