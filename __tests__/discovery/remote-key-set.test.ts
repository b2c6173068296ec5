import { randomUUID } from 'node:crypto';
import { AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE } from '../../src/constants';
import { createDiscoveryHandler } from '../../src/discovery/discovery-handler';
import {
  createRemoteKeySet,
  type FetchFunction,
  type RemoteKeySetOptions,
} from '../../src/discovery/remote-key-set';
import {
  InvalidClaimError,
  JwksFetchError,
  TokenVerificationError,
  type JwksFetchReason,
} from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import type { SigningKey } from '../../src/keys/signing-key';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { verifyAiAccessTokenAsync } from '../../src/verify/verify-ai-access-token-async';
import { testKey } from '../helpers/keys';
import { forgeRs256, unsigned } from '../verify/forge';
import { closeAllServers, startServer, startServerFor, type TestServer } from './servers';

const START = Date.parse('2026-01-01T00:00:00Z');
let clockMs = START;
const now = () => new Date(clockMs);
const advance = (seconds: number) => {
  clockMs += seconds * 1000;
};

const alpha = testKey('alpha');
const beta = testKey('beta');
const stranger = testKey('stranger');

afterEach(async () => {
  await closeAllServers();
  clockMs = START;
});

/** An issuer publishing `ring()` with the package's own handler. */
function startIssuer(ring: () => KeyRing): Promise<TestServer> {
  return startServerFor((origin) => createDiscoveryHandler({ issuer: origin, keys: ring }));
}

/** The real global fetch, counting the URLs it is asked for. */
function countingFetch(): { urls: string[]; fetch: FetchFunction } {
  const urls: string[] = [];
  return {
    urls,
    fetch: (url, init) => {
      urls.push(url);
      return fetch(url, init);
    },
  };
}

function mint(issuer: string, signingKey: SigningKey | KeyRing, scopes = ['code_suggestions']) {
  return new AiAccessToken({ subject: 'user-42', scopes, issuer, signingKey, now }).encoded();
}

