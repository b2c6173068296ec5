import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { InvalidClaimError } from '../../src/errors';
import type { Jwks } from '../../src/keys/jwk';
import { KeyRing } from '../../src/keys/key-ring';
import {
  createDiscoveryHandler,
  type DiscoveryHandlerOptions,
} from '../../src/discovery/discovery-handler';
import { testKey } from '../helpers/keys';
import { closeAllServers, request, startServerFor, type TestServer } from './servers';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];
const DISCOVERY = '/.well-known/openid-configuration';
const JWKS = '/oauth/discovery/keys';

// Every body a test receives, to check at the end that no private key member was ever served.
const bodies: string[] = [];
async function get(url: string, headers: Record<string, string> = {}) {
  const result = await request(url, { headers });
  bodies.push(result.text);
  return result;
}

const first = testKey('first');
const second = testKey('second');
let ring = new KeyRing(first);
let server: TestServer;
let issuer: string;

beforeAll(async () => {
  // The issuer is the server's own URL, known once it listens.
  server = await startServerFor((origin) =>
    createDiscoveryHandler({ issuer: origin, keys: () => ring }),
  );
  issuer = server.origin;
});

afterAll(async () => {
  await closeAllServers();
  for (const body of bodies) {
    const parsed: unknown = body.startsWith('{') ? JSON.parse(body) : null;
    const keys = (parsed as Partial<Jwks> | null)?.keys ?? [];
    for (const jwk of keys) {
      for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
    }
    for (const member of PRIVATE_MEMBERS) expect(body).not.toContain(`"${member}":`);
  }
});

