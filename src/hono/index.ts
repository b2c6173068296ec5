// `ai-access-token/hono`: route guard, discovery documents and tokens endpoint for Hono. Hono
// itself is never loaded here (handlers are plain functions over its Context); only its types are
// named, so `hono` is an optional peer of this entry alone. Nothing here needs Node: the handlers
// run wherever Hono does.
import type { Context, Handler, MiddlewareHandler } from 'hono';
import {
  createDiscoveryResponder,
  type DiscoveryHandlerOptions,
} from '../discovery/discovery-handler';
import {
  createBearerGuard,
  resolveGuard,
  type AiAccessTokenGuardOptions,
} from '../http/bearer-guard';
import { createTokenResponder, type TokenEndpointOptions } from '../http/token-endpoint';
import type { VerifiedAiAccessToken } from '../verify/verified-token';

export type {
  AiAccessTokenErrorBody,
  AiAccessTokenGuardOptions,
  AiAccessTokenVerifierFunction,
} from '../http/bearer-guard';
export type { DiscoveryHandlerOptions } from '../discovery/discovery-handler';
export type {
  TokenEndpointOptions,
  TokenEndpointResponse,
  TokenEndpointUser,
} from '../http/token-endpoint';
export type { VerifiedAiAccessToken } from '../verify/verified-token';

/**
 * The Hono `Variables` {@link requireAiAccessToken} sets: `c.get('aiAccessToken')`.
 *
 * @example
 * ```ts
 * const app = new Hono<{ Variables: AiAccessTokenVariables }>();
 * app.get('/me', (c) => c.text(c.get('aiAccessToken').subject ?? ''));
 * ```
 */
export interface AiAccessTokenVariables {
  aiAccessToken: VerifiedAiAccessToken;
}

/**
 * The Hono environment of a route behind {@link requireAiAccessToken}.
 *
 * @example
 * ```ts
 * const app = new Hono<AiAccessTokenEnv>();
 * ```
 */
export interface AiAccessTokenEnv {
  Variables: AiAccessTokenVariables;
}

/**
 * Hono middleware that lets a request through only with a valid `Authorization: Bearer` AI access
 * token, and sets `c.get('aiAccessToken')` to it. The verifier is built once, here. It checks what
 * Hono's own `jwt` middleware does not: RS256 only, `aud` and `iss`, and the scopes. Answers
 * (RFC 6750), each with a JSON body `{"error", "code"}` and nothing of the token:
 * - no `Authorization` header, or not a `Bearer` one: 401, `WWW-Authenticate: Bearer realm="…"`;
 * - a rejected token: 401, `error="invalid_token"`, `error_description` the `ERR_TOKEN_…` code;
 * - a token without every `requiredScopes`: 403, `error="insufficient_scope"`, `scope="…"`;
 * - keys that cannot be fetched (issuer down, no cached key): 503 with `Retry-After`.
 * Any other error is thrown to Hono's `onError`.
 *
 * @throws {@link InvalidClaimError} naming the option that breaks its rule.
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { createRemoteKeySet } from 'ai-access-token';
 * import { requireAiAccessToken } from 'ai-access-token/hono';
 *
 * const keys = createRemoteKeySet({ issuers: ['https://gitlab.example.com'] });
 * const app = new Hono();
 * app.post('/v2/code/completions', requireAiAccessToken({ keys, requiredScopes: ['code_suggestions'] }), (c) =>
 *   c.json({ subject: c.get('aiAccessToken').subject }),
 * );
 * ```
 */
export function requireAiAccessToken(
  options: AiAccessTokenGuardOptions,
): MiddlewareHandler<AiAccessTokenEnv> {
  const guard = createBearerGuard(resolveGuard(options));
  return async (c, next) => {
    const outcome = await guard(c.req.header('authorization'), c.req.raw.headers);
    if (!outcome.ok) return c.json(outcome.body, outcome.status, outcome.headers);
    c.set('aiAccessToken', outcome.token);
    await next();
    return undefined;
  };
}

/**
 * Hono middleware serving the discovery document and the JWKS (as `createDiscoveryHandler` does,
 * with ETag and `304`): `app.use(discoveryRoutes(options))`; other paths go on to `next()`.
 *
 * @throws {@link InvalidClaimError} naming the option that breaks its rule.
 * @example
 * ```ts
 * app.use(discoveryRoutes({ issuer: 'https://gitlab.example.com', keys: () => ring }));
 * ```
 */
export function discoveryRoutes(options: DiscoveryHandlerOptions): MiddlewareHandler {
  const respond = createDiscoveryResponder(options);
  return async (c, next) => {
    const reply = respond(c.req.method, c.req.path, c.req.header('if-none-match'));
    if (reply === undefined) {
      await next();
      return undefined;
    }
    const headers = { ...reply.headers };
    return reply.body === undefined || reply.status === 304
      ? c.body(null, reply.status, headers)
      : c.body(new Uint8Array(reply.body), reply.status === 405 ? 405 : 200, headers);
  };
}

/**
 * Hono handler of the tokens endpoint (`createTokenEndpoint`, with `authenticate` and `enabled`
 * given Hono's Context): `app.all(path, tokenRoute(options))`, so that other methods get 405.
 *
 * @throws {@link InvalidClaimError} naming the option that breaks its rule.
 * @example
 * ```ts
 * app.all('/api/v4/code_suggestions/tokens', tokenRoute({
 *   issuer,
 *   authenticate: async (c) => (c.req.header('x-user') ? { subject: c.req.header('x-user')!, scopes: ['code_suggestions'] } : undefined),
 * }));
 * ```
 */
export function tokenRoute(options: TokenEndpointOptions<Context>): Handler {
  const respond = createTokenResponder(options);
  return async (c) => {
    const reply = await respond(c.req.method, c);
    return c.json(reply.body, reply.status, { ...reply.headers });
  };
}