/** A validly signed token whose `kid` no issuer publishes. */
function randomKidToken(issuer: string): string {
  const iat = Math.floor(clockMs / 1000);
  return forgeRs256(
    { alg: 'RS256', typ: 'JWT', kid: randomUUID() },
    { aud: AI_GATEWAY_AUDIENCE, iss: issuer, sub: 'x', iat, nbf: iat - 5, exp: iat + 3600 },
    stranger.privateKey,
  );
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('createRemoteKeySet + verifyAiAccessTokenAsync', () => {
  it('discovers the JWKS on first use, verifies, then serves from the cache', async () => {
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const counter = countingFetch();
    const keys = createRemoteKeySet({ issuers: [issuer.origin], fetch: counter.fetch, now });
    expect(counter.urls).toEqual([]); // nothing is fetched before the first verification

    const verified = await verifyAiAccessTokenAsync(mint(issuer.origin, alpha), {
      keys,
      issuer: issuer.origin,
      requiredScopes: ['code_suggestions'],
      now,
    });
    expect(verified).toMatchObject({ subject: 'user-42', audience: AI_GATEWAY_AUDIENCE });
    expect(counter.urls).toEqual([
      `${issuer.origin}/.well-known/openid-configuration`,
      `${issuer.origin}/oauth/discovery/keys`,
    ]);

    for (let i = 0; i < 5; i += 1) {
      advance(3600);
      await verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now });
    }
    expect(counter.urls).toHaveLength(2);
    expect(keys.status()).toEqual({
      keyCount: 1,
      fetchedAt: new Date(START),
      errors: [],
      issuers: [
        {
          issuer: issuer.origin,
          jwksUri: `${issuer.origin}/oauth/discovery/keys`,
          keyCount: 1,
          fetchedAt: new Date(START),
          error: undefined,
          fetching: false,
          generation: 1,
        },
      ],
    });
  });

  it('gives the same result as the synchronous verifier with the same keys', async () => {
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const keys = createRemoteKeySet({ issuers: [issuer.origin], now });
    const legacy = new AiAccessToken({
      subject: 'user-42',
      scopes: ['duo_chat'],
      issuer: issuer.origin,
      signingKey: alpha,
      audience: LEGACY_CODE_SUGGESTIONS_AUDIENCE,
      now,
    }).encoded();
    for (const token of [mint(issuer.origin, alpha), legacy]) {
      expect(await verifyAiAccessTokenAsync(token, { keys, now })).toEqual(
        verifyAiAccessToken(token, { keys: new KeyRing(alpha), now }),
      );
    }
    const result = await verifyAiAccessTokenAsync(legacy, { keys, now });
    expect(result).toMatchObject({ legacy: true, scopes: ['code_suggestions'] });
  });

  it('refetches for an unknown kid (a rotation), at most once per cooldown', async () => {
    let ring = new KeyRing(alpha);
    const issuer = await startIssuer(() => ring);
    const counter = countingFetch();
    const keys = createRemoteKeySet({
      issuers: [issuer.origin],
      fetch: counter.fetch,
      cooldownSeconds: 30,
      now,
    });
    await verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now });
    expect(counter.urls).toHaveLength(2);

    // Within the cooldown, a flood of unknown kids causes no fetch at all.
    advance(10);
    const flood = await Promise.all(
      Array.from({ length: 50 }, () =>
        rejection(verifyAiAccessTokenAsync(randomKidToken(issuer.origin), { keys, now })),
      ),
    );
    expect(flood.every((error) => error instanceof TokenVerificationError)).toBe(true);
    expect(new Set(flood.map((error) => error.code))).toEqual(new Set(['ERR_TOKEN_SIGNATURE']));
    expect(counter.urls).toHaveLength(2);

    // After the cooldown, 50 concurrent unknown kids share one fetch.
    advance(30);
    await Promise.all(
      Array.from({ length: 50 }, () =>
        rejection(verifyAiAccessTokenAsync(randomKidToken(issuer.origin), { keys, now })),
      ),
    );
    expect(counter.urls).toHaveLength(4);

    // A real rotation: the next cooldown window picks the new key up with one more fetch.
    ring = ring.rotate(beta);
    const rotated = mint(issuer.origin, ring);
    const early = await rejection(verifyAiAccessTokenAsync(rotated, { keys, now }));
    expect(early.code).toBe('ERR_TOKEN_SIGNATURE'); // still cooling down
    advance(30);
    await expect(verifyAiAccessTokenAsync(rotated, { keys, now })).resolves.toMatchObject({
      header: { kid: beta.kid },
    });
    expect(counter.urls).toHaveLength(6);
    // Tokens of the previous key keep verifying, without a fetch.
    await verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now });
    expect(counter.urls).toHaveLength(6);
  });

  it('refreshes a cache older than cacheMaxAgeSeconds in the background, not in the way', async () => {
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const counter = countingFetch();
    const keys = createRemoteKeySet({
      issuers: [issuer.origin],
      fetch: counter.fetch,
      cacheMaxAgeSeconds: 600,
      now,
    });
    await verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now });
    advance(599);
    await verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now });
    expect(counter.urls).toHaveLength(2);
    advance(1);
    // Verified from the stale cache; the refetch it started is still running when it resolves.
    await verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now });
    expect(keys.status().issuers[0]).toMatchObject({ fetching: true, fetchedAt: new Date(START) });
    await keys.refresh(); // joins the refetch in flight
    expect(counter.urls).toHaveLength(4);
    expect(keys.status().fetchedAt).toEqual(new Date(START + 600_000));
    expect(keys.status().issuers[0]).toMatchObject({ fetching: false, generation: 1 });
  });

  it('keeps the last good keys when the issuer goes down, and reports it through onError', async () => {
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const errors: JwksFetchError[] = [];
    const keys = createRemoteKeySet({
      issuers: [issuer.origin],
      cacheMaxAgeSeconds: 60,
      onError: (error) => errors.push(error),
      now,
    });
    await verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now });
    await issuer.close();

    advance(3600); // the cache is stale, so a refetch is attempted (in the background) and fails
    await expect(
      verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now }),
    ).resolves.toMatchObject({ subject: 'user-42' });
    await keys.refresh(); // joins the failing refetch
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(JwksFetchError);
    expect(errors[0]).toMatchObject({ code: 'ERR_JWKS_FETCH', reason: 'network' });
    expect(errors[0]!.message).toContain('/.well-known/openid-configuration');
    expect(keys.status()).toMatchObject({ keyCount: 1, fetchedAt: new Date(START) });
    expect(keys.status().errors).toEqual(errors);
    expect(keys.status().issuers[0]).toMatchObject({ keyCount: 1, error: errors[0] });

    // An unknown kid while the issuer is down cannot be told from its newest key: an outage
    // (503), not a bad token (issue 19).
    advance(60);
    const error = await rejection(
      verifyAiAccessTokenAsync(randomKidToken(issuer.origin), { keys, now }),
    );
    expect(error).toBeInstanceOf(JwksFetchError);
    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', reason: 'no-keys' });
    expect(errors).toHaveLength(2);
  });

  it('survives an onError hook that throws', async () => {
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const keys = createRemoteKeySet({
      issuers: [issuer.origin],
      cacheMaxAgeSeconds: 60,
      onError: () => {
        throw new Error('logger is broken');
      },
      now,
    });
    await verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now });
    await issuer.close();
    advance(120);
    await expect(
      verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys, now }),
    ).resolves.toMatchObject({ subject: 'user-42' });
  });

  it('rejects a discovery document that names another issuer', async () => {
    const impostor = await startServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer: 'https://gitlab.example.com',
          jwks_uri: 'https://gitlab.example.com/oauth/discovery/keys',
        }),
      );
    });
    const errors: JwksFetchError[] = [];
    const keys = createRemoteKeySet({
      issuers: [impostor.origin],
      onError: (error) => errors.push(error),
      now,
    });
    const error = await rejection(
      verifyAiAccessTokenAsync(mint(impostor.origin, alpha), { keys, now }),
    );
    expect(error).toBeInstanceOf(JwksFetchError);
    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', reason: 'no-keys' });
    expect(error.message).toMatch(/^No keys found in JWKS; are OIDC providers up\?/);
    expect(errors.map((e) => e.reason)).toEqual(['issuer-mismatch']);
    expect(error.cause).toBe(errors[0]);
    // The JWKS it points at is never fetched.
    expect(impostor.requests).toEqual(['GET /.well-known/openid-configuration']);
  });

  it('compares the issuer exactly: a trailing slash is another issuer', async () => {
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const errors: JwksFetchError[] = [];
    const keys = createRemoteKeySet({
      issuers: [`${issuer.origin}/`],
      onError: (error) => errors.push(error),
      now,
    });
    const error = await rejection(
      verifyAiAccessTokenAsync(mint(`${issuer.origin}/`, alpha), { keys }),
    );
    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', reason: 'no-keys' });
    expect(errors.map((e) => e.reason)).toEqual(['issuer-mismatch']);
    // And a token of the slash-less URL is of an issuer the set does not hold.
    const other = await rejection(verifyAiAccessTokenAsync(mint(issuer.origin, alpha), { keys }));
    expect(other).toMatchObject({ code: 'ERR_TOKEN_ISSUER' });
  });

  it('times out a server that never answers, with a clear error', async () => {
    const silent = await startServer(() => {
      // Never answers.
    });
    const errors: JwksFetchError[] = [];
    const keys = createRemoteKeySet({
      issuers: [silent.origin],
      timeoutMs: 200,
      onError: (error) => errors.push(error),
      now,
    });
    const error = await rejection(verifyAiAccessTokenAsync(mint(silent.origin, alpha), { keys }));
    expect(error).toBeInstanceOf(JwksFetchError);
    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', reason: 'no-keys' });
    expect(error.message).toContain('No keys found in JWKS; are OIDC providers up?');
    expect(error.message).toContain('did not answer in time');
    expect(error.message).toContain('must arrive within 200 ms');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      reason: 'timeout',
      url: `${silent.origin}/.well-known/openid-configuration`,
    });

    // Within the cooldown, the failure is repeated without another request.
    await rejection(verifyAiAccessTokenAsync(mint(silent.origin, alpha), { keys }));
    expect(silent.requests).toHaveLength(1);
  });

  it('keeps the keys of two issuers, each for its own tokens', async () => {
    const gitlab = await startIssuer(() => new KeyRing(alpha));
    const customers = await startIssuer(() => new KeyRing(beta));
    const counter = countingFetch();
    const keys = createRemoteKeySet({
      issuers: [gitlab.origin, customers.origin],
      fetch: counter.fetch,
      now,
    });
    const fromGitlab = await verifyAiAccessTokenAsync(mint(gitlab.origin, alpha), { keys, now });
    const fromCustomers = await verifyAiAccessTokenAsync(mint(customers.origin, beta), {
      keys,
      now,
    });
    expect([fromGitlab.issuer, fromCustomers.issuer]).toEqual([gitlab.origin, customers.origin]);
    expect(counter.urls).toHaveLength(4);
    expect(keys.status().keyCount).toBe(2);
    expect(keys.issuers).toEqual([gitlab.origin, customers.origin]);

    // One issuer down: the other's keys and the down one's last good keys both keep working.
    await customers.close();
    advance(86_400);
    await verifyAiAccessTokenAsync(mint(customers.origin, beta), { keys, now });
    await verifyAiAccessTokenAsync(mint(gitlab.origin, alpha), { keys, now });
    await keys.refresh(); // joins both background refreshes
    expect(keys.status().errors.map((error) => error.reason)).toEqual(['network']);
    expect(keys.status().issuers.map((issuer) => issuer.error?.reason)).toEqual([
      undefined,
      'network',
    ]);
    expect(keys.status().fetchedAt).toEqual(new Date(START)); // the oldest: customers'
  });

  it('uses an issuer that comes up after a failed start, once the cooldown has passed', async () => {
    let up = false;
    const flaky = await startServerFor((origin) => {
      const handler = createDiscoveryHandler({ issuer: origin, keys: new KeyRing(alpha) });
      return (req, res) => {
        if (up) {
          handler(req, res);
        } else {
          res.statusCode = 503;
          res.end('starting');
        }
      };
    });
    const errors: JwksFetchError[] = [];
    const keys = createRemoteKeySet({
      issuers: [flaky.origin],
      onError: (error) => errors.push(error),
      now,
    });
    const token = mint(flaky.origin, alpha);
    expect(await rejection(verifyAiAccessTokenAsync(token, { keys, now }))).toMatchObject({
      reason: 'no-keys',
    });
    expect(errors[0]).toMatchObject({ reason: 'http-status' });
    expect(errors[0]!.message).toContain('HTTP 503');
    up = true;
    advance(29);
    await rejection(verifyAiAccessTokenAsync(token, { keys, now }));
    advance(1);
    await expect(verifyAiAccessTokenAsync(token, { keys, now })).resolves.toMatchObject({
      subject: 'user-42',
    });
  });

  it('refreshes on demand, sharing a fetch already in flight', async () => {
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const counter = countingFetch();
    const keys = createRemoteKeySet({ issuers: [issuer.origin], fetch: counter.fetch, now });
    const [a, b] = [keys.refresh(), keys.refresh()];
    expect(a).toBe(b);
    await a;
    expect(counter.urls).toHaveLength(2);
    await keys.refresh(); // ignores cooldown and cache age
    expect(counter.urls).toHaveLength(4);
  });

  it('never fetches for a malformed or wrong-algorithm token', async () => {
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const counter = countingFetch();
    const keys = createRemoteKeySet({ issuers: [issuer.origin], fetch: counter.fetch, now });
    const cases: [unknown, string][] = [
      ['not a token', 'ERR_TOKEN_MALFORMED'],
      [null, 'ERR_TOKEN_MALFORMED'],
      [42, 'ERR_TOKEN_MALFORMED'],
      ['x'.repeat(1_000_000), 'ERR_TOKEN_MALFORMED'],
      [unsigned({ alg: 'none' }, { sub: 'x' }), 'ERR_TOKEN_ALGORITHM'],
      [
        forgeRs256({ alg: 'RS256', jku: `${issuer.origin}/evil` }, { sub: 'x' }, alpha.privateKey),
        'ERR_TOKEN_MALFORMED',
      ],
    ];
    for (const [token, code] of cases) {
      const error = await rejection(verifyAiAccessTokenAsync(token, { keys, now }));
      expect(error).toBeInstanceOf(TokenVerificationError);
      expect(error.code).toBe(code);
    }
    expect(counter.urls).toEqual([]);
  });

  it('always returns a Promise, also for local keys and bad options', async () => {
    const ring = new KeyRing(alpha);
    const good = verifyAiAccessTokenAsync(mint('https://gitlab.example.com', alpha), {
      keys: ring,
      now,
    });
    const bad = verifyAiAccessTokenAsync('garbage', { keys: ring });
    const badOptions = verifyAiAccessTokenAsync('garbage', null as never);
    for (const result of [good, bad, badOptions]) expect(result).toBeInstanceOf(Promise);
    await expect(good).resolves.toMatchObject({ subject: 'user-42' });
    expect(await rejection(bad)).toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
    expect(await rejection(badOptions)).toBeInstanceOf(InvalidClaimError);
    // Claim options are validated with a remote key set too.
    const keys = createRemoteKeySet({ issuers: ['https://gitlab.example.com'] });
    const typo = await rejection(
      verifyAiAccessTokenAsync('garbage', { keys, requiredScope: ['x'] } as never),
    );
    expect(typo).toMatchObject({ code: 'ERR_INVALID_CLAIM', option: 'requiredScope' });
  });
});

