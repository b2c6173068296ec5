import { fromUnixTime } from 'date-fns/fromUnixTime';
import { isValid } from 'date-fns/isValid';
import { relativeTime } from '../time';
import type { Output } from './output';
import { escapeForTerminal } from './terminal-text';

/**
 * `iat`, `nbf` and `exp` in words: `issued 2 minutes ago`, `became valid 2 minutes ago`,
 * `expires in 57 minutes` / `expired 3 hours ago`.
 */
function timePhrase(claim: string, epochSeconds: number, now: Date): string | undefined {
  const past = epochSeconds * 1000 <= now.getTime();
  const distance = relativeTime(epochSeconds, now);
  switch (claim) {
    case 'iat':
      return `issued ${distance}`;
    case 'nbf':
      return past ? `became valid ${distance}` : `becomes valid ${distance}`;
    case 'exp':
      return past ? `expired ${distance}` : `expires ${distance}`;
    default:
      return undefined;
  }
}

/**
 * One line per member of a decoded header or payload, `name  value`, values as JSON; `iat`,
 * `nbf` and `exp` also as ISO time and relative to `now` (an expired `exp` in red).
 *
 * @example
 * ```ts
 * claimLines(payload, new Date(), out).forEach((line) => out.line(line));
 * //   exp           1767229200  2026-01-01T01:00:00.000Z  expires in 59 minutes
 * ```
 */
export function claimLines(members: Record<string, unknown>, now: Date, out: Output): string[] {
  // Names and values come from the token: escaped, so none can act on the terminal.
  const shownNames = Object.keys(members).map((name) => escapeForTerminal(name));
  const width = Math.max(12, ...shownNames.map((name) => name.length));
  return Object.entries(members).map(([name, value], index) => {
    const shownName = (shownNames[index] as string).padEnd(width);
    const shown = `  ${out.paint('cyan', shownName)}  ${escapeForTerminal(JSON.stringify(value))}`;
    if (typeof value !== 'number') return shown;
    const date = fromUnixTime(value);
    const phrase = isValid(date) ? timePhrase(name, value, now) : undefined;
    if (phrase === undefined) return shown;
    const expired = name === 'exp' && value * 1000 <= now.getTime();
    return `${shown}  ${date.toISOString()}  ${out.paint(expired ? 'red' : 'dim', phrase)}`;
  });
}

/**
 * The `iat`/`nbf`/`exp` members of `claims` as ISO strings, for `--json` output.
 *
 * @example
 * ```ts
 * isoTimes({ iat: 1767225600 }); // { iat: '2026-01-01T00:00:00.000Z' }
 * ```
 */
export function isoTimes(claims: Record<string, unknown>): Record<string, string> {
  const times: Record<string, string> = {};
  for (const name of ['iat', 'nbf', 'exp']) {
    const value = claims[name];
    if (typeof value !== 'number') continue;
    const date = fromUnixTime(value);
    if (isValid(date)) times[name] = date.toISOString();
  }
  return times;
}

/**
 * Writes a bold `title` and the {@link claimLines} of `members` under it.
 *
 * @example
 * ```ts
 * printMembers(out, 'Claims', payload, now());
 * ```
 */
export function printMembers(
  out: Output,
  title: string,
  members: Record<string, unknown>,
  now: Date,
): void {
  out.line(out.paint('bold', title));
  for (const line of claimLines(members, now, out)) out.line(line);
}
