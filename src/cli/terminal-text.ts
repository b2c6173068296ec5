// Text from a token, a key file or a JWKS is attacker-chosen. Written raw to a terminal, an ESC
// can move the cursor and overwrite earlier lines (the "signature NOT verified" warning), a bidi
// override can reorder what a reader sees, and a line separator can fake a new line.

// C0 controls, DEL, C1 controls, line and paragraph separators (U+2028, U+2029), bidi embeddings
// and overrides (U+202A–U+202E) and bidi isolates (U+2066–U+2069).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g;
// The same, with the line feed and the SGR sequences (colours) that `Output.paint` writes kept.
const UNSAFE_BUT_COLOUR =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-9;]*m|[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g;

/**
 * What {@link escapeForTerminal} may leave as it is.
 *
 * @example
 * ```ts
 * const options: TerminalEscapeOptions = { keepLineFeeds: true };
 * ```
 */
export interface TerminalEscapeOptions {
  /** Keep line feeds (U+000A): for text of several lines that is ours, such as help. */
  readonly keepLineFeeds?: boolean | undefined;
  /**
   * Keep SGR sequences (`ESC [ … m`, colours and bold) as well as line feeds: for a line already
   * built from escaped parts and painted.
   */
  readonly keepColour?: boolean | undefined;
}

function escapeCharacter(char: string): string {
  return `\\u${(char.codePointAt(0) as number).toString(16).padStart(4, '0')}`;
}

/**
 * `text` safe to write to a terminal: every C0 and C1 control, DEL, bidi embedding, override or
 * isolate (U+202A–U+202E, U+2066–U+2069) and line or paragraph separator (U+2028, U+2029) is
 * written as `\uXXXX`, so nothing it holds can move the cursor, recolour, retitle or reorder
 * what is already on screen. Other characters, the backslash included, are kept. The escapes are
 * also JSON escapes: applied to `JSON.stringify` output with `keepLineFeeds`, the result is JSON
 * that parses to the same value.
 *
 * @example
 * ```ts
 * escapeForTerminal('a\u001b[7Ab'); // 'a\\u001b[7Ab'
 * escapeForTerminal('one\ntwo', { keepLineFeeds: true }); // 'one\ntwo'
 * ```
 */
export function escapeForTerminal(text: string, options: TerminalEscapeOptions = {}): string {
  if (options.keepColour === true) {
    return text.replace(UNSAFE_BUT_COLOUR, (match) =>
      match.length > 1 ? match : escapeCharacter(match),
    );
  }
  return text.replace(UNSAFE, (char) =>
    options.keepLineFeeds === true && char === '\n' ? char : escapeCharacter(char),
  );
}
