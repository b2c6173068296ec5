// createDiscoveryHandler given a KeySchedule serves, over real HTTP, the schedule's JWKS at the
// handler's clock: keys appear ahead of activation and leave after retirement with no restart.
import { createDiscoveryHandler } from '../../src/discovery/discovery-handler';
import { InvalidClaimError } from '../../src/errors';
import { KeySchedule } from '../../src/keys/key-schedule';
import { testKey } from '../helpers/keys';
import { closeAllServers, request, startServerFor } from './servers';

const a = testKey('a');
const b = testKey('b');
const HOUR = 3600_000;
const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-04T00:00:00Z');
const schedule = new KeySchedule([
  { key: a, activatesAt: T0 },
  { key: b, activatesAt: T1 },
]);

afterAll(closeAllServers);

describe('createDiscoveryHandler with a KeySchedule', () => {
  it('serves the JWKS of the schedule at the handler clock, with a new ETag per phase', async () => {
    const clock = { now: new Date(T1.getTime() - 26 * HOUR) };
    const server = await startServerFor((origin) =>
      createDiscoveryHandler({ issuer: origin, keys: schedule, now: () => clock.now }),
    );
    const jwksAt = async (now: Date) => {
      clock.now = now;
      const { status, headers, text } = await request(`${server.origin}/oauth/discovery/keys`);
      expect(status).toBe(200);
      const kids = (JSON.parse(text) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
      return { kids, etag: headers.get('etag') };
    };
    const onlyA = await jwksAt(clock.now);
    expect(onlyA.kids).toEqual([a.kid]);
    const ahead = await jwksAt(new Date(T1.getTime() - 25 * HOUR));
    expect(ahead.kids).toEqual([a.kid, b.kid]);
    expect(ahead.etag).not.toBe(onlyA.etag);
    expect((await jwksAt(new Date(T1.getTime() - HOUR))).etag).toBe(ahead.etag);
    expect((await jwksAt(T1)).kids).toEqual([b.kid, a.kid]);
    expect((await jwksAt(new Date(T1.getTime() + 86_700_000))).kids).toEqual([b.kid]);
  });

  it('refuses a clock that is not a function, and names every accepted form of keys', () => {
    expect(() =>
      createDiscoveryHandler({
        issuer: 'https://gitlab.example.com',
        keys: schedule,
        now: 'now' as never,
      }),
    ).toThrow(expect.objectContaining({ option: 'now' }));
    expect(() =>
      createDiscoveryHandler({ issuer: 'https://gitlab.example.com', keys: [a] as never }),
    ).toThrow(
      new InvalidClaimError(
        'keys',
        'keys must be a KeySchedule, a KeyRing or a function returning one; got an array of 1 items',
      ),
    );
  });
});
