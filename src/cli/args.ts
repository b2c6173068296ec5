import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describe } from '../time';
import { CliUsageError } from './cli-errors';

/** The `options` of a `util.parseArgs` configuration. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

interface CommandArgsConfig<O extends OptionsConfig> {
  args: readonly string[];
  options: O;
  allowPositionals: true;
  strict: true;
}

/** What {@link parseCommandArgs} returns: typed `values` for `O`, and the positionals. */
export type ParsedCommandArgs<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<CommandArgsConfig<O>>
>;

/**
 * Flags every command accepts. `--help` and `--debug` are acted on by `run` before the command
 * parses; they are listed here so the strict parser does not refuse them.
 *
 * @example
 * ```ts
 * const OPTIONS = { ...COMMON_OPTIONS, json: { type: 'boolean' } } as const;
 * ```
 */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const satisfies OptionsConfig;

/**
 * `util.parseArgs` in strict mode, with its errors turned into one-line {@link CliUsageError}s that
 * name the flag. Positionals are allowed and returned; each command checks their number itself so
 * that a misplaced token is never echoed back.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommandArgs('mint', argv, OPTIONS);
 * ```
 */
export function parseCommandArgs<const O extends OptionsConfig>(
  command: string,
  argv: readonly string[],
  options: O,
): ParsedCommandArgs<O> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageErrorFromParseArgs(command, error);
  }
}

function usageErrorFromParseArgs(command: string, error: unknown): unknown {
  // Duck-typed: `instanceof Error` fails for errors from another realm (jest's sandbox). Given a
  // valid configuration, parseArgs throws only its ERR_PARSE_ARGS_* errors, all with a message.
  const { code, message } = error as { code?: unknown; message: string };
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return error;
  // Node's messages are several sentences over several lines; keep the flag, write our own rule.
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const flag = quoted.replace(/ <value>$/, '').replace(/^-\w, /, '');
  const shown = flag.length > 0 && flag.length <= 40 ? flag : 'an option';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new CliUsageError(`unknown option ${shown} for ${command}`, { cause: error });
  }
  if (/does not take an argument/.test(message)) {
    return new CliUsageError(`${shown} does not take a value`, { cause: error });
  }
  if (/ambiguous/.test(message)) {
    return new CliUsageError(
      `${shown} needs a value; to pass one starting with "-", write ${shown}=VALUE`,
      { cause: error },
    );
  }
  if (/argument missing/.test(message)) {
    return new CliUsageError(`${shown} needs a value`, { cause: error });
  }
  // A message this Node version does not have: its first line.
  return new CliUsageError(message.replace(/\n[\s\S]*/, ''), { cause: error });
}

/**
 * Refuses positional arguments for a command that takes none, without echoing them.
 *
 * @example
 * ```ts
 * noPositionals('keygen', positionals);
 * ```
 */
export function noPositionals(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) {
    throw new CliUsageError(
      `${command} takes no arguments, only options; got ${positionals.length} (${describe(positionals[0])}${positionals.length > 1 ? ', …' : ''})`,
    );
  }
}

/**
 * The value of a required string flag.
 *
 * @example
 * ```ts
 * const subject = required('--subject', values.subject);
 * ```
 */
export function required<T>(flag: string, value: T | undefined): T {
  if (value === undefined) throw new CliUsageError(`${flag} is required`);
  return value;
}

/**
 * Values of a repeatable flag, each split at commas and trimmed: `--scopes a,b --scopes c` gives
 * `['a', 'b', 'c']`. Empty items are kept so the library can name them in its error.
 *
 * @example
 * ```ts
 * commaList(['code_suggestions,duo_chat']); // ['code_suggestions', 'duo_chat']
 * ```
 */
export function commaList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',').map((item) => item.trim()));
}
