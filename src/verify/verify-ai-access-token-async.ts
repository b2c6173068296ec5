import type { IssuerKeys } from '../discovery/issuer-keys';
import { HttpRemoteKeySet, type RemoteKeySet } from '../discovery/remote-key-set';
import { InvalidClaimError, JwksFetchError, TokenVerificationError } from '../errors';
import { describe, readClock } from '../time';
import { checkClaims } from './check-claims';
import { decodeJwt } from './decode';
import { verifyLean } from './lean-verify';
import {
  cachedRemoteVerification,
  rememberRemoteVerification,
  remoteTokenCache,
  type RemoteVerification,
} from './remote-token-cache';
import {
  deepFreeze,
  type VerifiedTokenCache,
  type VerifiedTokenCacheOptions,
} from './verified-token-cache';
import type { VerifiedAiAccessToken } from './verified-token';
import {
  candidateKeys,
  checkHeader,
  guardVerification,
  resolveClaimOptions,
  verifyAiAccessToken,
  verifyDecoded,
} from './verify-ai-access-token';
import type {
  ResolvedClaimOptions,
  VerifyAiAccessTokenOptions,
  VerifyClaimsOptions,
} from './verify-options';
import type { VerificationKey, VerificationKeys } from './verification-keys';

/**
 * Options of {@link verifyAiAccessTokenAsync}: those of `verifyAiAccessToken`, with `keys` also
 * accepting a {@link RemoteKeySet}.
 *
 * @example
 * ```ts
 * const options: VerifyAiAccessTokenAsyncOptions = {
 *   keys: createRemoteKeySet({ issuers: ['https://gitlab.com'] }),
 *   requiredScopes: ['code_suggestions'],
 * };
 * ```
 */
export interface VerifyAiAccessTokenAsyncOptions extends VerifyClaimsOptions {
  /** A remote key set from `createRemoteKeySet`, or any key form `verifyAiAccessToken` takes. */
  keys: RemoteKeySet | VerificationKeys;
  /**
   * With a remote key set only: remember tokens that verified, in a cache that belongs to the key
   * set (created by the first call that passes this option; every call must pass the same
   * `maxEntries`). A token seen again is not verified again: its claims are checked against the
   * call's options, and its key must still be in its issuer's key set (a refresh that removes the
   * key drops the token). Rejections are never remembered. For local keys, use
   * `createAiAccessTokenVerifier({ keys, cache })`.
   */
  cache?: VerifiedTokenCacheOptions | undefined;
}

/**
 * `verifyAiAccessToken` for keys that must be fetched: with a {@link RemoteKeySet} as `keys`, the
 * keys of the token's issuer are taken from its cache (or fetched) before the signature is
 * checked. Every other rule, option and error code is the synchronous verifier's own: the token is
 * decoded and its header checked (RS256 only, no `crit`/`jku`/`x5u`/`jwk`/`x5c`) before any fetch,
 * so a malformed or forged-algorithm token never causes a request.
 *
 * With a remote key set, keys are bound to their issuer: the token's `iss` must be one of the
 * set's issuers (and of `issuer`, when given, which must name only issuers of the set), and the
 * signature is checked only with that issuer's keys. A token claiming any other `iss` is rejected
 * with `ERR_TOKEN_ISSUER` before anything is fetched, so `result.issuer` is always one of the
 * set's issuers. A token whose `kid` is cached for its issuer never waits for a fetch.
 *
 * Always returns a Promise, whatever `keys` is. It rejects with:
 * - {@link TokenVerificationError} when the token is rejected (`code` says why; an unknown `kid`
 *   is `ERR_TOKEN_SIGNATURE` when the issuer's keys were fetched fine) — answer 401;
 * - {@link JwksFetchError} (`ERR_JWKS_FETCH`, reason `'no-keys'`) when the token's issuer has no
 *   key at all because it could not be fetched, or has no cached key with the token's `kid` and
 *   its last fetch failed (the key may be a new one the outage hides) — "cannot verify now",
 *   answer 503;
 * - {@link InvalidClaimError} when an option breaks its rule (a programmer's mistake).
 *
 * @example
 * ```ts
 * import { createRemoteKeySet, verifyAiAccessTokenAsync, TokenVerificationError } from 'ai-access-token';
 *
 * const remoteKeys = createRemoteKeySet({ issuers: ['https://gitlab.com'] }); // once, at start-up
 *
 * const token = request.headers.authorization?.replace(/^Bearer /, '');
 * try {
 *   const { subject, scopes, legacy } = await verifyAiAccessTokenAsync(token, {
 *     keys: remoteKeys,
 *     requiredScopes: ['code_suggestions'],
 *   });
 * } catch (error) {
 *   if (error instanceof TokenVerificationError) reply(401, error.code);
 *   else if (error instanceof JwksFetchError) reply(503, error.message);
 *   else throw error;
 * }
 * ```
 */
export async function verifyAiAccessTokenAsync(
  token: unknown,
  options: VerifyAiAccessTokenAsyncOptions,
): Promise<VerifiedAiAccessToken> {
  const keys: unknown = (options as Partial<VerifyAiAccessTokenAsyncOptions> | null)?.keys;
  if (!(keys instanceof HttpRemoteKeySet)) {
    if ((options as { cache?: unknown } | null)?.cache !== undefined) {
      throw new InvalidClaimError(
        'cache',
        'cache is kept per remote key set; with local keys, use createAiAccessTokenVerifier({ keys, cache }), which keeps it for its lifetime',
      );
    }
    // Local keys: the synchronous verifier does everything; this function only makes it a Promise.
    return verifyAiAccessToken(token, options as VerifyAiAccessTokenOptions);
  }
  const rules = bindIssuers(resolveClaimOptions(options, ['keys', 'cache']), keys);
  return verifyWithRemoteKeys(token, keys, rules, remoteTokenCache(keys, options.cache));
}

