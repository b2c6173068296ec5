// The verified-token cache of verifyAiAccessTokenAsync with a remote key set. The function takes
// its options on every call, so the cache cannot belong to a set of options: it belongs to the key
// set (one per set, for as long as the set lives), holds what does not depend on options — the
// header and claims whose signature verified, and the key and issuer that verified them — and the
// claims are checked against each call's own rules on every hit.
import type { KeyObject } from 'node:crypto';
import type { IssuerKeys } from '../discovery/issuer-keys';
import { InvalidClaimError, TokenVerificationError } from '../errors';
import { readClock } from '../time';
import { checkClaims } from './check-claims';
import type { VerificationKey } from './verification-keys';
import type { VerifiedAiAccessToken } from './verified-token';
import { VerifiedTokenCache, resolveCacheOption } from './verified-token-cache';
import type { ResolvedClaimOptions } from './verify-options';

/** A token whose signature verified with a key of `issuerKeys`. */
export interface RemoteVerification {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly kid: string | undefined;
  readonly issuerKeys: IssuerKeys;
}

const caches = new WeakMap<object, VerifiedTokenCache<RemoteVerification>>();

/**
 * The cache of `keySet` for the `cache` option of one call, created by the first call that asks;
 * `undefined` when the option is absent.
 *
 * @throws {@link InvalidClaimError} (option `cache`) when the option is malformed, or names
 * another size than the cache the key set already has.
 */
export function remoteTokenCache(
  keySet: object,
  option: unknown,
): VerifiedTokenCache<RemoteVerification> | undefined {
  const maxEntries = resolveCacheOption(option);
  if (maxEntries === undefined) return undefined;
  let cache = caches.get(keySet);
  if (cache === undefined) {
    cache = new VerifiedTokenCache(maxEntries);
    caches.set(keySet, cache);
  } else if (cache.maxEntries !== maxEntries) {
    throw new InvalidClaimError(
      'cache',
      `this remote key set already has a verified-token cache of ${cache.maxEntries} entries; pass the same cache.maxEntries on every call (got ${maxEntries})`,
    );
  }
  return cache;
}

/**
 * The result for a remembered token, its claims checked against `rules` now; `undefined` when the
 * token is not remembered or the key that verified it has left its issuer's key set (the entry
 * is then dropped and the caller verifies in full).
 *
 * @throws {@link TokenVerificationError} when the claims fail `rules` (an expired token is also
 * dropped).
 */
export function cachedRemoteVerification(
  cache: VerifiedTokenCache<RemoteVerification>,
  token: string,
  rules: ResolvedClaimOptions,
): VerifiedAiAccessToken | undefined {
  const entry = cache.get(token);
  if (entry === undefined) return undefined;
  const { issuerKeys, kid, header, payload } = entry.value;
  // As on a miss: a stale issuer is refreshed in the background, and the answer is the keys now.
  const keys = issuerKeys.cached(kid);
  const generation = issuerKeys.generation;
  if (keys === undefined || (entry.keys !== generation && !holds(keys, kid, entry.key))) {
    cache.delete(token);
    return undefined;
  }
  entry.keys = generation;
  const now = readClock(rules.now);
  try {
    return checkClaims(header, payload, rules, now);
  } catch (error) {
    if (error instanceof TokenVerificationError && error.code === 'ERR_TOKEN_EXPIRED') {
      cache.delete(token);
    }
    throw error;
  }
}

/** Remembers a token that verified with `key`, one of `issuerKeys` at its current generation. */
export function rememberRemoteVerification(
  cache: VerifiedTokenCache<RemoteVerification>,
  token: string,
  verification: RemoteVerification,
  result: VerifiedAiAccessToken,
  key: KeyObject,
): void {
  cache.set(token, {
    value: verification,
    exp: result.claims.exp,
    nbf: result.claims.nbf,
    key,
    keys: verification.issuerKeys.generation,
  });
}

// A refetch brings new KeyObjects for the same keys, so identity is not enough; and the key must
// still be one the token's kid selects (the rule of candidateKeys), since an issuer may reassign
// a kid to another of its keys.
function holds(keys: readonly VerificationKey[], kid: string | undefined, key: KeyObject): boolean {
  return keys.some(
    (entry) =>
      (kid === undefined || entry.kid === undefined || entry.kid === kid) &&
      (entry.key === key || entry.key.equals(key)),
  );
}
