// `ai-access-token/express`: route guard, discovery documents and tokens endpoint for Express.
// Express itself is never loaded here (the middleware is plain functions); only its types are
// named, so `express` and `@types/express` are optional peers of this entry alone.
import type { Request, RequestHandler } from 'express';
import {
  createDiscoveryHandler,
  type DiscoveryHandlerOptions,
} from '../discovery/discovery-handler';
import {
  createBearerGuard,
  resolveGuard,
  type AiAccessTokenGuardOptions,
  type GuardOutcome,
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

declare global {
  // Declaration merging is how Express types request properties added by middleware.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified token, set by `requireAiAccessToken` (from `ai-access-token/express`). */
      aiAccessToken?: VerifiedAiAccessToken | undefined;
    }
  }
}

/**
 * Express middleware that lets a request through only with a valid `Authorization: Bearer` AI
 * access token, and sets `req.aiAccessToken` to it. The verifier is built once, here. Answers
 * (RFC 6750), each with a JSON body `{"error", "code"}` and nothing of the token:
 * - no `Authorization` header, or not a `Bearer` one: 401, `WWW-Authenticate: Bearer realm="…"`;
 * - a rejected token (not a JWT, expired, wrong audience or issuer, bad signature…): 401,
 *   `error="invalid_token"`, `error_description` the `ERR_TOKEN_…` code;
 * - a token without every `requiredScopes`: 403, `error="insufficient_scope"`, `scope="…"`;
 * - keys that cannot be fetched (issuer down, no cached key): 503 with `Retry-After`.
 * Any other error goes to `next(error)`.
 *
 * @throws {@link InvalidClaimError} naming the option that breaks its rule.
 * @example
 * ```ts
 * import express from 'express';
 * import { createRemoteKeySet } from 'ai-access-token';
 * import { requireAiAccessToken } from 'ai-access-token/express';
 *
 * const keys = createRemoteKeySet({ issuers: ['https://gitlab.example.com'] });
 * const app = express();
 * app.post('/v2/code/completions', requireAiAccessToken({ keys, requiredScopes: ['code_suggestions'] }), (req, res) => {
 *   res.json({ subject: req.aiAccessToken?.subject });
 * });
 * ```
 */
export function requireAiAccessToken(options: AiAccessTokenGuardOptions): RequestHandler {
  const guard = createBearerGuard(resolveGuard(options));
  return (req, res, next) => {
    guard(req.headers.authorization, req.headers).then((outcome: GuardOutcome) => {
      if (outcome.ok) {
        req.aiAccessToken = outcome.token;
        next();
        return;
      }
      res.status(outcome.status).set(outcome.headers).json(outcome.body);
    }, next);
  };
}

/**
 * Express middleware serving the discovery document and the JWKS (`createDiscoveryHandler`):
 * mount it with `app.use(discoveryRouter(options))`; every other path goes on to `next()`.
 *
 * @throws {@link InvalidClaimError} naming the option that breaks its rule.
 * @example
 * ```ts
 * app.use(discoveryRouter({ issuer: 'https://gitlab.example.com', keys: () => ring }));
 * ```
 */
export function discoveryRouter(options: DiscoveryHandlerOptions): RequestHandler {
  const handler = createDiscoveryHandler(options);
  return (req, res, next) => {
    handler(req, res, next);
  };
}

/**
 * Express handler of the tokens endpoint (`createTokenEndpoint`, with `authenticate` and
 * `enabled` given Express's request): mount it with `app.all(path, tokenRoute(options))` so that
 * other methods get 405. Errors of `authenticate`, `enabled` or the issuer go to `next(error)`.
 *
 * @throws {@link InvalidClaimError} naming the option that breaks its rule.
 * @example
 * ```ts
 * app.all('/api/v4/code_suggestions/tokens', tokenRoute({
 *   issuer,
 *   authenticate: async (req) => (req.get('x-user') ? { subject: req.get('x-user')!, scopes: ['code_suggestions'] } : undefined),
 * }));
 * ```
 */
export function tokenRoute(options: TokenEndpointOptions<Request>): RequestHandler {
  const respond = createTokenResponder(options);
  return (req, res, next) => {
    respond(req.method, req).then((reply) => {
      res.status(reply.status).set(reply.headers).json(reply.body);
    }, next);
  };
}