describe('createRemoteKeySet: what an issuer may answer', () => {
  async function failure(
    respond: Parameters<typeof startServer>[0],
  ): Promise<{ error: Error & { code?: string }; reported: JwksFetchError[] }> {
    let origin = '';
    const server = await startServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: origin, jwks_uri: `${origin}/jwks` }));
      } else {
        respond(req, res);
      }
    });
    origin = server.origin;
    const reported: JwksFetchError[] = [];
    const keys = createRemoteKeySet({
      issuers: [origin],
      onError: (e) => reported.push(e),
      now,
    });
    const error = await rejection(verifyAiAccessTokenAsync(mint(origin, alpha), { keys, now }));
    return { error, reported };
  }

  const big = 'x'.repeat(1_100_000);
  it.each<[string, Parameters<typeof startServer>[0], JwksFetchReason]>([
    ['an empty JWKS', (_q, s) => s.end('{"keys":[]}'), 'no-keys'],
    [
      'only unusable keys',
      (_q, s) => s.end(JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] })),
      'no-keys',
    ],
    ['no keys array', (_q, s) => s.end('{"kty":"RSA"}'), 'invalid-document'],
    ['not JSON', (_q, s) => s.end('<html>'), 'invalid-json'],
    ['a JSON array', (_q, s) => s.end('[]'), 'invalid-document'],
    ['HTTP 500', (_q, s) => ((s.statusCode = 500), s.end()), 'http-status'],
    [
      'a redirect',
      (_q, s) => (s.writeHead(302, { location: 'https://elsewhere.example/jwks' }), s.end()),
      'http-status',
    ],
    [
      'a body over 1 MiB with Content-Length',
      (_q, s) => s.end(`{"keys":[],"pad":"${big}"}`),
      'too-large',
    ],
    [
      'a body over 1 MiB, chunked',
      (_q, s) => {
        for (let i = 0; i < 12; i += 1) s.write('x'.repeat(100_000));
        s.end();
      },
      'too-large',
    ],
    [
      'more than 100 keys',
      (_q, s) =>
        s.end(JSON.stringify({ keys: Array.from({ length: 101 }, () => alpha.publicJwk()) })),
      'too-large',
    ],
  ])('refuses %s', async (_name, respond, reason) => {
    const { error, reported } = await failure(respond);
    expect(error).toBeInstanceOf(JwksFetchError);
    expect(error).toMatchObject({ reason: 'no-keys' });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ code: 'ERR_JWKS_FETCH', reason });
  });

  it('refuses a jwks_uri that is not https', async () => {
    const server = await startServer((_req, res) => {
      res.end(
        JSON.stringify({ issuer: server.origin, jwks_uri: 'http://gitlab.example.com/jwks' }),
      );
    });
    const reported: JwksFetchError[] = [];
    const keys = createRemoteKeySet({ issuers: [server.origin], onError: (e) => reported.push(e) });
    await rejection(verifyAiAccessTokenAsync(mint(server.origin, alpha), { keys, now }));
    expect(reported[0]).toMatchObject({ reason: 'invalid-document' });
    expect(reported[0]!.message).toContain('only https is allowed');
  });

  it('skips unusable keys but keeps the usable ones', async () => {
    let origin = '';
    const server = await startServer((req, res) => {
      res.end(
        req.url === '/jwks'
          ? JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }, alpha.publicJwk()] })
          : JSON.stringify({ issuer: origin, jwks_uri: `${origin}/jwks` }),
      );
    });
    origin = server.origin;
    const keys = createRemoteKeySet({ issuers: [origin], now });
    await expect(
      verifyAiAccessTokenAsync(mint(origin, alpha), { keys, now }),
    ).resolves.toBeTruthy();
    expect(keys.status().keyCount).toBe(1);
  });
});

