import type { KeyObject } from 'node:crypto';
import { TokenVerificationError } from '../errors';
import { readClock } from '../time';
import { checkClaims } from './check-claims';
import { checkHeader } from './check-header';
import { decodeJwt, type DecodedJwt } from './decode';
import { verifyLean } from './lean-verify';
import { candidateKeys, scheduleKeysAt, type VerificationKey } from './verification-keys';
import type { VerifiedAiAccessToken } from './verified-token';
import {
  VerifiedTokenCache,
  resolveCacheOption,
  withinTime,
  type CachedVerification,
  deepFreeze,
} from './verified-token-cache';
import {
  resolveVerifyOptions,
  type AiAccessTokenVerifierOptions,
  type ResolvedClaimOptions,
  type ResolvedVerifyOptions,
  type VerifyAiAccessTokenOptions,
} from './verify-options';
import { verifySignature } from './verify-signature';

export { resolveClaimOptions, resolveVerifyOptions } from './verify-options';
export { checkHeader } from './check-header';
export { candidateKeys } from './verification-keys';

/**
 * Verifies an AI access token the way the AI gateway does, but strictly: RS256 only (fixed here,
 * never read from the token), a trusted key chosen by `kid`, `exp` and `aud` required, and the
 * audiences tried in order so that both new (`gitlab-ai-gateway`) and legacy
 * (`gitlab-code-suggestions`) tokens are accepted during the rename.
 *
 * Pass the token without its `Bearer ` prefix. Any value is accepted as `token`; whatever it is,
 * the only error a bad token produces is {@link TokenVerificationError}, whose `code` says why.
 * Bad `options` are a programmer's mistake and throw {@link InvalidClaimError} instead.
 *
 * Keys are parsed once per `keys` object (or PEM text) and cached, so pass the same JWKS, ring or
 * key on every call rather than rebuilding it.
 *
 * @throws {@link TokenVerificationError} when the token is rejected.
 * @throws {@link InvalidClaimError} when an option breaks its rule; `error.option` names it.
 * @example
 * ```ts
 * import { verifyAiAccessToken, TokenVerificationError } from 'ai-access-token';
 *
 * const token = request.headers.authorization?.replace(/^Bearer /, '');
 * try {
 *   const { subject, scopes, legacy } = verifyAiAccessToken(token, {
 *     keys: jwks, // { keys: [...] } from the issuer's jwks_uri, a KeyRing, a key or PEM
 *     issuer: 'https://gitlab.example.com',
 *     requiredScopes: ['code_suggestions'],
 *   });
 * } catch (error) {
 *   if (error instanceof TokenVerificationError) reply(401, error.code);
 *   else throw error;
 * }
 * ```
 */
export function verifyAiAccessToken(
  token: unknown,
  options: VerifyAiAccessTokenOptions,
): VerifiedAiAccessToken {
  return verifyResolved(token, resolveVerifyOptions(options));
}

/**
 * A verifier bound to `options`, which are validated (and keys parsed) once, here: the function it
 * returns only verifies. What a service keeps for its lifetime, where `verifyAiAccessToken` would
 * check the same options on every request.
 *
 * With `cache: { maxEntries }` it remembers the tokens it accepted (a bounded LRU keyed by the
 * whole token string, holding the frozen result): a token seen again is not verified again, only
 * its `exp` and `nbf` (with the clock tolerance) are checked at the verifier's clock, and with a
 * {@link KeySchedule} as `keys`, that the key which verified it is still published. Rejections
 * are never remembered. The same token gives the same (frozen) result object on every hit.
 *
 * @throws {@link InvalidClaimError} when an option breaks its rule; `error.option` names it.
 * @example
 * ```ts
 * const verify = createAiAccessTokenVerifier({
 *   keys: jwks,
 *   requiredScopes: ['code_suggestions'],
 *   cache: { maxEntries: 10_000 },
 * });
 * app.use((req, res, next) => {
 *   req.token = verify(req.headers.authorization?.replace(/^Bearer /, ''));
 *   next();
 * });
 * ```
 */
