// `ai-access-token/fastify`: a Fastify plugin with the route guard, the discovery documents and the
// tokens endpoint. Only `fastify-plugin` is loaded (when this entry is), so that the plugin's
// decorators are visible in the context that registered it; `fastify` itself is named in types
// only. Both are optional peers of this entry alone.
import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type FastifyPluginModule from 'fastify-plugin';
import {
  DEFAULT_JWKS_PATH,
  createDiscoveryResponder,
  type DiscoveryHandlerOptions,
} from '../discovery/discovery-handler';
import { DISCOVERY_PATH } from '../discovery/issuer-url';
import { InvalidClaimError, MissingDependencyError } from '../errors';
import {
  createBearerGuard,
  resolveGuard,
  type AiAccessTokenGuardOptions,
} from '../http/bearer-guard';
import { createTokenResponder, type TokenEndpointOptions } from '../http/token-endpoint';
import { describe } from '../time';
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
 * Options of one route guard made by `fastify.requireAiAccessToken`.
 *
 * @example
 * ```ts
 * const options: RequireAiAccessTokenRouteOptions = { requiredScopes: ['duo_chat'] };
 * ```
 */
export interface RequireAiAccessTokenRouteOptions {
  /** Scopes this route needs; default the plugin's `requiredScopes`. */
  requiredScopes?: readonly string[] | undefined;
}

/**
 * The tokens endpoint of the plugin: {@link TokenEndpointOptions} (given Fastify's request) and
 * the path it is served at (every method is routed there, so that others get 405).
 *
 * @example
 * ```ts
 * const tokenEndpoint: FastifyTokenEndpointOptions = {
 *   path: '/api/v4/code_suggestions/tokens',
 *   issuer,
 *   authenticate: async (request) => sessions.userOf(request),
 * };
 * ```
 */
export interface FastifyTokenEndpointOptions extends TokenEndpointOptions<FastifyRequest> {
  path: string;
}

/**
 * Options of {@link aiAccessTokenPlugin}: how tokens are verified (the guard options), and,
 * optionally, discovery documents and a tokens endpoint to serve.
 *
 * @example
 * ```ts
 * const options: AiAccessTokenPluginOptions = {
 *   keys: createRemoteKeySet({ issuers: ['https://gitlab.example.com'] }),
 *   requiredScopes: ['code_suggestions'],
 * };
 * ```
 */
export interface AiAccessTokenPluginOptions extends AiAccessTokenGuardOptions {
  /** Serve the discovery document and the JWKS (`createDiscoveryHandler`'s options). */
  discovery?: DiscoveryHandlerOptions | undefined;
  /** Serve the tokens endpoint. */
  tokenEndpoint?: FastifyTokenEndpointOptions | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token, set by a `fastify.requireAiAccessToken()` preHandler. */
    aiAccessToken: VerifiedAiAccessToken | undefined;
  }
  interface FastifyInstance {
    /**
     * A `preHandler` that lets a request through only with a valid bearer AI access token (see
     * `ai-access-token/fastify`), setting `request.aiAccessToken`.
     */
    requireAiAccessToken(options?: RequireAiAccessTokenRouteOptions): preHandlerAsyncHookHandler;
  }
}

// A callback plugin: registration is synchronous, and a bad option fails `register` through done.
function plugin(
  fastify: FastifyInstance,
  options: AiAccessTokenPluginOptions,
  done: (error?: Error) => void,
): void {
  try {
    registerAiAccessToken(fastify, options);
  } catch (error) {
    done(error as Error);
    return;
  }
  done();
}

