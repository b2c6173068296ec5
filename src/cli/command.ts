import type { Clock } from '../time';
import type { CliIo } from './io';
import type { Output } from './output';

/**
 * What a command gets to work with.
 *
 * @example
 * ```ts
 * context.out.line(token.encoded());
 * ```
 */
export interface CliContext {
  readonly io: CliIo;
  /** Standard output: results. */
  readonly out: Output;
  /** Standard error: diagnostics that are not the result. Never a token or key. */
  readonly err: Output;
  readonly now: Clock;
}

/**
 * One `ai-access-token <command>`.
 *
 * @example
 * ```ts
 * const exitCode = await keygenCommand.run(['--bits', '3072'], context);
 * ```
 */
export interface CliCommand {
  readonly name: string;
  /** One line for the tool's `--help`. */
  readonly summary: string;
  /** The command's `--help` text, without a trailing newline. */
  readonly help: string;
  /** When true, `--help` is passed to {@link CliCommand.run} instead of printing {@link CliCommand.help}. */
  readonly ownHelp?: boolean;
  /**
   * Runs the command; resolves to the exit code. Throws {@link CliUsageError} (exit 2),
   * {@link CliFailure} or a library error (exit 1); `run` reports them.
   */
  run(argv: readonly string[], context: CliContext): Promise<number>;
}
