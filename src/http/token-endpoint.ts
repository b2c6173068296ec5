// The tokens endpoint (`POST /api/v4/code_suggestions/tokens` on the platform): a signed-in user
// gets a short-lived AI access token to call the gateway with directly.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GitlabRealm } from '../constants';
import { InvalidClaimError } from '../errors';
import { AiAccessTokenIssuer } from '../issuer/ai-access-token-issuer';
import { assertKnownOptions, functionOption } from '../option-checks';
import { describe } from '../time';
import { decodeJwt } from '../verify/decode';

/**
 * Who `authenticate` found: the token's `sub`, its `scopes` (the features the user may use; an
 * empty list answers 403) and, optionally, its `gitlab_realm`.
 *
 * @example
 * ```ts
 * const user: TokenEndpointUser = { subject: 'user-42', scopes: ['code_suggestions'] };
 * ```
 */
export interface TokenEndpointUser {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly gitlabRealm?: GitlabRealm | undefined;
}

/**
 * Options of {@link createTokenEndpoint} (and of the adapters' `tokenRoute`, whose `Request` is
 * the framework's request).
 *
 * @example
 * ```ts
 * const options: TokenEndpointOptions = {
 *   issuer: new AiAccessTokenIssuer({ issuer: 'https://gitlab.example.com', signingKey: ring }),
 *   authenticate: async (req) => sessions.userOf(req.headers.cookie),
 *   enabled: () => featureFlags.isOn('code_suggestions_tokens_api'),
 * };
 * ```
 */
export interface TokenEndpointOptions<Request = IncomingMessage> {
  /** Mints (and caches) the tokens: repeated calls of the same user get the same token. */
  issuer: AiAccessTokenIssuer;
  /** The application's own sign-in check: the user, or `undefined` (answered 401). */
  authenticate: (request: Request) => Promise<TokenEndpointUser | undefined>;
  /** The feature flag: when it returns `false`, the endpoint answers 404. Default: always on. */
  enabled?: ((request: Request) => boolean | Promise<boolean>) | undefined;
}

/**
 * The 200 body of the tokens endpoint, exactly as the platform's API answers it. `created_at` is
 * the token's `iat` and `expires_in` is `exp − iat`, both whole seconds, so `created_at +
 * expires_in` is the token's `exp` (a cached token keeps its own times).
 *
 * @example
 * ```ts
 * const { access_token, expires_in, created_at } = (await response.json()) as TokenEndpointResponse;
 * const expiresAt = new Date((created_at + expires_in) * 1000);
 * ```
 */
export interface TokenEndpointResponse {
  readonly access_token: string;
  readonly expires_in: number;
  readonly created_at: number;
}

/**
 * The tokens endpoint as a Node request handler (`node:http`, Express, Koa, or Fastify's raw
 * request). Errors thrown by `authenticate`, `enabled` or the issuer go to `next` when given, else
 * answer 500 with no detail.
 *
 * @example
 * ```ts
 * const handler: TokenEndpointHandler = createTokenEndpoint({ issuer, authenticate });
 * http.createServer(handler).listen(8080);
 * ```
 */
export type TokenEndpointHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** A reply of the tokens endpoint, for any server API. Internal. */
export interface TokenEndpointReply {
  readonly status: 200 | 401 | 403 | 404 | 405;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: TokenEndpointResponse | { readonly error: string; readonly code: string };
}

