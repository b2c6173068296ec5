import { addMilliseconds } from 'date-fns/addMilliseconds';
import { isValid } from 'date-fns/isValid';
import { parseISO } from 'date-fns/parseISO';
import { InvalidClaimError } from '../errors';
import { describe, type Clock } from '../time';

/**
 * A clock stopped at one instant, for the `now` options of `AiAccessToken`, `verifyAiAccessToken`
 * and the `toExpireWithin` matcher. It moves only when told to.
 *
 * @example
 * ```ts
 * const clock: FrozenClock = frozenClock('2026-01-01T00:00:00Z');
 * clock().toISOString(); // '2026-01-01T00:00:00.000Z'
 * clock.advance(90);
 * clock().toISOString(); // '2026-01-01T00:01:30.000Z'
 * ```
 */
export interface FrozenClock extends Clock {
  /**
   * Moves the clock by `seconds` (a finite number; negative moves it back, fractions are kept)
   * and returns the new time.
   *
   * @throws {@link InvalidClaimError} (option `seconds`) when `seconds` is not a finite number.
   */
  advance(seconds: number): Date;
  /**
   * Stops the clock at another instant and returns it.
   *
   * @throws {@link InvalidClaimError} (option `date`) when `date` is not a valid `Date` or
   * ISO 8601 string.
   */
  set(date: Date | string): Date;
}

/**
 * Returns a clock frozen at `date` (a `Date` or an ISO 8601 string such as
 * `'2026-01-01T00:00:00Z'`). Every call returns a new `Date` of the same instant, so a caller that
 * mutates what it got cannot move the clock.
 *
 * Numbers are refused on purpose: seconds and milliseconds since the epoch are too easily confused.
 *
 * @throws {@link InvalidClaimError} (option `date`) when `date` is not a valid `Date` or ISO 8601
 * string.
 * @example
 * ```ts
 * import { frozenClock } from 'ai-access-token/testing';
 *
 * const now = frozenClock('2026-01-01T00:00:00Z');
 * const token = new AiAccessToken({ subject: 'user-42', scopes: ['duo_chat'], issuer, signingKey, now });
 * now.advance(3601);
 * expect(() => verifyAiAccessToken(token.encoded(), { keys: signingKey, now })).toThrow(/expired/);
 * ```
 */
export function frozenClock(date: Date | string): FrozenClock {
  let epochMs = toEpochMs(date);
  const clock = (): Date => new Date(epochMs);
  return Object.assign(clock, {
    advance(seconds: number): Date {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
        throw new InvalidClaimError(
          'seconds',
          `frozenClock advance(seconds) needs a finite number of seconds; got ${describe(seconds)}`,
        );
      }
      const next = addMilliseconds(epochMs, Math.round(seconds * 1000));
      if (!isValid(next)) {
        throw new InvalidClaimError(
          'seconds',
          `frozenClock advance(${seconds}) would move the clock outside the range of Date`,
        );
      }
      epochMs = next.getTime();
      return clock();
    },
    set(next: Date | string): Date {
      epochMs = toEpochMs(next);
      return clock();
    },
  });
}

function toEpochMs(date: unknown): number {
  const parsed =
    date instanceof Date
      ? new Date(date.getTime())
      : typeof date === 'string'
        ? parseISO(date)
        : null;
  if (parsed === null || !isValid(parsed)) {
    throw new InvalidClaimError(
      'date',
      `frozenClock needs a valid Date or ISO 8601 string; got ${describe(date)}`,
    );
  }
  return parsed.getTime();
}
