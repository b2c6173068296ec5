// Compares what a command printed with what the documentation shows, modulo the values that
// change on every run: tokens, key ids and moduli, ids, times and durations.

const VOLATILE: readonly [RegExp, string][] = [
  // A JWT starts a word: a key id may contain "eyJ" too (about 1 in 6,000 do).
  [/(?<![\w-])eyJ[\w-]*(?:[.…][\w-]*)*/g, '<JWT>'],
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<UUID>'],
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<TIME>'],
  [/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d/g, '<LOCAL TIME>'],
  [/(?<![\w-])[\w-]{44,}(?![\w-])/g, '<BASE64URL>'],
  [/(?<![\w-])[\w-]{43}(?![\w-])/g, '<KID>'],
  [/\b\d{10}\b/g, '<EPOCH>'],
  [/\b(?:\d+|an?) (?:second|minute|hour|day|month|year)s?\b/g, '<DURATION>'],
];

/**
 * `text` with every volatile value replaced by a placeholder, and trailing blank lines dropped.
 *
 * @example
 * ```ts
 * normalize('kid: n_SsX-hsDOmk6DHpJKWDkqIuE9ymfoBsKELA4uZzpLw'); // 'kid: <KID>'
 * ```
 */
export function normalize(text: string): string {
  let result = text.replace(/\r\n/g, '\n');
  for (const [pattern, placeholder] of VOLATILE) result = result.replace(pattern, placeholder);
  return result.replace(/\s+$/, '');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether `actual` output matches `shown` in the documentation, both normalised. In `shown`, `…`
 * stands for any text within a line, and a line holding only `...` for any number of lines.
 *
 * @example
 * ```ts
 * matchesShown('a\nb\nc\n', 'a\n...\nc'); // true
 * ```
 */
export function matchesShown(actual: string, shown: string): boolean {
  const pattern = normalize(shown)
    .split('\n')
    .map((line) =>
      /^\s*\.\.\.\s*$/.test(line)
        ? '(?:[^\\n]*\\n)*?'
        : `${line.split('…').map(escape).join('[^\\n]*?')}\\n`,
    )
    .join('');
  return new RegExp(`^${pattern}$`).test(`${normalize(actual)}\n`);
}