const OPTION_NAMES: readonly string[] = ['issuer', 'authenticate', 'enabled'];
// RFC 6749 §5.1: a response carrying a token must not be stored by any cache.
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/**
 * Serves the tokens endpoint: `POST` answers `200 {"access_token", "expires_in", "created_at"}`
 * for the user `authenticate` returns, with the token `options.issuer` mints (or has cached) for
 * that user's subject, scopes and realm. Every answer carries `Cache-Control: no-store` and
 * `Pragma: no-cache`. Other answers have a JSON body `{"error", "code"}` and never a token:
 * 404 `ERR_TOKEN_ENDPOINT_DISABLED` when `enabled()` is false (checked first), 405
 * `ERR_METHOD_NOT_ALLOWED` with `Allow: POST` for any other method, 401 `ERR_NOT_AUTHENTICATED`
 * when `authenticate` returns nothing, 403 `ERR_NO_SCOPE` when the user has no scope.
 *
 * Mount it on the path you serve it at (it does not look at the path). Options are validated once,
 * here.
 *
 * @throws {@link InvalidClaimError} naming the option that breaks its rule.
 * @example
 * ```ts
 * import http from 'node:http';
 * import { AiAccessTokenIssuer, SigningKey, createTokenEndpoint } from 'ai-access-token';
 *
 * const issuer = new AiAccessTokenIssuer({ issuer: 'https://gitlab.example.com', signingKey: SigningKey.generate() });
 * const tokens = createTokenEndpoint({
 *   issuer,
 *   authenticate: async (req) =>
 *     req.headers.cookie === 'session=ok' ? { subject: 'user-42', scopes: ['code_suggestions'] } : undefined,
 * });
 * http.createServer(tokens).listen(8080);
 * ```
 */
export function createTokenEndpoint(options: TokenEndpointOptions): TokenEndpointHandler {
  const respond = createTokenResponder(options);
  return (req, res, next) => {
    respond(req.method ?? '', req).then(
      (reply) => {
        const body = Buffer.from(JSON.stringify(reply.body), 'utf8');
        res.statusCode = reply.status;
        for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('Content-Length', body.length);
        res.end(body);
      },
      (error: unknown) => {
        if (next !== undefined) {
          next(error);
          return;
        }
        // The cause stays on the server: the application's error may say too much.
        res.statusCode = 500;
        for (const [name, value] of Object.entries(NO_STORE)) res.setHeader(name, value);
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ error: 'internal_error', code: 'ERR_INTERNAL' }));
      },
    );
  };
}

/**
 * The framework-neutral core of {@link createTokenEndpoint}: options validated once; the function
 * answers a request given its method. Rejects with what `authenticate`, `enabled` or the issuer
 * throw. Internal (used by the framework adapters).
 *
 * @throws {@link InvalidClaimError} naming the option that breaks its rule.
 */
export function createTokenResponder<Request>(
  options: TokenEndpointOptions<Request>,
): (method: string, request: Request) => Promise<TokenEndpointReply> {
  assertKnownOptions(options, OPTION_NAMES);
  const { issuer } = options;
  if (!(issuer instanceof AiAccessTokenIssuer)) {
    throw new InvalidClaimError(
      'issuer',
      `issuer must be an AiAccessTokenIssuer; got ${describe(issuer)}`,
    );
  }
  const authenticate = functionOption('authenticate', options.authenticate);
  if (authenticate === undefined) {
    throw new InvalidClaimError('authenticate', 'authenticate is required; got undefined');
  }
  const enabled = functionOption('enabled', options.enabled);
  return async (method, request) => {
    if (enabled !== undefined && !(await enabled(request))) {
      return failure(404, 'not_found', 'ERR_TOKEN_ENDPOINT_DISABLED');
    }
    if (method !== 'POST') {
      return failure(405, 'method_not_allowed', 'ERR_METHOD_NOT_ALLOWED', { Allow: 'POST' });
    }
    const found: unknown = await authenticate(request);
    if (found === undefined || found === null) {
      return failure(401, 'unauthorized', 'ERR_NOT_AUTHENTICATED');
    }
    const user = found as TokenEndpointUser;
    if (!Array.isArray(user.scopes) || user.scopes.length === 0) {
      return failure(403, 'forbidden', 'ERR_NO_SCOPE');
    }
    const accessToken = await issuer.issueAsync({
      subject: user.subject,
      scopes: user.scopes,
      gitlabRealm: user.gitlabRealm,
    });
    const { iat, exp } = decodeJwt(accessToken).payload as { iat: number; exp: number };
    return {
      status: 200,
      headers: NO_STORE,
      body: { access_token: accessToken, expires_in: exp - iat, created_at: iat },
    };
  };
}

function failure(
  status: 401 | 403 | 404 | 405,
  error: string,
  code: string,
  headers: Record<string, string> = {},
): TokenEndpointReply {
  return { status, headers: { ...NO_STORE, ...headers }, body: { error, code } };
}
