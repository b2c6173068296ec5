// A week of key rotation as the gateway sees it. Receivers behave exactly like the gateway: they
// fetch the JWKS from the discovery handler (real HTTP on 127.0.0.1) only when their 24-hour cache
// is empty or stale — never on an unknown kid, whatever Cache-Control says — and try every cached
// key, ignoring kid. A fleet of minting processes (separate AiAccessTokenIssuers, each with its own
// slightly skewed clock) shares one KeySchedule with two rotations; every client keeps using its
// token until it expires. With the schedule no token is ever rejected; with an immediate
// `ring.rotate` the same simulation sees the outage. Time is simulated: frozen clocks, no sleeping.
import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createDiscoveryHandler } from '../../src/discovery/discovery-handler';
import { AiAccessTokenIssuer } from '../../src/issuer/ai-access-token-issuer';
import type { Jwks } from '../../src/keys/jwk';
import { KeyRing } from '../../src/keys/key-ring';
import { KeySchedule } from '../../src/keys/key-schedule';
import type { SigningKey } from '../../src/keys/signing-key';
import { closeAllServers, startServerFor } from '../discovery/servers';
import { decodeParts, testKey } from '../helpers/keys';

jest.setTimeout(120_000);
afterAll(closeAllServers);

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const GATEWAY_CACHE_MS = DAY;
const ISSUER_PATH = '/.well-known/openid-configuration';

const START = Date.parse('2026-03-02T00:00:00Z');
const END = START + 7 * DAY;
const a = testKey('a');
const b = testKey('b');
const c = testKey('c');
// a has signed for a month; b and c take over during the week.
const ROTATIONS: readonly { key: SigningKey; at: number }[] = [
  { key: b, at: START + 2 * DAY + 12 * HOUR },
  { key: c, at: START + 5 * DAY },
];

/** A receiver exactly like the gateway. */
class GatewayReceiver {
  fetches = 0;
  #keys: KeyObject[] = [];
  #fetchedAt = -Infinity;

  constructor(
    readonly name: string,
    private readonly issuer: string,
  ) {}

  async refreshIfStale(now: number): Promise<void> {
    if (now - this.#fetchedAt < GATEWAY_CACHE_MS) return;
    const discovery = (await (await fetch(`${this.issuer}${ISSUER_PATH}`)).json()) as {
      jwks_uri: string;
    };
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as Jwks;
    this.#keys = jwks.keys.map((jwk) => createPublicKey({ key: { ...jwk }, format: 'jwk' }));
    this.#fetchedAt = now;
    this.fetches += 1;
  }

  /** Tries every cached key, ignoring the token's kid; true when one verifies. */
  accepts(token: string, now: number): boolean {
    return this.#keys.some((key) => {
      try {
        jwt.verify(token, key, {
          algorithms: ['RS256'],
          audience: 'gitlab-ai-gateway',
          clockTimestamp: Math.floor(now / SECOND),
        });
        return true;
      } catch {
        return false;
      }
    });
  }
}

interface Fleet {
  /** Serves the JWKS at the simulated time. */
  readonly handler: Parameters<typeof createDiscoveryHandler>[0]['keys'];
  /** Called at each simulated instant before anything else (the rotate variant rotates here). */
  readonly tick: (now: number) => void;
  readonly issuers: readonly AiAccessTokenIssuer[];
}

interface Outcome {
  readonly accepted: Map<string, number>;
  readonly rejected: string[];
  readonly jwksViolations: string[];
  readonly fetches: number;
}

const clock = { now: START };
const PROCESSES = [
  { skewMs: 0, expiresIn: 3600, refreshBeforeSeconds: 300 },
  { skewMs: 3 * SECOND, expiresIn: 86_400, refreshBeforeSeconds: 300 },
  { skewMs: -2 * SECOND, expiresIn: 600, refreshBeforeSeconds: 60 },
];
const SUBJECTS = ['user-1', 'instance-2'];

function issuersWith(
  signingKey: ConstructorParameters<typeof AiAccessTokenIssuer>[0]['signingKey'],
) {
  return PROCESSES.map(
    ({ skewMs, expiresIn, refreshBeforeSeconds }) =>
      new AiAccessTokenIssuer({
        issuer: 'https://gitlab.example.com',
        signingKey,
        expiresIn,
        refreshBeforeSeconds,
        now: () => new Date(clock.now + skewMs),
      }),
  );
}

