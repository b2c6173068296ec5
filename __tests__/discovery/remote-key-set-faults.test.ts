// Issue 14: with two issuers, one of them broken in each way a real server can break, the healthy
// issuer's tokens keep verifying without ever waiting for a fetch, and each issuer's fetches are
// its own. Real servers on 127.0.0.1; "waits" is observed by holding requests, never by timing.
import type { ServerResponse } from 'node:http';
import { createRemoteKeySet } from '../../src/discovery/remote-key-set';
import { JwksFetchError, TokenVerificationError, type JwksFetchReason } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { verifyAiAccessTokenAsync } from '../../src/verify/verify-ai-access-token-async';
import { testKey } from '../helpers/keys';
import { forge, frozenClock, gatedFetch, mint, rejection, startIssuer } from './remote-fixtures';
import { closeAllServers, startServer, startServerFor } from './servers';

const alpha = testKey('alpha');
const beta = testKey('beta');
// Long enough for the healthy issuer to answer on a loaded machine; the silent and slow issuers take
// this long to fail.
const TIMEOUT_MS = 2000;

afterEach(closeAllServers);

interface FailureMode {
  readonly reason: JwksFetchReason;
  /** Starts the broken issuer; returns its origin. */
  start(healthy: string): Promise<string>;
}

const discoveryOf = (origin: string) => ({ issuer: origin, jwks_uri: `${origin}/jwks` });

const modes: Record<string, FailureMode> = {
  'refuses connections': {
    reason: 'network',
    start: async () => {
      const server = await startServer(() => undefined);
      await server.close();
      return server.origin;
    },
  },
  'accepts and never answers': {
    reason: 'timeout',
    start: async () => (await startServer(() => undefined)).origin,
  },
  'answers 500': {
    reason: 'http-status',
    start: async () =>
      (
        await startServer((_req, res) => {
          res.statusCode = 500;
          res.end('{"error":"internal"}');
        })
      ).origin,
  },
  'serves invalid JSON': {
    reason: 'invalid-json',
    start: async () =>
      (
        await startServer((_req, res) => {
          res.setHeader('content-type', 'application/json');
          res.end('{"issuer": "http://127.0.0.1');
        })
      ).origin,
  },
  'serves its JWKS slowly': {
    reason: 'timeout',
    start: async () =>
      (
        await startServerFor((origin) => (req, res) => {
          if (req.url === '/.well-known/openid-configuration') {
            res.end(JSON.stringify(discoveryOf(origin)));
          } else {
            trickle(res, JSON.stringify({ keys: [beta.publicJwk()] }));
          }
        })
      ).origin,
  },
  'names another issuer in its discovery document': {
    reason: 'issuer-mismatch',
    // It claims to be the healthy issuer, hoping its keys get trusted under that name.
    start: async (healthy) =>
      (
        await startServer((_req, res) => {
          res.end(JSON.stringify({ ...discoveryOf(healthy), jwks_uri: `${healthy}/jwks` }));
        })
      ).origin,
  },
};

/** Sends `body` one byte every 20 ms; stops when it is all sent or the connection closes. */
function trickle(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  let sent = 0;
  const timer = setInterval(() => {
    res.write(body[sent]);
    sent += 1;
    if (sent === body.length) {
      clearInterval(timer);
      res.end();
    }
  }, 20);
  res.on('close', () => {
    clearInterval(timer);
  });
}

async function setUp(mode: FailureMode) {
  const clock = frozenClock();
  const healthy = (await startIssuer(() => new KeyRing(alpha))).origin;
  const broken = await mode.start(healthy);
  const net = gatedFetch();
  const errors: JwksFetchError[] = [];
  const keys = createRemoteKeySet({
    issuers: [healthy, broken],
    fetch: net.fetch,
    timeoutMs: TIMEOUT_MS,
    onError: (error) => errors.push(error),
    now: clock.now,
  });
  const verify = (token: string) => verifyAiAccessTokenAsync(token, { keys, now: clock.now });
  return { clock, healthy, broken, net, errors, keys, verify };
}

