// The behaviour every mount of the tokens endpoint must show over real HTTP: the Node handler and
// each framework adapter's tokenRoute run this contract on a real server on 127.0.0.1.
import { AiAccessTokenIssuer } from '../../src/issuer/ai-access-token-issuer';
import { KeyRing } from '../../src/keys/key-ring';
import type { TokenEndpointUser } from '../../src/http/token-endpoint';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { frozenClock } from '../discovery/remote-fixtures';
import { testKey } from '../helpers/keys';
import type { GuardApp } from './guard-contract';

export const TOKENS_PATH = '/api/v4/code_suggestions/tokens';

/** What the app under test needs: the endpoint's options, with `authenticate` given as `user`. */
export interface TokenAppOptions {
  readonly issuer: AiAccessTokenIssuer;
  /** The user of a request, from its `x-user` and `x-scopes` headers (the app reads them). */
  readonly user: (
    name: string | undefined,
    scopes: string | undefined,
  ) => TokenEndpointUser | undefined;
  readonly enabled: () => boolean;
}

/** Starts an app serving the tokens endpoint at {@link TOKENS_PATH}, for every method. */
export type StartTokenApp = (options: TokenAppOptions) => Promise<GuardApp>;

export function userOf(
  name: string | undefined,
  scopes: string | undefined,
): TokenEndpointUser | undefined {
  if (name === undefined) return undefined;
  return { subject: name, scopes: scopes === undefined || scopes === '' ? [] : scopes.split(' ') };
}

export function tokenEndpointContract(framework: string, start: StartTokenApp): void {
  describe(`${framework} tokens endpoint over real HTTP`, () => {
    const clock = frozenClock();
    const ring = new KeyRing(testKey('tokens'));
    const issuerUrl = 'https://gitlab.example.com';
    const issuer = new AiAccessTokenIssuer({ issuer: issuerUrl, signingKey: ring, now: clock.now });
    let on = true;
    let app: GuardApp;

    beforeAll(async () => {
      app = await start({ issuer, user: userOf, enabled: () => on });
    });
    afterAll(async () => {
      await app.close();
    });
    afterEach(() => {
      on = true;
    });

    const post = (headers: Record<string, string> = {}, method = 'POST') =>
      fetch(`${app.origin}${TOKENS_PATH}`, { method, headers });
    const expectNoStore = (response: Response) => {
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('pragma')).toBe('no-cache');
    };

    it('answers a signed-in user with exactly access_token, expires_in and created_at', async () => {
      const response = await post({ 'x-user': 'user-42', 'x-scopes': 'code_suggestions duo_chat' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expectNoStore(response);
      const body = (await response.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['access_token', 'created_at', 'expires_in']);
      const verified = verifyAiAccessToken(body.access_token, {
        keys: ring,
        issuer: issuerUrl,
        now: clock.now,
      });
      expect(verified.subject).toBe('user-42');
      expect(verified.scopes).toEqual(['code_suggestions', 'duo_chat']);
      expect(body.created_at).toBe(verified.claims.iat);
      expect(body.created_at).toBe(clock.ms() / 1000);
      expect(body.expires_in).toBe(3600);
      expect((body.created_at as number) + (body.expires_in as number)).toBe(verified.claims.exp);
    });

    it('serves the cached token again, with its own times, to a repeated call', async () => {
      const first = (await (await post({ 'x-user': 'cached', 'x-scopes': 'duo_chat' })).json()) as {
        access_token: string;
        created_at: number;
      };
      clock.advance(60);
      const second = (await (
        await post({ 'x-user': 'cached', 'x-scopes': 'duo_chat' })
      ).json()) as {
        access_token: string;
        created_at: number;
        expires_in: number;
      };
      expect(second.access_token).toBe(first.access_token);
      expect(second.created_at).toBe(first.created_at);
      expect(second.expires_in).toBe(3600);
    });

    it.each(['GET', 'PUT', 'DELETE'])('answers %s with 405 and Allow: POST', async (method) => {
      const response = await post({ 'x-user': 'user-42', 'x-scopes': 'duo_chat' }, method);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toEqual({
        error: 'method_not_allowed',
        code: 'ERR_METHOD_NOT_ALLOWED',
      });
    });

    it('answers 401 when authenticate finds no user', async () => {
      const response = await post();
      expect(response.status).toBe(401);
      expectNoStore(response);
      expect(await response.json()).toEqual({
        error: 'unauthorized',
        code: 'ERR_NOT_AUTHENTICATED',
      });
    });

    it('answers 403 when the user has no scope', async () => {
      const response = await post({ 'x-user': 'user-42', 'x-scopes': '' });
      expect(response.status).toBe(403);
      expectNoStore(response);
      expect(await response.json()).toEqual({ error: 'forbidden', code: 'ERR_NO_SCOPE' });
    });

    it('answers 404 when the feature flag is off, before anything else', async () => {
      on = false;
      const response = await post({ 'x-user': 'user-42', 'x-scopes': 'duo_chat' });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: 'not_found',
        code: 'ERR_TOKEN_ENDPOINT_DISABLED',
      });
    });
  });
}