/**
 * {@link verifyAiAccessTokenAsync} with a remote key set, its options validated once, here: for a
 * caller that verifies many tokens with the same options (the framework adapters). Internal.
 */
export function createRemoteKeySetVerifier(
  options: VerifyAiAccessTokenAsyncOptions & { keys: RemoteKeySet },
): (token: unknown) => Promise<VerifiedAiAccessToken> {
  const keys: unknown = options.keys;
  if (!(keys instanceof HttpRemoteKeySet)) {
    throw new InvalidClaimError(
      'keys',
      `keys must come from createRemoteKeySet; got ${describe(keys)}`,
    );
  }
  const rules = bindIssuers(resolveClaimOptions(options, ['keys', 'cache']), keys);
  const cache = remoteTokenCache(keys, options.cache);
  return (token) => verifyWithRemoteKeys(token, keys, rules, cache);
}

async function verifyWithRemoteKeys(
  token: unknown,
  keys: HttpRemoteKeySet,
  rules: BoundClaimOptions,
  cache: VerifiedTokenCache<RemoteVerification> | undefined,
): Promise<VerifiedAiAccessToken> {
  if (cache !== undefined && typeof token === 'string') {
    const remembered = cachedRemoteVerification(cache, token, rules);
    if (remembered !== undefined) return remembered;
  }
  const decoded = guardVerification(() => decodeJwt(token));
  const { kid } = guardVerification(() => checkHeader(decoded.header));
  const issuerKeys = guardVerification(() => keysOfIssuer(decoded.payload, keys, rules.issuers));
  const known = issuerKeys.cached(kid) ?? (await keysAfterFetch(issuerKeys, kid));
  const candidates = guardVerification(() => candidateKeys(kid, known));
  if (cache !== undefined) {
    // The fast path names the key that verified, which the cache must watch.
    const lean = verifyLean(token, known);
    if (lean !== undefined) {
      // Outside the guard: a broken clock is the caller's bug, not a bad token.
      const now = readClock(rules.now);
      const header = deepFreeze(lean.header);
      const payload = deepFreeze(lean.payload);
      const result = guardVerification(() => checkClaims(header, payload, rules, now));
      const verification = { header, payload, kid, issuerKeys };
      rememberRemoteVerification(cache, token as string, verification, result, lean.key);
      return result;
    }
  }
  // rules.issuers is never null here, so the claim check after the signature enforces the same
  // binding again: result.issuer can only be one of the key set's issuers.
  return verifyDecoded(decoded, candidates, rules);
}

// An unknown kid while the issuer cannot be reached is "cannot verify now", not a bad token: the
// key may be the issuer's newest, which the failed fetch would have brought.
async function keysAfterFetch(
  issuerKeys: IssuerKeys,
  kid: string | undefined,
): Promise<readonly VerificationKey[]> {
  const keys = await issuerKeys.fetched();
  const error = issuerKeys.status().error;
  if (
    error !== undefined &&
    kid !== undefined &&
    !keys.some((entry) => entry.kid === undefined || entry.kid === kid)
  ) {
    throw new JwksFetchError(
      'no-keys',
      `no cached key of ${JSON.stringify(issuerKeys.issuer)} has the token's kid, and its keys could not be fetched: ${error.message}`,
      { cause: error },
    );
  }
  return keys;
}

type BoundClaimOptions = ResolvedClaimOptions & { readonly issuers: readonly string[] };

// The accepted issuers: those of the key set, narrowed by the `issuer` option. An `issuer` the key
// set does not hold could never verify anything (keys verify only their own issuer's tokens), so
// it is a configuration mistake, reported as such rather than as a stream of rejected tokens.
function bindIssuers(rules: ResolvedClaimOptions, keySet: HttpRemoteKeySet): BoundClaimOptions {
  if (rules.issuers === null) return { ...rules, issuers: keySet.issuers };
  const foreign = rules.issuers.find((issuer) => !keySet.issuers.includes(issuer));
  if (foreign !== undefined) {
    throw new InvalidClaimError(
      'issuer',
      `issuer ${JSON.stringify(foreign)} is not one of the remote key set's issuers (${quoteList(keySet.issuers)}); its tokens could never verify, because keys verify only the tokens of their own issuer`,
    );
  }
  return rules as BoundClaimOptions;
}

// Read from the unverified payload, to choose whose keys to use (and whether to fetch at all); the
// signature is then checked with that issuer's keys only, and the claims again after it.
function keysOfIssuer(
  payload: Readonly<Record<string, unknown>>,
  keySet: HttpRemoteKeySet,
  accepted: readonly string[],
): IssuerKeys {
  const iss = Object.hasOwn(payload, 'iss') ? payload.iss : undefined;
  const issuerKeys =
    typeof iss === 'string' && accepted.includes(iss) ? keySet.issuerKeys(iss) : undefined;
  if (issuerKeys === undefined) {
    const got =
      iss === undefined
        ? 'token has no iss claim'
        : typeof iss === 'string'
          ? `token iss is ${iss.length <= 100 ? JSON.stringify(iss) : `(a string of ${iss.length} characters)`}`
          : `token iss is ${describe(iss)}`;
    throw new TokenVerificationError(
      'ERR_TOKEN_ISSUER',
      `${got}; expected ${quoteList(accepted)}: a remote key set verifies a token only with the keys of the issuer its iss names`,
    );
  }
  return issuerKeys;
}

function quoteList(values: readonly string[]): string {
  return values.length === 1
    ? JSON.stringify(values[0])
    : `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`;
}
