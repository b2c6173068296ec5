import { InvalidClaimError, InvalidKeyScheduleError, NoSigningKeyError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import {
  DEFAULT_PUBLISH_LEAD_SECONDS,
  DEFAULT_RETIRE_AFTER_SECONDS,
  KeySchedule,
} from '../../src/keys/key-schedule';
import { testKey } from '../helpers/keys';

const a = testKey('a');
const b = testKey('b');
const c = testKey('c');

const HOUR = 3600_000;
const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-04T00:00:00Z');
const T2 = new Date('2026-01-07T12:00:00Z');
const at = (base: Date, ms: number): Date => new Date(base.getTime() + ms);
const kids = (keys: readonly { kid: string }[]): string[] => keys.map((key) => key.kid);

const schedule = new KeySchedule([
  // Given out of order on purpose: the schedule sorts by activation.
  { key: b, activatesAt: '2026-01-04T00:00:00Z' },
  { key: a, activatesAt: T0 },
  { key: c, activatesAt: '2026-01-07T14:00:00+02:00' },
]);

describe('KeySchedule', () => {
  it('has the documented defaults: 25 h lead, longest token lifetime + 5 min retirement', () => {
    expect(DEFAULT_PUBLISH_LEAD_SECONDS).toBe(25 * 3600);
    expect(DEFAULT_RETIRE_AFTER_SECONDS).toBe(86_400 + 300);
    expect(schedule.publishLeadSeconds).toBe(DEFAULT_PUBLISH_LEAD_SECONDS);
    expect(schedule.retireAfterSeconds).toBe(DEFAULT_RETIRE_AFTER_SECONDS);
    expect(schedule.entries.map((entry) => [entry.key, entry.activatesAt])).toEqual([
      [a, T0],
      [b, T1],
      [c, T2],
    ]);
  });

  it('entry i signs from its activation (inclusive) until the next one (exclusive)', () => {
    expect(schedule.signingKeyAt(T0)).toBe(a);
    expect(schedule.signingKeyAt(at(T1, -1))).toBe(a);
    expect(schedule.signingKeyAt(T1)).toBe(b);
    expect(schedule.signingKeyAt(at(T2, -1))).toBe(b);
    expect(schedule.signingKeyAt(T2)).toBe(c);
    expect(schedule.signingKeyAt(new Date('2099-01-01T00:00:00Z'))).toBe(c);
    // Back in time again: the last-phase shortcut must not stick.
    expect(schedule.signingKeyAt(at(T0, 1))).toBe(a);
  });

  it('publishes a key publishLeadSeconds before it signs and until retireAfterSeconds after', () => {
    const lead = 25 * HOUR;
    const retire = DEFAULT_RETIRE_AFTER_SECONDS * 1000;
    expect(kids(schedule.jwksAt(at(T0, -lead - 1)).keys)).toEqual([]);
    expect(kids(schedule.jwksAt(at(T0, -lead)).keys)).toEqual([a.kid]);
    expect(kids(schedule.jwksAt(at(T1, -lead - 1)).keys)).toEqual([a.kid]);
    expect(kids(schedule.jwksAt(at(T1, -lead)).keys)).toEqual([a.kid, b.kid]);
    expect(kids(schedule.jwksAt(T1).keys)).toEqual([b.kid, a.kid]);
    expect(kids(schedule.jwksAt(at(T1, retire - 1)).keys)).toEqual([b.kid, a.kid]);
    expect(kids(schedule.jwksAt(at(T1, retire)).keys)).toEqual([b.kid]);
    expect(kids(schedule.jwksAt(at(T2, -lead)).keys)).toEqual([b.kid, c.kid]);
    expect(kids(schedule.jwksAt(at(T2, retire)).keys)).toEqual([c.kid]);
  });

  it('ringAt: the signing key as current, the other published keys as previous, newest first', () => {
    const ring = schedule.ringAt(at(T1, -HOUR));
    expect(ring).toBeInstanceOf(KeyRing);
    expect(ring.current).toBe(a);
    expect(ring.previous).toEqual([b]);
    expect(schedule.ringAt(at(T2, -HOUR)).keys).toEqual([b, c]);
    expect(schedule.ringAt(at(T2, HOUR)).keys).toEqual([c, b]);
    // Overlapping windows: with a long retirement, two old keys and the next one at once.
    const long = new KeySchedule(
      [
        { key: a, activatesAt: T0 },
        { key: b, activatesAt: T1 },
        { key: c, activatesAt: T2 },
      ],
      { retireAfterSeconds: 10 * 86_400, publishLeadSeconds: 5 * 86_400 },
    );
    expect(long.ringAt(at(T1, HOUR)).keys).toEqual([b, c, a]);
  });

  it('returns the same ring and JWKS objects between two events, new ones after', () => {
    expect(schedule.ringAt(at(T1, HOUR))).toBe(schedule.ringAt(at(T1, 2 * HOUR)));
    expect(schedule.jwksAt(at(T1, HOUR))).toBe(schedule.jwksAt(at(T1, 2 * HOUR)));
    expect(schedule.jwksAt(at(T1, HOUR))).not.toBe(schedule.jwksAt(at(T1, -HOUR)));
    expect(Object.isFrozen(schedule.jwksAt(T1))).toBe(true);
    expect(schedule.jwksAt(T1)).toEqual(schedule.ringAt(T1).jwks());
  });

  it('lists every event in time order, ties as publish, activate, retire', () => {
    const lead = 25 * HOUR;
    const retire = DEFAULT_RETIRE_AFTER_SECONDS * 1000;
    expect(schedule.timeline()).toEqual([
      { type: 'publish', at: at(T0, -lead), kid: a.kid },
      { type: 'activate', at: T0, kid: a.kid },
      { type: 'publish', at: at(T1, -lead), kid: b.kid },
      { type: 'activate', at: T1, kid: b.kid },
      { type: 'retire', at: at(T1, retire), kid: a.kid },
      { type: 'publish', at: at(T2, -lead), kid: c.kid },
      { type: 'activate', at: T2, kid: c.kid },
      { type: 'retire', at: at(T2, retire), kid: b.kid },
    ]);
    const zero = new KeySchedule([{ key: a, activatesAt: T0 }], { publishLeadSeconds: 0 });
    expect(zero.timeline().map((event) => event.type)).toEqual(['publish', 'activate']);
    expect(zero.jwksAt(T0).keys).toEqual([a.publicJwk()]);
    // A copy: callers cannot reorder the schedule's own list.
    schedule.timeline().pop();
    expect(schedule.timeline()).toHaveLength(8);
  });

  it('before the first activation: no signing key, saying when the first key activates', () => {
    const before = at(T0, -3 * HOUR);
    expect(() => schedule.signingKeyAt(before)).toThrow(NoSigningKeyError);
    expect(() => schedule.signingKeyAt(before)).toThrow(
      `no signing key at 2025-12-31T21:00:00.000Z: the key schedule's first key (kid ${a.kid}) activates at 2026-01-01T00:00:00.000Z (in 3 hours)`,
    );
    expect(() => schedule.ringAt(before)).toThrow(NoSigningKeyError);
    expect(schedule.signsAt(before)).toBe(false);
    expect(schedule.signsAt(at(T0, -1))).toBe(false);
    expect(schedule.signsAt(T0)).toBe(true);
    // The JWKS already holds the key published ahead of its activation.
    expect(schedule.jwksAt(before).keys).toEqual([a.publicJwk()]);
  });

  it('uses its own clock when given no time', () => {
    let now = at(T1, -HOUR);
    const clocked = new KeySchedule(
      [
        { key: a, activatesAt: T0 },
        { key: b, activatesAt: T1 },
      ],
      { now: () => now },
    );
    expect(clocked.signingKeyAt()).toBe(a);
    expect(clocked.ringAt().previous).toEqual([b]);
    now = T1;
    expect(clocked.signingKeyAt()).toBe(b);
    expect(kids(clocked.jwksAt().keys)).toEqual([b.kid, a.kid]);
    const broken = new KeySchedule([{ key: a, activatesAt: T0 }], {
      now: () => 'yesterday' as never,
    });
    expect(() => broken.signingKeyAt()).toThrow(InvalidClaimError);
  });

  it.each([
    ['an invalid Date', new Date(NaN)],
    ['a string', '2026-01-01T00:00:00Z'],
  ])('refuses %s as the time to look up', (_name, value) => {
    expect(() => schedule.signingKeyAt(value as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'at' }),
    );
    expect(() => schedule.jwksAt(value as never)).toThrow(InvalidClaimError);
  });

  it('is immutable', () => {
    expect(Object.isFrozen(schedule)).toBe(true);
    expect(Object.isFrozen(schedule.entries)).toBe(true);
    expect(Object.isFrozen(schedule.entries[0])).toBe(true);
  });

  describe('refuses invalid entries with InvalidKeyScheduleError naming the entry', () => {
    it.each<[string, unknown, string, number | undefined, string]>([
      ['an empty list', [], 'empty', undefined, 'a key schedule needs a non-empty array'],
      ['not an array', { key: a }, 'empty', undefined, 'got an object'],
      ['a non-object entry', [null], 'invalid-entry', 0, 'entries[0] must be an object'],
      [
        'a PEM string as key',
        [
          { key: a, activatesAt: T0 },
          { key: 'pem', activatesAt: T1 },
        ],
        'invalid-key',
        1,
        'entries[1].key must be a SigningKey or a Signer; got "pem"',
      ],
      [
        'a KeyRing as key',
        [{ key: new KeyRing(a), activatesAt: T0 }],
        'invalid-key',
        0,
        'got a KeyRing',
      ],
      [
        'the same key twice',
        [
          { key: a, activatesAt: T0 },
          { key: b, activatesAt: T1 },
          { key: a, activatesAt: T2 },
        ],
        'duplicate-kid',
        2,
        `entries[2].key is the key of entries[0] (kid ${a.kid})`,
      ],
      [
        'the same time twice, written differently',
        [
          { key: a, activatesAt: '2026-01-01T01:00:00+01:00' },
          { key: b, activatesAt: T0 },
        ],
        'duplicate-time',
        1,
        'entries[1].activatesAt (2026-01-01T00:00:00.000Z) is the time of entries[0]',
      ],
      [
        'an unparsable time',
        [{ key: a, activatesAt: 'next tuesday' }],
        'invalid-time',
        0,
        'entries[0].activatesAt must be a valid Date or an ISO 8601 time with a zone',
      ],
      [
        'a time without a zone (each machine would read its own local time)',
        [{ key: a, activatesAt: '2026-12-01T00:00:00' }],
        'invalid-time',
        0,
        'got "2026-12-01T00:00:00"',
      ],
      ['a date alone', [{ key: a, activatesAt: '2026-12-01' }], 'invalid-time', 0, 'with a zone'],
      [
        'an impossible date',
        [{ key: a, activatesAt: '2026-02-31T00:00:00Z' }],
        'invalid-time',
        0,
        'got "2026-02-31T00:00:00Z"',
      ],
      ['an invalid Date', [{ key: a, activatesAt: new Date(NaN) }], 'invalid-time', 0, 'Invalid'],
      [
        'a number (milliseconds?)',
        [{ key: a, activatesAt: 1767225600 }],
        'invalid-time',
        0,
        'got 1767225600',
      ],
    ])('%s', (_name, entries, reason, entry, message) => {
      let error: unknown;
      try {
        new KeySchedule(entries as never);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidKeyScheduleError);
      expect(error).toMatchObject({ code: 'ERR_INVALID_KEY_SCHEDULE', reason, entry });
      expect((error as Error).message).toContain(message);
    });
  });

  it.each<[string, object, string]>([
    ['an unknown option', { publishLead: 3600 }, 'publishLead'],
    ['a negative lead', { publishLeadSeconds: -1 }, 'publishLeadSeconds'],
    ['a fractional retirement', { retireAfterSeconds: 1.5 }, 'retireAfterSeconds'],
    ['a clock that is not a function', { now: new Date() }, 'now'],
  ])('refuses %s with InvalidClaimError naming it', (_name, options, option) => {
    expect(() => new KeySchedule([{ key: a, activatesAt: T0 }], options)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option }),
    );
  });
});
