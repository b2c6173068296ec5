import type { Clock } from '../time';

/**
 * Where the CLI writes: `process.stdout`/`process.stderr`, or a capture in tests. `isTTY` decides
 * whether colour is used.
 *
 * @example
 * ```ts
 * const chunks: string[] = [];
 * const stdout: CliOutput = { write: (chunk) => chunks.push(chunk), isTTY: false };
 * ```
 */
export interface CliOutput {
  write(chunk: string): unknown;
  readonly isTTY?: boolean | undefined;
  /** The file descriptor behind the stream, if any: `keygen` makes a regular file there 0600. */
  readonly fd?: number | undefined;
}

/**
 * Everything the CLI touches outside its arguments, so {@link run} can be driven in-process.
 *
 * @example
 * ```ts
 * const io: CliIo = { stdout, stderr, stdin: Readable.from(['eyJ…']), env: {} };
 * ```
 */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Read only when a command is given `-` for its token. */
  readonly stdin: AsyncIterable<string | Buffer>;
  /** `NO_COLOR`, `FORCE_COLOR` and the library's `AI_ACCESS_TOKEN_*` variables are read here. */
  readonly env: NodeJS.ProcessEnv;
  /** The clock for relative times and verification. Default: the real one. */
  readonly now?: Clock | undefined;
}

/**
 * The real process streams and environment.
 *
 * @example
 * ```ts
 * process.exitCode = await run(process.argv.slice(2), processIo());
 * ```
 */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  };
}
