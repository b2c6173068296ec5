// The behaviour every framework adapter's route guard must show over real HTTP: each adapter's test
// file runs this contract against a real server of its framework on 127.0.0.1.
import { AiAccessToken } from '../../src/token/ai-access-token';
import { KeyRing } from '../../src/keys/key-ring';
import { createRemoteKeySet, type RemoteKeySet } from '../../src/discovery/remote-key-set';
import type { AiAccessTokenGuardOptions } from '../../src/http/bearer-guard';
import { frozenClock, START, startIssuer } from '../discovery/remote-fixtures';
import { closeAllServers, startServer, type TestServer } from '../discovery/servers';
import { testKey } from '../helpers/keys';

/** A running app of one framework, with `GET /protected` behind the adapter's guard. */
export interface GuardApp {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Starts an app whose `GET /protected` is guarded with `options` and answers 200
 * `{"subject", "scopes"}` from the verified token the adapter handed to the route.
 */
export type StartGuardApp = (options: AiAccessTokenGuardOptions) => Promise<GuardApp>;

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export async function call(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export function guardContract(framework: string, start: StartGuardApp): void {
  describe(`${framework} route guard over real HTTP`, () => {
    const clock = frozenClock();
    const ring = new KeyRing(testKey('guard'));
    let issuer: TestServer;
    let downIssuer: string;
    let remoteKeys: RemoteKeySet;
    let app: GuardApp;

    beforeAll(async () => {
      issuer = await startIssuer(() => ring);
      // An issuer that is down: a port that was just closed refuses connections.
      const gone = await startServer((_req, res) => res.end());
      downIssuer = gone.origin;
      await gone.close();
      remoteKeys = createRemoteKeySet({
        issuers: [issuer.origin, downIssuer],
        now: clock.now,
        timeoutMs: 2000,
      });
      app = await start({
        keys: remoteKeys,
        now: clock.now,
        requiredScopes: ['code_suggestions'],
      });
    });
    afterAll(async () => {
      await app.close();
      await closeAllServers();
    });

    const mint = (options: Partial<ConstructorParameters<typeof AiAccessToken>[0]> = {}) =>
      new AiAccessToken({
        subject: 'user-42',
        scopes: ['code_suggestions', 'duo_chat'],
        issuer: issuer.origin,
        signingKey: ring,
        now: clock.now,
        ...options,
      }).encoded();
    const protectedUrl = () => `${app.origin}/protected`;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    it('lets a valid token through and hands the verified token to the route', async () => {
      const answer = await call(protectedUrl(), bearer(mint()));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({
        subject: 'user-42',
        scopes: ['code_suggestions', 'duo_chat'],
      });
    });

    it('accepts the scheme in any case (RFC 7235)', async () => {
      const answer = await call(protectedUrl(), { authorization: `bearer ${mint()}` });
      expect(answer.status).toBe(200);
    });

    it.each([
      ['no Authorization header', {}],
      ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['"Bearer" with no token', { authorization: 'Bearer ' }],
    ])('answers %s with 401 and a challenge without an error attribute', async (_, headers) => {
      const answer = await call(protectedUrl(), headers);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="ai-gateway"');
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(answer.text)).toEqual({ error: 'unauthorized', code: 'ERR_TOKEN_MISSING' });
    });

    const rejected: [string, () => string, string][] = [
      ['a bearer value that is not a JWT', () => 'not-a-jwt', 'ERR_TOKEN_MALFORMED'],
      [
        'an expired token',
        () => mint({ now: () => new Date(START - 2 * 3600 * 1000) }),
        'ERR_TOKEN_EXPIRED',
      ],
      [
        'a token for another audience',
        () => mint({ audience: 'other-service' }),
        'ERR_TOKEN_AUDIENCE',
      ],
      [
        'a token of an unknown issuer',
        () => mint({ issuer: 'https://issuer.invalid' }),
        'ERR_TOKEN_ISSUER',
      ],
      [
        'a token signed by an untrusted key',
        () => mint({ signingKey: testKey('stranger') }),
        'ERR_TOKEN_SIGNATURE',
      ],
    ];
    it.each(rejected)('answers %s with 401 invalid_token and its code', async (_, token, code) => {
      const value = token();
      const answer = await call(protectedUrl(), bearer(value));
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(
        `Bearer realm="ai-gateway", error="invalid_token", error_description="${code}"`,
      );
      expect(JSON.parse(answer.text)).toEqual({ error: 'invalid_token', code });
      // Nothing of the token is echoed, in the body or in a header.
      const signature = value.split('.').at(-1)!;
      expect(answer.text).not.toContain(signature);
      expect(answer.headers.get('www-authenticate')).not.toContain(signature);
    });

    it('answers a token without the required scope with 403 insufficient_scope', async () => {
      const answer = await call(protectedUrl(), bearer(mint({ scopes: ['duo_chat'] })));
      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer realm="ai-gateway", error="insufficient_scope", scope="code_suggestions"',
      );
      expect(JSON.parse(answer.text)).toEqual({
        error: 'insufficient_scope',
        code: 'ERR_TOKEN_SCOPE',
      });
    });

    it('answers 503 with Retry-After, never 401, when the issuer is down and nothing is cached', async () => {
      const token = mint({ issuer: downIssuer });
      const answer = await call(protectedUrl(), bearer(token));
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('30');
      expect(answer.headers.get('www-authenticate')).toBeNull();
      expect(JSON.parse(answer.text)).toEqual({
        error: 'temporarily_unavailable',
        code: 'ERR_JWKS_FETCH',
      });
    });
  });
}