describe('createRemoteKeySet options', () => {
  const valid: RemoteKeySetOptions = { issuers: ['https://gitlab.example.com'] };
  it.each<[string, Record<string, unknown>, string]>([
    ['no issuers', { issuers: [] }, 'issuers'],
    ['issuers as a string', { issuers: 'https://gitlab.example.com' }, 'issuers'],
    ['a non-loopback http issuer', { issuers: ['http://gitlab.example.com'] }, 'issuers[0]'],
    ['a relative issuer', { issuers: ['https://a.example', 'gitlab'] }, 'issuers[1]'],
    [
      '21 issuers',
      { issuers: Array.from({ length: 21 }, (_, i) => `https://i${i}.example`) },
      'issuers',
    ],
    ['a negative cacheMaxAgeSeconds', { cacheMaxAgeSeconds: -1 }, 'cacheMaxAgeSeconds'],
    ['a fractional cooldownSeconds', { cooldownSeconds: 0.5 }, 'cooldownSeconds'],
    ['a zero timeoutMs', { timeoutMs: 0 }, 'timeoutMs'],
    ['a string timeoutMs', { timeoutMs: '5000' }, 'timeoutMs'],
    ['fetch that is not a function', { fetch: 'undici' }, 'fetch'],
    ['onError that is not a function', { onError: console }, 'onError'],
    ['now that is a Date', { now: new Date() }, 'now'],
    ['an unknown option', { cooldown: 30 }, 'cooldown'],
  ])('refuses %s with ERR_INVALID_CLAIM', (_name, override, option) => {
    const attempt = () => createRemoteKeySet({ ...valid, ...override });
    expect(attempt).toThrow(InvalidClaimError);
    expect(() => attempt()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option }));
  });
});