describe.each(Object.entries(modes))('with one issuer that %s', (_name, mode) => {
  it(`reports reason '${mode.reason}' for that issuer alone`, async () => {
    const { healthy, broken, net, errors, keys, verify, clock } = await setUp(mode);
    const error = await rejection(verify(mint(broken, beta, clock.now)));
    expect(error).toBeInstanceOf(JwksFetchError);
    expect(error).toMatchObject({ reason: 'no-keys', cause: errors[0] });
    expect(errors.map((e) => e.reason)).toEqual([mode.reason]);
    expect(net.count(healthy)).toBe(0); // not fetched, not even by a discovery naming it
    expect(keys.status().issuers).toMatchObject([
      { issuer: healthy, keyCount: 0, error: undefined, fetching: false },
      { issuer: broken, keyCount: 0, error: errors[0], fetching: false, fetchedAt: undefined },
    ]);
  });

  it('accepts 1,000 tokens of the healthy issuer, none of them waiting for a fetch', async () => {
    const { healthy, broken, net, errors, keys, verify, clock } = await setUp(mode);
    // The healthy issuer's first token waits for that issuer's first fetch: it has no keys yet.
    await verify(mint(healthy, alpha, clock.now));
    const discovery = (origin: string) =>
      net.urls.filter((url) => url === `${origin}/.well-known/openid-configuration`).length;

    const brokenTokens: Promise<Error & { code?: string }>[] = [];
    let healthyToken = '';
    let brokenToken = '';
    let accepted = 0;
    let waited = 0;
    for (let i = 0; i < 1000; i += 1) {
      clock.advance(100); // 1,000 × 100 s: past a day of cache age, and past 3,000 cooldowns
      if (i % 30 === 0) {
        healthyToken = mint(healthy, alpha, clock.now);
        brokenToken = mint(broken, beta, clock.now);
      }
      if (i % 10 === 0) {
        brokenTokens.push(rejection(verify(brokenToken)));
        await nextTurn(); // let the broken issuer's requests really go out and fail
      }
      const { value, beforeIo } = await settledBeforeIo(verify(healthyToken));
      if (value.issuer === healthy) accepted += 1;
      if (!beforeIo) waited += 1;
    }
    expect(accepted).toBe(1000);
    expect(waited).toBe(0);
    // The healthy issuer: its first fetch, then one refresh in the background once a day old.
    expect(discovery(healthy)).toBe(2);
    expect(discovery(broken)).toBeGreaterThanOrEqual(1);
    expect(discovery(broken)).toBeLessThanOrEqual(brokenTokens.length);

    for (const error of await Promise.all(brokenTokens)) {
      expect(error).toBeInstanceOf(JwksFetchError);
      expect(error).toMatchObject({ reason: 'no-keys', cause: { reason: mode.reason } });
    }
    expect(errors.every((error) => error.reason === mode.reason)).toBe(true);
    expect(keys.status().issuers[0]).toMatchObject({ keyCount: 1, generation: 1 });
  }, 30_000); // a guard for a loaded machine, not a measurement: the bench measures
});

/** One turn of the event loop, so that I/O gets processed. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Awaits `promise`, noting whether it settled before the event loop's next turn. A verification
 * that waits for a fetch (any network I/O, even a refused connection) cannot: its answer arrives
 * in a later turn. One served from the cache settles within the current one.
 */
async function settledBeforeIo<T>(promise: Promise<T>): Promise<{ value: T; beforeIo: boolean }> {
  let turned = false;
  const turn = setImmediate(() => {
    turned = true;
  });
  const value = await promise;
  clearImmediate(turn);
  return { value, beforeIo: !turned };
}