async function simulate(fleet: Fleet, schedule: KeySchedule): Promise<Outcome> {
  clock.now = START;
  const server = await startServerFor((origin) =>
    createDiscoveryHandler({ issuer: origin, keys: fleet.handler, now: () => new Date(clock.now) }),
  );
  // Receivers that first fetched at different phases of their 24-hour cycle: every 3 hours, and
  // one second before each key is published (the worst case: it keeps the old JWKS longest).
  const events = schedule.timeline().map((event) => ({ ...event, ms: event.at.getTime() }));
  const firstFetches = [
    ...Array.from({ length: 8 }, (_, index) => START + index * 3 * HOUR),
    ...events
      .filter((event) => event.type === 'publish' && event.ms > START)
      .map((event) => event.ms - SECOND),
  ];
  const receivers = firstFetches.map((at) => ({
    at,
    receiver: new GatewayReceiver(new Date(at).toISOString(), server.origin),
  }));
  // Every hour, plus around every event, every first fetch and every receiver's refetch.
  const instants = new Set<number>();
  for (let ms = START; ms <= END; ms += HOUR) instants.add(ms);
  for (const ms of [...events.map((event) => event.ms), ...firstFetches]) {
    for (const offset of [-SECOND, 0, SECOND, DAY - SECOND, DAY, DAY + SECOND]) {
      if (ms + offset >= START && ms + offset <= END) instants.add(ms + offset);
    }
  }

  const held = new Map<string, number>(); // token → exp (ms): clients use a token until it expires
  const accepted = new Map<string, number>();
  const rejected: string[] = [];
  const jwksViolations: string[] = [];
  for (const now of [...instants].sort((x, y) => x - y)) {
    clock.now = now;
    fleet.tick(now);
    for (const issuer of fleet.issuers) {
      for (const subject of SUBJECTS) {
        const token = issuer.issue({ subject, scopes: ['duo_chat'] });
        held.set(token, Number(decodeParts(token).payload.exp) * SECOND);
      }
    }
    for (const [token, exp] of held) if (now >= exp) held.delete(token);
    for (const { at, receiver } of receivers) {
      if (now < at) continue;
      await receiver.refreshIfStale(now);
      for (const token of held.keys()) {
        const kid = String(decodeParts(token).header.kid);
        if (receiver.accepts(token, now)) {
          accepted.set(kid, (accepted.get(kid) ?? 0) + 1);
        } else {
          rejected.push(
            `${new Date(now).toISOString()} ${receiver.name} rejected a token of ${kid}`,
          );
        }
      }
    }
    // What the handler serves now: no key after its retirement.
    const served = (await (await fetch(`${server.origin}/oauth/discovery/keys`)).json()) as Jwks;
    for (const event of events) {
      if (
        event.type === 'retire' &&
        now >= event.ms &&
        served.keys.some((k) => k.kid === event.kid)
      ) {
        jwksViolations.push(`${new Date(now).toISOString()}: ${event.kid} served after retirement`);
      }
    }
  }
  await server.close();
  return {
    accepted,
    rejected,
    jwksViolations,
    fetches: receivers.reduce((sum, { receiver }) => sum + receiver.fetches, 0),
  };
}

const scheduleWith = (options: ConstructorParameters<typeof KeySchedule>[1] = {}) =>
  new KeySchedule(
    [
      { key: a, activatesAt: new Date(START - 30 * DAY) },
      ...ROTATIONS.map(({ key, at }) => ({ key, activatesAt: new Date(at) })),
    ],
    options,
  );
const schedule = scheduleWith();

describe('rotating keys under receivers that cache the JWKS for 24 hours (the gateway)', () => {
  it('with a KeySchedule: zero rejected tokens over a week with two rotations', async () => {
    const outcome = await simulate(
      { handler: schedule, tick: () => undefined, issuers: issuersWith(schedule) },
      schedule,
    );
    expect(outcome.rejected).toEqual([]);
    expect(outcome.jwksViolations).toEqual([]);
    // Not vacuous: every key's tokens were verified, and receivers refetched through the week.
    for (const key of [a, b, c]) expect(outcome.accepted.get(key.kid)).toBeGreaterThan(100);
    expect(outcome.fetches).toBeGreaterThanOrEqual(10 * 5);
  });

  it('each retired key is absent from the JWKS after its retirement, present until then', () => {
    const retirements = schedule.timeline().filter((event) => event.type === 'retire');
    expect(retirements.map((event) => event.kid)).toEqual([a.kid, b.kid]);
    for (const { kid, at } of retirements) {
      const kidsAt = (ms: number) => schedule.jwksAt(new Date(ms)).keys.map((key) => key.kid);
      expect(kidsAt(at.getTime() - 1)).toContain(kid);
      expect(kidsAt(at.getTime())).not.toContain(kid);
      expect(kidsAt(END)).not.toContain(kid);
    }
  });

  // The simulation sees a schedule whose windows are too short for the gateway.
  it.each([
    ['published only 1 hour ahead', { publishLeadSeconds: 3600 }, b.kid],
    ['retired 5 minutes after a 1-hour token lifetime', { retireAfterSeconds: 3900 }, a.kid],
  ])('with a KeySchedule %s: rejections', async (_name, options, kid) => {
    const short = scheduleWith(options);
    const outcome = await simulate(
      { handler: short, tick: () => undefined, issuers: issuersWith(short) },
      short,
    );
    expect(outcome.rejected.some((line) => line.endsWith(kid))).toBe(true);
  });

  it('with an immediate ring.rotate the same simulation sees rejections (the outage)', async () => {
    let ring = new KeyRing(a);
    const pending = [...ROTATIONS];
    const outcome = await simulate(
      {
        handler: () => ring,
        tick: (now) => {
          while (pending[0] !== undefined && now >= pending[0].at) {
            ring = ring.rotate(pending[0].key);
            pending.shift();
          }
        },
        issuers: issuersWith(() => ring),
      },
      schedule,
    );
    expect(outcome.rejected.length).toBeGreaterThan(0);
    // Tokens of both new keys are rejected by receivers whose cache predates the rotation.
    expect(outcome.rejected.some((line) => line.endsWith(b.kid))).toBe(true);
    expect(outcome.rejected.some((line) => line.endsWith(c.kid))).toBe(true);
  });
});