describe('createDiscoveryHandler with node:http', () => {
  it('serves the discovery document with the issuer exactly as configured', async () => {
    const { status, headers, text } = await get(`${issuer}${DISCOVERY}`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(headers.get('cache-control')).toBe('public, max-age=3600');
    expect(headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toEqual({
      issuer,
      jwks_uri: `${issuer}${JWKS}`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it('serves the JWKS of the ring: public members only', async () => {
    const { status, headers, text } = await get(`${issuer}${JWKS}`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(headers.get('cache-control')).toBe('public, max-age=3600');
    expect(JSON.parse(text)).toEqual(ring.jwks());
    for (const jwk of (JSON.parse(text) as Jwks).keys) {
      expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    }
  });

  it('ignores the query string', async () => {
    expect((await get(`${issuer}${JWKS}?cache-buster=1`)).status).toBe(200);
  });

  it.each([
    ['the same tag', (etag: string) => etag, 304],
    ['a weak form of the tag', (etag: string) => `W/${etag}`, 304],
    ['a list containing the tag', (etag: string) => `"other", ${etag} ,"x"`, 304],
    ['*', () => '*', 304],
    ['another tag', () => '"something-else"', 200],
    ['the tag without quotes', (etag: string) => etag.slice(1, -1), 200],
  ])('If-None-Match with %s answers %i', async (_name, header, expected) => {
    for (const path of [DISCOVERY, JWKS]) {
      const etag = (await get(`${issuer}${path}`)).headers.get('etag')!;
      const { status, headers, text } = await get(`${issuer}${path}`, {
        'if-none-match': header(etag),
      });
      expect(status).toBe(expected);
      expect(headers.get('etag')).toBe(etag);
      expect(headers.get('cache-control')).toBe('public, max-age=3600');
      if (expected === 304) expect(text).toBe('');
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    for (const path of [DISCOVERY, JWKS]) {
      const got = await get(`${issuer}${path}`);
      const head = await request(`${issuer}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      for (const name of ['content-type', 'content-length', 'cache-control', 'etag']) {
        expect(head.headers.get(name)).toBe(got.headers.get(name));
      }
    }
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    'answers %s with 405 and Allow: GET, HEAD',
    async (method) => {
      for (const path of [DISCOVERY, JWKS]) {
        const { status, headers } = await request(`${issuer}${path}`, { method });
        expect(status).toBe(405);
        expect(headers.get('allow')).toBe('GET, HEAD');
      }
    },
  );

  it.each(['/', '/oauth/discovery', `${JWKS}/extra`, '/.well-known/openid-configuration.json'])(
    'answers 404 for %s when standalone',
    async (path) => {
      expect((await get(`${issuer}${path}`)).status).toBe(404);
    },
  );

  it('publishes a rotated ring from the next request on, without restart', async () => {
    ring = new KeyRing(first);
    const before = await get(`${issuer}${JWKS}`);
    const discoveryBefore = (await get(`${issuer}${DISCOVERY}`)).headers.get('etag');
    ring = ring.rotate(second);
    const after = await get(`${issuer}${JWKS}`);
    expect((JSON.parse(after.text) as Jwks).keys.map((jwk) => jwk.kid)).toEqual([
      second.kid,
      first.kid,
    ]);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    // The old tag no longer matches, so caches revalidating with it get the new keys.
    const revalidated = await get(`${issuer}${JWKS}`, {
      'if-none-match': before.headers.get('etag')!,
    });
    expect(revalidated.status).toBe(200);
    expect((await get(`${issuer}${DISCOVERY}`)).headers.get('etag')).toBe(discoveryBefore);
  });
});

describe('createDiscoveryHandler as middleware', () => {
  let calls: unknown[][];
  let middleware: TestServer;
  let failing = false;

  beforeAll(async () => {
    calls = [];
    // Express-style: next() for paths that are not ours, next(error) when keys() throws.
    middleware = await startServerFor((origin) => {
      const handler = createDiscoveryHandler({
        issuer: origin,
        keys: () => {
          if (failing) throw new Error('key store unavailable');
          return ring;
        },
      });
      return (req, res) => {
        handler(req, res, (...args: unknown[]) => {
          calls.push(args);
          res.statusCode = args.length === 0 ? 299 : 598;
          res.end('from next');
        });
      };
    });
  });

  it('passes other paths on with next() and no argument', async () => {
    const { status, text } = await get(`${middleware.origin}/api/v4/user`);
    expect([status, text]).toEqual([299, 'from next']);
    expect(calls).toEqual([[]]);
  });

  it('still answers its own paths itself', async () => {
    calls = [];
    expect((await get(`${middleware.origin}${JWKS}`)).status).toBe(200);
    expect(calls).toEqual([]);
  });

  it('passes an error of keys() to next(error)', async () => {
    calls = [];
    failing = true;
    try {
      expect((await get(`${middleware.origin}${JWKS}`)).status).toBe(598);
      expect(calls).toHaveLength(1);
      expect((calls[0]![0] as Error).message).toBe('key store unavailable');
    } finally {
      failing = false;
    }
  });

  it('calls next synchronously, so a Koa middleware can tell whether it answered', () => {
    const handler = createDiscoveryHandler({ issuer: 'https://gitlab.example.com', keys: ring });
    let passedOn = false;
    const req = new IncomingMessage(new Socket());
    req.method = 'GET';
    req.url = '/elsewhere';
    handler(req, new ServerResponse(req), () => {
      passedOn = true;
    });
    expect(passedOn).toBe(true);
  });
});

describe('createDiscoveryHandler options', () => {
  it('answers 500 without details when keys() fails and there is no next', async () => {
    const failing = await startServerFor((origin) =>
      createDiscoveryHandler({
        issuer: origin,
        keys: () => {
          throw new Error('secret detail');
        },
      }),
    );
    const { status, text } = await get(`${failing.origin}${JWKS}`);
    expect(status).toBe(500);
    expect(text).not.toContain('secret detail');
    // The discovery document does not need the keys.
    expect((await get(`${failing.origin}${DISCOVERY}`)).status).toBe(200);
    await failing.close();
  });

  it('answers 500 when keys() returns something other than a KeyRing', async () => {
    const wrong = await startServerFor((origin) =>
      createDiscoveryHandler({
        issuer: origin,
        keys: (() => ring.jwks()) as unknown as () => KeyRing,
      }),
    );
    expect((await get(`${wrong.origin}${JWKS}`)).status).toBe(500);
    await wrong.close();
  });

  it('honours jwksPath and maxAgeSeconds', async () => {
    const custom = await startServerFor((origin) =>
      createDiscoveryHandler({
        issuer: origin,
        keys: ring,
        jwksPath: '/-/jwks.json',
        maxAgeSeconds: 60,
      }),
    );
    const discovery = await get(`${custom.origin}${DISCOVERY}`);
    expect(discovery.headers.get('cache-control')).toBe('public, max-age=60');
    expect((JSON.parse(discovery.text) as { jwks_uri: string }).jwks_uri).toBe(
      `${custom.origin}/-/jwks.json`,
    );
    expect((await get(`${custom.origin}/-/jwks.json`)).status).toBe(200);
    expect((await get(`${custom.origin}${JWKS}`)).status).toBe(404);
    await custom.close();
  });

  it('serves an issuer with a path (and a trailing slash) at the full and the stripped path', async () => {
    const nested = await startServerFor((origin) =>
      createDiscoveryHandler({ issuer: `${origin}/gitlab/`, keys: ring }),
    );
    const pathIssuer = `${nested.origin}/gitlab/`;
    for (const path of [`/gitlab${DISCOVERY}`, DISCOVERY]) {
      const { status, text } = await get(`${nested.origin}${path}`);
      expect(status).toBe(200);
      expect(JSON.parse(text)).toEqual({
        issuer: pathIssuer, // exactly as configured, trailing slash included
        jwks_uri: `${nested.origin}/gitlab${JWKS}`, // no doubled slash
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    expect((await get(`${nested.origin}/gitlab${JWKS}`)).status).toBe(200);
    expect((await get(`${nested.origin}${JWKS}`)).status).toBe(200);
    await nested.close();
  });

  it('never serves private members, even from a ring whose jwks() leaks them', async () => {
    class LeakyRing extends KeyRing {
      override jwks(): Jwks {
        return {
          keys: this.keys.map((key) => ({
            ...(key.privateKey.export({ format: 'jwk' }) as object),
            ...key.publicJwk(),
          })),
        };
      }
    }
    const leaky = new LeakyRing(first);
    expect(JSON.stringify(leaky.jwks())).toContain('"d":');
    const leakyServer = await startServerFor((origin) =>
      createDiscoveryHandler({ issuer: origin, keys: leaky }),
    );
    const { text } = await get(`${leakyServer.origin}${JWKS}`);
    expect(JSON.parse(text)).toEqual({ keys: [first.publicJwk()] });
    await leakyServer.close();
  });

  const valid: DiscoveryHandlerOptions = { issuer: 'https://gitlab.example.com', keys: ring };
  it.each<[string, Record<string, unknown>, string]>([
    ['a non-loopback http issuer', { issuer: 'http://gitlab.example.com' }, 'issuer'],
    ['a relative issuer', { issuer: '/gitlab' }, 'issuer'],
    ['an empty issuer', { issuer: '' }, 'issuer'],
    ['an issuer with a query', { issuer: 'https://gitlab.example.com/?x=1' }, 'issuer'],
    ['an issuer with a fragment', { issuer: 'https://gitlab.example.com/#x' }, 'issuer'],
    ['an issuer with credentials', { issuer: 'https://u:secret@gitlab.example.com' }, 'issuer'],
    ['an ftp issuer', { issuer: 'ftp://gitlab.example.com' }, 'issuer'],
    ['keys that are a JWKS', { keys: { keys: [] } }, 'keys'],
    ['missing keys', { keys: undefined }, 'keys'],
    ['a relative jwksPath', { jwksPath: 'oauth/keys' }, 'jwksPath'],
    ['a jwksPath with ..', { jwksPath: '/oauth/../keys' }, 'jwksPath'],
    ['a jwksPath with a query', { jwksPath: '/keys?x=1' }, 'jwksPath'],
    ['a jwksPath with a trailing slash', { jwksPath: '/keys/' }, 'jwksPath'],
    ['the discovery path as jwksPath', { jwksPath: DISCOVERY }, 'jwksPath'],
    ['a negative maxAgeSeconds', { maxAgeSeconds: -1 }, 'maxAgeSeconds'],
    ['a fractional maxAgeSeconds', { maxAgeSeconds: 1.5 }, 'maxAgeSeconds'],
    ['a string maxAgeSeconds', { maxAgeSeconds: '60' }, 'maxAgeSeconds'],
    ['an unknown option', { maxAge: 60 }, 'maxAge'],
  ])('refuses %s with ERR_INVALID_CLAIM', (_name, override, option) => {
    const attempt = () => createDiscoveryHandler({ ...valid, ...override });
    expect(attempt).toThrow(InvalidClaimError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_INVALID_CLAIM', option });
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it.each(['http://localhost:8080', 'http://127.0.0.1', 'http://[::1]:3000/gitlab'])(
    'accepts the loopback http issuer %s',
    (loopback) => {
      expect(() => createDiscoveryHandler({ ...valid, issuer: loopback })).not.toThrow();
    },
  );
});