it('regression (issue 14): an unreachable issuer never delays tokens whose key is cached', async () => {
  // As reported: two issuers, one down, 280 verifications a second apart. Default cache age and
  // cooldown; a long timeout, so that the broken issuer's fetch is in flight the whole time.
  const clock = frozenClock();
  const healthy = (await startIssuer(() => new KeyRing(alpha))).origin;
  const down = await startServer(() => undefined);
  const net = gatedFetch();
  const keys = createRemoteKeySet({
    issuers: [healthy, down.origin],
    fetch: net.fetch,
    timeoutMs: 60_000,
    now: clock.now,
  });
  const verify = (token: string) => verifyAiAccessTokenAsync(token, { keys, now: clock.now });
  const brokenTokens: Promise<unknown>[] = [];
  let token = mint(healthy, alpha, clock.now);
  await verify(token);
  for (let i = 0; i < 280; i += 1) {
    clock.advance(1);
    if (i % 60 === 0) token = mint(healthy, alpha, clock.now);
    brokenTokens.push(rejection(verify(mint(down.origin, beta, clock.now))));
    await nextTurn();
    const { value, beforeIo } = await settledBeforeIo(verify(token));
    expect(value.issuer).toBe(healthy);
    expect(beforeIo).toBe(true);
    // Resolved while the other issuer's fetch is still running: it did not wait for it.
    expect(keys.status().issuers[1]!.fetching).toBe(true);
  }
  // Fetched once in 280 s, not once per cooldown; the broken issuer once, joined by every token.
  expect(net.count(healthy)).toBe(2);
  expect(net.count(down.origin)).toBe(1);
  expect(down.requests).toHaveLength(1);
  await down.close();
  for (const error of await Promise.all(brokenTokens)) {
    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', reason: 'no-keys' });
  }
  // A day later the healthy issuer is refreshed once, in the background.
  clock.advance(86_400);
  await verify(mint(healthy, alpha, clock.now));
  expect(keys.status().issuers[0]!.fetching).toBe(true);
  await keys.refresh(); // joins it
  expect(net.count(healthy)).toBe(4);
});

it("fetches an issuer for its own unknown kid while another issuer's fetch hangs", async () => {
  const { healthy, broken, net, verify, clock } = await setUp(modes['accepts and never answers']!);
  await verify(mint(healthy, alpha, clock.now));
  net.hold(broken);
  const pending = rejection(verify(mint(broken, beta, clock.now)));
  expect(net.held(broken)).toBe(1);

  clock.advance(30);
  const rotated = forge({ kid: 'not-published' }, { iss: healthy }, alpha, clock.now);
  expect(await rejection(verify(rotated))).toMatchObject({ code: 'ERR_TOKEN_SIGNATURE' });
  expect(net.count(healthy)).toBe(4); // its own fetch, not held up by the other's
  // Within this issuer's cooldown, another unknown kid neither fetches nor waits.
  expect(await rejection(verify(rotated))).toBeInstanceOf(TokenVerificationError);
  expect(net.count(healthy)).toBe(4);
  expect(net.count(broken)).toBe(1);
  net.release();
  expect(await pending).toMatchObject({ reason: 'no-keys', cause: { reason: 'timeout' } });
});

it('waits at most timeoutMs, even for a fetch function that ignores the abort signal', async () => {
  const issuer = 'https://gitlab.example.com';
  const clock = frozenClock();
  const keys = createRemoteKeySet({
    issuers: [issuer],
    fetch: () => new Promise<Response>(() => undefined),
    timeoutMs: 100,
    now: clock.now,
  });
  const error = await rejection(
    verifyAiAccessTokenAsync(mint(issuer, alpha, clock.now), { keys, now: clock.now }),
  );
  expect(error).toMatchObject({ reason: 'no-keys', cause: { reason: 'timeout' } });
  expect(error.message).toBe(
    `No keys found in JWKS; are OIDC providers up? discovery document "${issuer}/.well-known/openid-configuration" did not answer in time: an issuer's discovery document and JWKS must arrive within 100 ms`,
  );
});

it("counts each change of an issuer's keys in status().issuers[i].generation", async () => {
  let ring = new KeyRing(alpha);
  const issuer = (await startIssuer(() => ring)).origin;
  const keys = createRemoteKeySet({ issuers: [issuer], now: frozenClock().now });
  expect(keys.status().issuers[0]!.generation).toBe(0);
  await keys.refresh();
  expect(keys.status().issuers[0]!.generation).toBe(1);
  await keys.refresh(); // the same keys again: no change
  expect(keys.status().issuers[0]!.generation).toBe(1);
  ring = ring.rotate(beta); // beta added
  await keys.refresh();
  expect(keys.status().issuers[0]).toMatchObject({ generation: 2, keyCount: 2 });
  ring = new KeyRing(beta); // alpha removed
  await keys.refresh();
  expect(keys.status().issuers[0]).toMatchObject({ generation: 3, keyCount: 1 });
});