function registerAiAccessToken(
  fastify: FastifyInstance,
  options: AiAccessTokenPluginOptions,
): void {
  const { discovery, tokenEndpoint, ...guardOptions } = options;
  const resolved = resolveGuard(guardOptions);

  fastify.decorateRequest('aiAccessToken', undefined);
  fastify.decorate(
    'requireAiAccessToken',
    (routeOptions: RequireAiAccessTokenRouteOptions = {}): preHandlerAsyncHookHandler => {
      const guard = createBearerGuard(resolved, routeOptions.requiredScopes);
      return async (request: FastifyRequest, reply: FastifyReply) => {
        const outcome = await guard(request.headers.authorization, request.headers);
        if (outcome.ok) {
          request.aiAccessToken = outcome.token;
          return;
        }
        // Returning the reply after send() ends the hook chain (Fastify's async hook contract).
        return reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
      };
    },
  );

  if (discovery !== undefined) {
    const respond = createDiscoveryResponder(discovery);
    const paths = [DISCOVERY_PATH, discovery.jwksPath ?? DEFAULT_JWKS_PATH];
    for (const path of paths) {
      // GET only: Fastify answers HEAD from the GET route (exposeHeadRoutes).
      fastify.get(path, async (request, reply) => {
        const answer = respond(request.method, path, request.headers['if-none-match']);
        if (answer === undefined) {
          reply.callNotFound();
          return reply;
        }
        return reply
          .code(answer.status)
          .headers(answer.headers)
          .send(answer.body ?? '');
      });
    }
  }

  if (tokenEndpoint !== undefined) {
    const { path, ...endpointOptions } = tokenEndpoint;
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new InvalidClaimError(
        'tokenEndpoint.path',
        `tokenEndpoint.path must be an absolute path such as "/api/v4/code_suggestions/tokens"; got ${describe(path)}`,
      );
    }
    const respond = createTokenResponder(endpointOptions);
    fastify.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: path,
      handler: async (request, reply) => {
        const answer = await respond(request.method, request);
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      },
    });
  }
}

/**
 * The Fastify plugin: `fastify.register(aiAccessTokenPlugin, options)`. It validates `options` and
 * builds the verifier once, then decorates `request.aiAccessToken` and provides
 * `fastify.requireAiAccessToken({ requiredScopes })`, a `preHandler` per route. Wrapped with
 * `fastify-plugin`, so its decorators are visible in the context that registered it (and that
 * context's children), not only inside the plugin. Optionally serves the discovery documents
 * (`discovery`) and the tokens endpoint (`tokenEndpoint`).
 *
 * The preHandler answers like the other adapters (RFC 6750, JSON `{"error", "code"}`): 401 with
 * no error attribute for a missing or non-Bearer `Authorization`, 401 `invalid_token` for a
 * rejected token, 403 `insufficient_scope` for missing scopes, 503 with `Retry-After` when keys
 * cannot be fetched. Any other error goes to Fastify's error handler.
 *
 * @throws {@link MissingDependencyError} on import when `fastify-plugin` is not installed.
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createRemoteKeySet } from 'ai-access-token';
 * import { aiAccessTokenPlugin } from 'ai-access-token/fastify';
 *
 * const app = Fastify();
 * await app.register(aiAccessTokenPlugin, {
 *   keys: createRemoteKeySet({ issuers: ['https://gitlab.example.com'] }),
 * });
 * app.post('/v2/code/completions', {
 *   preHandler: app.requireAiAccessToken({ requiredScopes: ['code_suggestions'] }),
 * }, async (request) => ({ subject: request.aiAccessToken?.subject }));
 * ```
 */
export const aiAccessTokenPlugin: FastifyPluginCallback<AiAccessTokenPluginOptions> =
  loadFastifyPlugin()(plugin, { fastify: '5.x', name: 'ai-access-token' });

function loadFastifyPlugin(): typeof FastifyPluginModule {
  try {
    // A lazy require is the point: the dependency is optional and only this entry needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('fastify-plugin') as typeof FastifyPluginModule;
  } catch (cause) {
    throw new MissingDependencyError(
      'fastify-plugin',
      'fastify-plugin cannot be loaded; ai-access-token/fastify needs it: npm install fastify-plugin',
      { cause },
    );
  }
}
