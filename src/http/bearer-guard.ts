// The framework-neutral core of the route guards of the Express, Fastify and Hono adapters: the
// verifier (built once), the RFC 6750 answers, and the 503 of a key fetch failure. Each adapter
// only moves a header in and a GuardOutcome out.
import { HttpRemoteKeySet, type RemoteKeySet } from '../discovery/remote-key-set';
import { InvalidClaimError, JwksFetchError, TokenVerificationError } from '../errors';
import {
  checkGatewayHeaders,
  type CheckGatewayHeadersOptions,
  type RequestHeaders,
} from '../gateway/check-gateway-headers';
import type { KeySchedule } from '../keys/key-schedule';
import { assertKnownOptions, functionOption, wholeNumberOption } from '../option-checks';
import { describe } from '../time';
import type { VerificationKeys } from '../verify/verification-keys';
import type { VerifiedAiAccessToken } from '../verify/verified-token';
import { createAiAccessTokenVerifier } from '../verify/verify-ai-access-token';
import { createRemoteKeySetVerifier } from '../verify/verify-ai-access-token-async';
import { CLAIM_OPTION_NAMES, type VerifyClaimsOptions } from '../verify/verify-options';

/**
 * A verifier the application built itself: it receives the bearer value (never empty) and
 * returns the verified token, or throws `TokenVerificationError` (401) or `JwksFetchError` (503).
 *
 * @example
 * ```ts
 * const verify = createAiAccessTokenVerifier({ keys: jwks });
 * const verifier: AiAccessTokenVerifierFunction = (token) => verify(token);
 * ```
 */
export type AiAccessTokenVerifierFunction = (
  token: string,
) => VerifiedAiAccessToken | Promise<VerifiedAiAccessToken>;

/**
 * How a route guard verifies tokens: either `keys` (static keys, a `KeySchedule`, a `KeyRing` or a
 * remote key set from `createRemoteKeySet`) with the claim rules of `verifyAiAccessToken`, or a
 * `verifier` the application built. Either way the verifier is built once, when the guard is, and
 * `requiredScopes` are checked by the guard itself, so that missing scopes answer 403.
 *
 * @example
 * ```ts
 * const options: AiAccessTokenGuardOptions = {
 *   keys: createRemoteKeySet({ issuers: ['https://gitlab.example.com'] }),
 *   requiredScopes: ['code_suggestions'],
 *   gatewayHeaders: true,
 * };
 * ```
 */
export interface AiAccessTokenGuardOptions extends VerifyClaimsOptions {
  /** The keys tokens are verified with. Give exactly one of `keys` and `verifier`. */
  keys?: RemoteKeySet | KeySchedule | VerificationKeys | undefined;
  /** A verifier of your own, instead of `keys` (then no other claim option but `requiredScopes`). */
  verifier?: AiAccessTokenVerifierFunction | undefined;
  /** The `realm` of `WWW-Authenticate`. Default `'ai-gateway'`. */
  realm?: string | undefined;
  /**
   * Check the request's `X-Gitlab-*` headers against the token (`checkGatewayHeaders`), as later
   * gateway versions do: `true`, or the check's options. A mismatch answers 401
   * `ERR_TOKEN_HEADER_MISMATCH`. Default off.
   */
  gatewayHeaders?: boolean | CheckGatewayHeadersOptions | undefined;
  /** `Retry-After` of the 503 sent when keys cannot be fetched, in seconds. Default 30. */
  retryAfterSeconds?: number | undefined;
}

/**
 * The JSON body of every 401, 403 and 503 a route guard sends. `code` is a stable
 * `ERR_…` code: a `TokenVerificationErrorCode`, `ERR_TOKEN_MISSING` (no bearer token) or
 * `ERR_JWKS_FETCH` (keys could not be fetched).
 *
 * @example
 * ```ts
 * const body: AiAccessTokenErrorBody = { error: 'invalid_token', code: 'ERR_TOKEN_EXPIRED' };
 * ```
 */
export interface AiAccessTokenErrorBody {
  /** `invalid_token`, `insufficient_scope`, `unauthorized` or `temporarily_unavailable`. */
  readonly error: string;
  readonly code: string;
}

/** What a guard decided: the verified token, or the complete answer to send. */
export type GuardOutcome =
  | { readonly ok: true; readonly token: VerifiedAiAccessToken }
  | {
      readonly ok: false;
      readonly status: 401 | 403 | 503;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: AiAccessTokenErrorBody;
    };

/** A guard: the request's `Authorization` header and all its headers in, the outcome out. */
export type BearerGuard = (
  authorization: string | undefined,
  headers: RequestHeaders,
) => Promise<GuardOutcome>;

/** The verifier and the answers of a guard, resolved once; scopes are added per route. */
export interface ResolvedGuard {
  readonly verify: AiAccessTokenVerifierFunction;
  readonly realm: string;
  readonly gatewayHeaders: CheckGatewayHeadersOptions | undefined;
  readonly retryAfter: string;
  readonly requiredScopes: readonly string[];
}

const GUARD_OPTION_NAMES: readonly string[] = [
  ...CLAIM_OPTION_NAMES,
  'keys',
  'verifier',
  'realm',
  'gatewayHeaders',
  'retryAfterSeconds',
];
const DEFAULT_REALM = 'ai-gateway';
const DEFAULT_RETRY_AFTER_SECONDS = 30;
// RFC 6750 §3: scope-token and the quoted-string values of WWW-Authenticate.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const QUOTABLE = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