describe('createRemoteKeySet: failures and what they say', () => {
  /** A discovery document at `/.well-known/openid-configuration`, `jwks(req, res)` elsewhere. */
  async function issuerAnswering(
    discovery: (origin: string) => Record<string, unknown>,
    jwks: Parameters<typeof startServer>[0] = (_req, res) => res.end('{"keys":[]}'),
  ): Promise<TestServer> {
    return startServerFor((origin) => (req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.end(JSON.stringify(discovery(origin)));
      } else {
        jwks(req, res);
      }
    });
  }

  async function reported(
    options: Omit<RemoteKeySetOptions, 'onError'>,
  ): Promise<{ error: Error & { code?: string }; errors: JwksFetchError[] }> {
    const errors: JwksFetchError[] = [];
    const keys = createRemoteKeySet({ now, ...options, onError: (e) => errors.push(e) });
    const error = await rejection(
      verifyAiAccessTokenAsync(mint(options.issuers[0]!, alpha), { keys, now }),
    );
    return { error, errors };
  }

  it('reports nothing fetched yet before the first verification', () => {
    const keys = createRemoteKeySet({ issuers: ['https://gitlab.example.com'], now });
    expect(keys.status()).toEqual({
      keyCount: 0,
      fetchedAt: undefined,
      errors: [],
      issuers: [
        {
          issuer: 'https://gitlab.example.com',
          jwksUri: undefined,
          keyCount: 0,
          fetchedAt: undefined,
          error: undefined,
          fetching: false,
          generation: 0,
        },
      ],
    });
  });

  it("names the token's issuer's failure in the no-keys error, and fetches no other", async () => {
    const down = (_req: unknown, res: { statusCode: number; end(): void }) => {
      res.statusCode = 503;
      res.end();
    };
    const first = await startServer(down);
    const second = await startServer(down);
    const { error, errors } = await reported({ issuers: [first.origin, second.origin] });
    const detail = `discovery document "${first.origin}/.well-known/openid-configuration" answered HTTP 503; expected 200`;
    expect(errors.map((e) => e.message)).toEqual([detail]);
    expect(error).toBeInstanceOf(JwksFetchError);
    expect(error).toMatchObject({ reason: 'no-keys', url: undefined });
    expect(error.message).toBe(`No keys found in JWKS; are OIDC providers up? ${detail}`);
    expect(error.cause).toBe(errors[0]);
    expect(second.requests).toEqual([]);
  });

  it('says "nothing" when the discovery document names no issuer', async () => {
    const server = await issuerAnswering(() => ({ jwks_uri: 'https://gitlab.example.com/jwks' }));
    const { errors } = await reported({ issuers: [server.origin] });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: 'issuer-mismatch' });
    expect(errors[0]!.message).toBe(
      `discovery document "${server.origin}/.well-known/openid-configuration" names issuer nothing, not "${server.origin}"; its keys are not trusted for "${server.origin}"`,
    );
  });

  it.each<[string, unknown, string]>([
    ['missing', undefined, 'it is missing'],
    ['not a string', 42, 'it is missing'],
  ])('refuses a discovery document whose jwks_uri is %s', async (_name, jwksUri, problem) => {
    const server = await issuerAnswering((origin) => ({ issuer: origin, jwks_uri: jwksUri }));
    const { errors } = await reported({ issuers: [server.origin] });
    expect(errors[0]).toMatchObject({
      reason: 'invalid-document',
      url: `${server.origin}/.well-known/openid-configuration`,
    });
    expect(errors[0]!.message).toBe(
      `discovery document "${server.origin}/.well-known/openid-configuration" has no usable jwks_uri: ${problem}`,
    );
    expect(server.requests).toEqual(['GET /.well-known/openid-configuration']);
  });

  it('names the socket error when the connection is refused', async () => {
    const closed = await startServer(() => undefined);
    const origin = closed.origin;
    await closed.close();
    const { errors } = await reported({ issuers: [origin] });
    expect(errors[0]).toMatchObject({ reason: 'network' });
    expect(errors[0]!.message).toBe(
      `discovery document "${origin}/.well-known/openid-configuration" could not be fetched: fetch failed (ECONNREFUSED)`,
    );
  });

  it('reports a connection cut in the middle of the body as a network failure', async () => {
    const server = await issuerAnswering(
      (origin) => ({ issuer: origin, jwks_uri: `${origin}/jwks` }),
      (_req, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('{"keys":[', () => res.destroy());
      },
    );
    const { errors } = await reported({ issuers: [server.origin] });
    expect(errors[0]).toMatchObject({ reason: 'network', url: `${server.origin}/jwks` });
    expect(errors[0]!.message).toMatch(
      new RegExp(`^JWKS "${server.origin}/jwks" could not be fetched: terminated \\(\\w+\\)$`),
    );
  });

  it('times out a body that stops coming', async () => {
    const server = await issuerAnswering(
      (origin) => ({ issuer: origin, jwks_uri: `${origin}/jwks` }),
      (_req, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('{"keys":['); // and never the rest
      },
    );
    const { errors } = await reported({ issuers: [server.origin], timeoutMs: 300 });
    expect(errors[0]).toMatchObject({ reason: 'timeout', url: `${server.origin}/jwks` });
    expect(errors[0]!.message).toBe(
      `JWKS "${server.origin}/jwks" did not answer in time: an issuer's discovery document and JWKS must arrive within 300 ms`,
    );
  });

  describe('with a custom fetch', () => {
    const issuer = 'https://gitlab.example.com';
    const discoveryUrl = `${issuer}/.well-known/openid-configuration`;

    it('treats a 200 response without a body as empty, so not JSON', async () => {
      const { errors } = await reported({
        issuers: [issuer],
        fetch: () => Promise.resolve(new Response(null, { status: 200 })),
      });
      expect(errors[0]).toMatchObject({ reason: 'invalid-json', url: discoveryUrl });
      expect(errors[0]!.message).toBe(`discovery document "${discoveryUrl}" is not JSON`);
      expect(errors[0]!.cause).toBeInstanceOf(SyntaxError);
    });

    it('says "unknown error" when fetch rejects with something that is not an Error', async () => {
      const thrown: unknown = 'offline';
      const { errors } = await reported({
        issuers: [issuer],
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- on purpose: not an Error
        fetch: () => Promise.reject(thrown),
      });
      expect(errors[0]).toMatchObject({ reason: 'network', url: discoveryUrl, cause: 'offline' });
      expect(errors[0]!.message).toBe(
        `discovery document "${discoveryUrl}" could not be fetched: unknown error`,
      );
    });

    it('reports a fetch that resolves to something that is not a Response', async () => {
      const { errors } = await reported({
        issuers: [issuer],
        fetch: () => Promise.resolve(null as unknown as Response),
      });
      expect(errors[0]).toMatchObject({ reason: 'network', url: issuer });
      expect(errors[0]!.cause).toBeInstanceOf(TypeError);
      expect(errors[0]!.message).toBe(
        `keys of "${issuer}" could not be fetched: ${(errors[0]!.cause as Error).message}`,
      );
    });
  });
});
