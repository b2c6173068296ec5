import { styleText } from 'node:util';
import type { CliOutput } from './io';
import { escapeForTerminal } from './terminal-text';

/** A `util.styleText` format: a colour or modifier, or several. */
export type StyleFormat = Parameters<typeof styleText>[0];

/**
 * Writes lines to one stream, colouring them only when that stream is a terminal.
 *
 * @example
 * ```ts
 * const out = createOutput(io.stdout, io.env);
 * out.line(out.paint('green', '✔ verified'));
 * ```
 */
export interface Output {
  /** Whether {@link Output.paint} adds ANSI escapes. */
  readonly colour: boolean;
  /** `text` in `format` when colour is on, else `text` unchanged. */
  paint(format: StyleFormat, text: string): string;
  /**
   * Writes `text` and a newline. Callers escape what they did not write themselves (see
   * {@link escapeForTerminal}); as a last guard, any control character left in `text` other than
   * a line feed or a colour of {@link Output.paint} is written escaped.
   */
  line(text?: string): void;
  /**
   * Writes `value` as indented JSON and a newline. The JSON is exact; characters a terminal would
   * act on are written as `\uXXXX` escapes, which parse back to the same value.
   */
  json(value: unknown): void;
}

/**
 * Whether to colour `stream`: never when `NO_COLOR` is set to anything but the empty string
 * (no-color.org), always when `FORCE_COLOR` is set (and not `0`), otherwise only on a TTY.
 *
 * @example
 * ```ts
 * useColour(process.stdout, process.env); // false when piped
 * ```
 */
export function useColour(stream: CliOutput, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/**
 * An {@link Output} for `stream`, colouring per {@link useColour}.
 *
 * @example
 * ```ts
 * createOutput(io.stderr, io.env).line('done');
 * ```
 */
export function createOutput(stream: CliOutput, env: NodeJS.ProcessEnv): Output {
  const colour = useColour(stream, env);
  return {
    colour,
    // The decision is ours (the stream may be a test capture), so Node's own check is off.
    paint: (format, text) => (colour ? styleText(format, text, { validateStream: false }) : text),
    line: (text = '') => {
      stream.write(
        `${escapeForTerminal(text, colour ? { keepColour: true } : { keepLineFeeds: true })}\n`,
      );
    },
    json: (value) => {
      stream.write(
        `${escapeForTerminal(JSON.stringify(value, null, 2), { keepLineFeeds: true })}\n`,
      );
    },
  };
}