export function createAiAccessTokenVerifier(
  options: AiAccessTokenVerifierOptions,
): (token: unknown) => VerifiedAiAccessToken {
  const resolved = resolveVerifyOptions(options, ['cache']);
  const maxEntries = resolveCacheOption((options as { cache?: unknown }).cache);
  if (maxEntries === undefined) return (token) => verifyResolved(token, resolved);
  const cache = new VerifiedTokenCache<VerifiedAiAccessToken>(maxEntries);
  const tolerance = resolved.clockToleranceSeconds;
  // Every other rule (issuer, audiences, scopes) depends only on the token and on this verifier's
  // options, which are fixed: a result that passed them once passes them again.
  return (token) => {
    if (typeof token === 'string') {
      const entry = cache.get(token);
      if (entry !== undefined) {
        const now = readClock(resolved.now);
        if (
          withinTime(entry, now.getTime() / 1000, tolerance) &&
          stillTrusted(entry, resolved, now)
        ) {
          return entry.value;
        }
        // Expired, not yet valid at this clock, or its key left the key set: the full path
        // decides (and throws the precise error); a failure is never remembered.
        cache.delete(token);
      }
    }
    const now = readClock(resolved.now);
    const keys = keysAt(resolved, now);
    const lean = verifyLean(token, keys);
    if (lean === undefined) return verifyCarefully(token, keys, resolved, now);
    const result = guardVerification(() =>
      checkClaims(deepFreeze(lean.header), deepFreeze(lean.payload), resolved, now),
    );
    cache.set(token as string, {
      value: result,
      exp: result.claims.exp,
      nbf: result.claims.nbf,
      key: lean.key,
      keys,
    });
    return result;
  };
}

// A key set that is a constant array never changes; a schedule's changes at its events, and a key
// is dropped at its retirement.
function stillTrusted(
  entry: CachedVerification<unknown>,
  resolved: ResolvedVerifyOptions,
  now: Date,
): boolean {
  if (resolved.schedule === undefined) return true;
  const keys = scheduleKeysAt(resolved.schedule, now);
  if (keys === entry.keys) return true;
  if (!keys.some(({ key }) => key === entry.key)) return false;
  entry.keys = keys;
  return true;
}

function keysAt(resolved: ResolvedVerifyOptions, now: Date): readonly VerificationKey[] {
  return resolved.schedule === undefined ? resolved.keys : scheduleKeysAt(resolved.schedule, now);
}

function verifyResolved(token: unknown, resolved: ResolvedVerifyOptions): VerifiedAiAccessToken {
  // Outside the guard: a broken clock is the caller's bug, not a bad token.
  const now = readClock(resolved.now);
  const keys = keysAt(resolved, now);
  const lean = verifyLean(token, keys);
  if (lean === undefined) return verifyCarefully(token, keys, resolved, now);
  return guardVerification(() => checkClaims(lean.header, lean.payload, resolved, now));
}

// The path of every token the fast path did not accept: each step strict and separate, so the
// error names exactly what is wrong.
function verifyCarefully(
  token: unknown,
  keys: readonly VerificationKey[],
  rules: ResolvedClaimOptions,
  now: Date,
): VerifiedAiAccessToken {
  return guardVerification(() => {
    const decoded = decodeJwt(token);
    const { kid } = checkHeader(decoded.header);
    verifySignature(decoded, candidateKeys(kid, keys));
    return checkClaims(decoded.header, decoded.payload, rules, now);
  });
}

/**
 * The synchronous tail of every verifier: header check (again, so no caller can skip it),
 * signature against `candidates`, then claims against `rules` at `rules.now()`. A verifier that
 * fetches its keys (asynchronously) decodes with `decodeJwt`, calls `checkHeader` before fetching,
 * picks keys with `candidateKeys`, then calls this.
 *
 * @throws {@link TokenVerificationError} when the token is rejected.
 * @throws {@link InvalidClaimError} (option `now`) when the clock returns no valid Date.
 * @example
 * ```ts
 * const decoded = decodeJwt(token);
 * const { kid } = checkHeader(decoded.header);
 * const keys = await remoteKeys.verificationKeys(kid);
 * return verifyDecoded(decoded, candidateKeys(kid, keys), resolveClaimOptions(options, ['keys']));
 * ```
 */
export function verifyDecoded(
  decoded: DecodedJwt,
  candidates: readonly KeyObject[],
  rules: ResolvedClaimOptions,
): VerifiedAiAccessToken {
  // Outside the guard: a broken clock is the caller's bug, not a bad token.
  const now = readClock(rules.now);
  return guardVerification(() => {
    checkHeader(decoded.header);
    verifySignature(decoded, candidates);
    return checkClaims(decoded.header, decoded.payload, rules, now);
  });
}

/**
 * Runs one step of token processing so that only `TokenVerificationError` leaves it: anything
 * else thrown while handling an untrusted token (a bug, an exotic input) is wrapped, as
 * `ERR_TOKEN_MALFORMED` with the original as `cause`.
 * @example
 * ```ts
 * const decoded = guardVerification(() => decodeJwt(token));
 * ```
 */
export function guardVerification<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof TokenVerificationError) throw error;
    throw new TokenVerificationError(
      'ERR_TOKEN_MALFORMED',
      'token could not be processed; see cause',
      { cause: error },
    );
  }
}