/**
 * Validates `options` and builds the verifier, once.
 *
 * @throws {@link InvalidClaimError} naming the option that breaks its rule.
 */
export function resolveGuard(options: AiAccessTokenGuardOptions): ResolvedGuard {
  assertKnownOptions(options, GUARD_OPTION_NAMES);
  const { keys, verifier, realm, gatewayHeaders, retryAfterSeconds, requiredScopes, ...claims } =
    options;
  const realmValue = realm ?? DEFAULT_REALM;
  if (typeof realmValue !== 'string' || realmValue === '' || !QUOTABLE.test(realmValue)) {
    throw new InvalidClaimError(
      'realm',
      `realm must be a non-empty string of printable ASCII without '"' or '\\'; got ${describe(realm)}`,
    );
  }
  const retry = wholeNumberOption(
    'retryAfterSeconds',
    retryAfterSeconds,
    DEFAULT_RETRY_AFTER_SECONDS,
    0,
    86_400,
    'seconds',
  );
  return {
    verify: buildVerifier(keys, functionOption('verifier', verifier), claims),
    realm: realmValue,
    gatewayHeaders: resolveGatewayHeaders(gatewayHeaders),
    retryAfter: String(retry),
    requiredScopes: resolveScopes(requiredScopes),
  };
}

/**
 * The guard of one route: `resolved`'s verifier, with `requiredScopes` (validated here, once).
 *
 * @throws {@link InvalidClaimError} when `requiredScopes` is not a list of scope tokens.
 */
export function createBearerGuard(
  resolved: ResolvedGuard,
  requiredScopes: readonly string[] = resolved.requiredScopes,
): BearerGuard {
  const scopes = resolveScopes(requiredScopes);
  const { realm } = resolved;
  const challenge = `Bearer realm="${realm}"`;
  return async (authorization, headers) => {
    const bearer = bearerValue(authorization);
    if (bearer === undefined) {
      return reject(401, { 'WWW-Authenticate': challenge }, 'unauthorized', 'ERR_TOKEN_MISSING');
    }
    let token: VerifiedAiAccessToken;
    try {
      token = await resolved.verify(bearer);
      if (resolved.gatewayHeaders !== undefined) {
        checkGatewayHeaders(token, headers, resolved.gatewayHeaders);
      }
    } catch (error) {
      if (error instanceof JwksFetchError) {
        return reject(
          503,
          { 'Retry-After': resolved.retryAfter },
          'temporarily_unavailable',
          error.code,
        );
      }
      if (!(error instanceof TokenVerificationError)) throw error;
      if (error.code === 'ERR_TOKEN_SCOPE') return insufficientScope(realm, scopes);
      return reject(
        401,
        {
          'WWW-Authenticate': `${challenge}, error="invalid_token", error_description="${error.code}"`,
        },
        'invalid_token',
        error.code,
      );
    }
    if (!scopes.every((scope) => token.scopes.includes(scope))) {
      return insufficientScope(realm, scopes);
    }
    return { ok: true, token };
  };
}

// RFC 7235: the scheme is case-insensitive; RFC 6750 §2.1: one or more spaces, then the token.
// "Bearer" with nothing after it carries no credential, so it is answered like a missing header.
function bearerValue(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer +(.*)$/i.exec(authorization);
  const value = match?.[1]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function insufficientScope(realm: string, scopes: readonly string[]): GuardOutcome {
  return reject(
    403,
    {
      'WWW-Authenticate': `Bearer realm="${realm}", error="insufficient_scope", scope="${scopes.join(' ')}"`,
    },
    'insufficient_scope',
    'ERR_TOKEN_SCOPE',
  );
}

function reject(
  status: 401 | 403 | 503,
  headers: Record<string, string>,
  error: string,
  code: string,
): GuardOutcome {
  return { ok: false, status, headers, body: { error, code } };
}

function buildVerifier(
  keys: AiAccessTokenGuardOptions['keys'],
  verifier: AiAccessTokenVerifierFunction | undefined,
  claims: VerifyClaimsOptions,
): AiAccessTokenVerifierFunction {
  if (verifier !== undefined) {
    const extra = Object.keys(claims).find(
      (name) => claims[name as keyof VerifyClaimsOptions] !== undefined,
    );
    const other = keys !== undefined ? 'keys' : extra;
    if (other !== undefined) {
      throw new InvalidClaimError(
        'verifier',
        `give either verifier or keys with its claim options, not both; got verifier with ${other}`,
      );
    }
    return verifier;
  }
  if (keys === undefined) {
    throw new InvalidClaimError('keys', 'keys or verifier is required; got neither');
  }
  if (keys instanceof HttpRemoteKeySet) return createRemoteKeySetVerifier({ ...claims, keys });
  return createAiAccessTokenVerifier({ ...claims, keys: keys as VerificationKeys });
}

function resolveGatewayHeaders(
  value: AiAccessTokenGuardOptions['gatewayHeaders'],
): CheckGatewayHeadersOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  const options: unknown = value;
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) return value;
  throw new InvalidClaimError(
    'gatewayHeaders',
    `gatewayHeaders must be a boolean or the options of checkGatewayHeaders; got ${describe(value)}`,
  );
}

function resolveScopes(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    !value.every((scope) => typeof scope === 'string' && SCOPE_TOKEN.test(scope))
  ) {
    throw new InvalidClaimError(
      'requiredScopes',
      `requiredScopes must be a list of scope names (printable ASCII, no space, '"' or '\\'); got ${describe(value)}`,
    );
  }
  return Object.freeze([...(value as string[])]);
}
