import { InvalidClaimError } from '../../src/errors';
import { frozenClock } from '../../src/testing/frozen-clock';

const START = '2026-01-01T00:00:00.000Z';

describe('frozenClock', () => {
  test('stays at the given instant, from an ISO string or a Date', () => {
    const fromString = frozenClock('2026-01-01T00:00:00Z');
    const fromDate = frozenClock(new Date(START));
    expect(fromString().toISOString()).toBe(START);
    expect(fromString().toISOString()).toBe(START);
    expect(fromDate().getTime()).toBe(fromString().getTime());
  });

  test('returns a fresh Date each call, so mutating one does not move the clock', () => {
    const clock = frozenClock(START);
    clock().setUTCFullYear(1999);
    expect(clock().toISOString()).toBe(START);
  });

  test('copies the Date it is given', () => {
    const date = new Date(START);
    const clock = frozenClock(date);
    date.setUTCFullYear(1999);
    expect(clock().toISOString()).toBe(START);
  });

  test('advance(seconds) moves it forward, back, and by fractions, returning the new time', () => {
    const clock = frozenClock(START);
    expect(clock.advance(90).toISOString()).toBe('2026-01-01T00:01:30.000Z');
    expect(clock().toISOString()).toBe('2026-01-01T00:01:30.000Z');
    expect(clock.advance(-3600).toISOString()).toBe('2025-12-31T23:01:30.000Z');
    expect(clock.advance(0.25).toISOString()).toBe('2025-12-31T23:01:30.250Z');
  });

  test('set(date) stops it at another instant', () => {
    const clock = frozenClock(START);
    expect(clock.set('2027-06-01T12:00:00Z').toISOString()).toBe('2027-06-01T12:00:00.000Z');
    expect(clock().toISOString()).toBe('2027-06-01T12:00:00.000Z');
  });

  test.each<[string, unknown]>([
    ['an invalid Date', new Date(Number.NaN)],
    ['a non-ISO string', 'next tuesday'],
    ['an empty string', ''],
    ['a number (seconds or milliseconds?)', 1_767_225_600],
    ['null', null],
    ['undefined', undefined],
  ])('refuses %s with ERR_INVALID_CLAIM naming date', (_name, date) => {
    expect(() => frozenClock(date as Date)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'date' }),
    );
    expect(() => frozenClock(date as Date)).toThrow(
      /frozenClock needs a valid Date or ISO 8601 string/,
    );
  });

  test('set() validates like frozenClock() and leaves the clock where it was', () => {
    const clock = frozenClock(START);
    expect(() => clock.set('soon')).toThrow(InvalidClaimError);
    expect(clock().toISOString()).toBe(START);
  });

  test.each<[string, unknown]>([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a numeric string', '60'],
    ['undefined', undefined],
  ])('advance() refuses %s with ERR_INVALID_CLAIM naming seconds', (_name, seconds) => {
    const clock = frozenClock(START);
    expect(() => clock.advance(seconds as number)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'seconds' }),
    );
    expect(clock().toISOString()).toBe(START);
  });

  test('advance() refuses to leave the range of Date', () => {
    const clock = frozenClock(START);
    expect(() => clock.advance(1e16)).toThrow(/outside the range of Date/);
    expect(clock().toISOString()).toBe(START);
  });

  test('works as the now option of a token', () => {
    const clock = frozenClock(START);
    const readings = [clock(), clock.advance(1), clock()];
    expect(readings.map((date) => date.getTime() / 1000)).toEqual([
      1_767_225_600, 1_767_225_601, 1_767_225_601,
    ]);
  });
});
