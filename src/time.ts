import { fromUnixTime } from 'date-fns/fromUnixTime';
import { getUnixTime } from 'date-fns/getUnixTime';
import { isValid } from 'date-fns/isValid';
import { InvalidClaimError } from './errors';

/**
 * A clock: returns the current time. Inject one through the `now` options to freeze time in tests.
 *
 * @example
 * ```ts
 * const now: Clock = () => new Date('2026-01-01T00:00:00Z');
 * ```
 */
export type Clock = () => Date;

// Spelled out rather than taken from date-fns' types, which the declarations of this package would
// then import (and some consumers' module settings cannot resolve).
type FormatDistanceStrict = (
  date: Date,
  baseDate: Date,
  options?: { addSuffix?: boolean; roundingMethod?: 'floor' | 'ceil' | 'round' },
) => string;

let formatDistanceStrictFn: FormatDistanceStrict | undefined;

/**
 * date-fns' `formatDistanceStrict`, required on first use: it brings the en-US locale (16 files),
 * which only error messages and the CLI print, so no process pays for it at start-up.
 */
export function formatDistanceStrict(...args: Parameters<FormatDistanceStrict>): string {
  if (formatDistanceStrictFn === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require('date-fns/formatDistanceStrict') as {
      formatDistanceStrict: FormatDistanceStrict;
    };
    formatDistanceStrictFn = module.formatDistanceStrict;
  }
  return formatDistanceStrictFn(...args);
}

/** The real clock. */
export const systemClock: Clock = () => new Date();

/** Reads `clock`, insisting on a valid `Date`; `option` names the option in the error. */
export function readClock(clock: Clock, option = 'now'): Date {
  // The system clock always gives a valid Date: not checked on every verification.
  if (clock === systemClock) return new Date();
  const value: unknown = clock();
  if (!(value instanceof Date) || !isValid(value)) {
    throw new InvalidClaimError(
      option,
      `${option} must return a valid Date; got ${describe(value)}`,
    );
  }
  return value;
}

/** Whole seconds since the epoch, rounded down, as JWT NumericDate claims are. */
export function toEpochSeconds(date: Date): number {
  return getUnixTime(date);
}

/** A short, safe description of a value for error messages (never more than 40 characters). */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 32 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) {
    try {
      const json = JSON.stringify(value);
      return json.length <= 40 ? json : `an array of ${value.length} items`;
    } catch {
      return `an array of ${value.length} items`;
    }
  }
  if (value instanceof Date) return isValid(value) ? value.toISOString() : 'Invalid Date';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name === undefined || name === 'Object' ? 'an object' : `a ${name}`;
}

/**
 * A NumericDate claim for people: ISO time and how far it is from `now`, e.g.
 * `2026-01-01T01:00:00.000Z (in about 1 hour)` or `… (3 hours ago)`.
 */
export function humanTime(epochSeconds: number, now: Date): string {
  const date = fromUnixTime(epochSeconds);
  if (!isValid(date)) return String(epochSeconds);
  const distance = formatDistanceStrict(date, now, { addSuffix: true });
  return `${date.toISOString()} (${distance})`;
}

/**
 * How far `epochSeconds` is from `now`, in words, rounded down so a fresh one-hour token reads
 * `in 59 minutes` rather than `in 60 minutes`; past times read `3 hours ago`.
 *
 * @example
 * ```ts
 * relativeTime(1767229200, new Date('2026-01-01T00:00:05Z')); // 'in 59 minutes'
 * ```
 */
export function relativeTime(epochSeconds: number, now: Date): string {
  return formatDistanceStrict(fromUnixTime(epochSeconds), now, {
    addSuffix: true,
    roundingMethod: 'floor',
  });
}
