import { HttpRemoteKeySet, type RemoteKeySet } from '../discovery/remote-key-set';
import { decodeJwt } from './decode';
import type { VerifiedAiAccessToken } from './verified-token';
import {
  candidateKeys,
  checkHeader,
  guardVerification,
  resolveClaimOptions,
  verifyAiAccessToken,
  verifyDecoded,
} from './verify-ai-access-token';
import type { VerifyAiAccessTokenOptions, VerifyClaimsOptions } from './verify-options';
import type { VerificationKeys } from './verification-keys';

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
}

/**
 * `verifyAiAccessToken` for keys that must be fetched: with a {@link RemoteKeySet} as `keys`, the
 * issuers' keys are fetched (or taken from its cache) before the signature is checked. Every
 * other rule, option and error code is the synchronous verifier's own: the token is decoded and
 * its header checked (RS256 only, no `crit`/`jku`/`x5u`/`jwk`/`x5c`) before any fetch, so a
 * malformed or forged-algorithm token never causes a request.
 *
 * Always returns a Promise, whatever `keys` is. It rejects with:
 * - {@link TokenVerificationError} when the token is rejected (`code` says why; an unknown `kid`
 *   is `ERR_TOKEN_SIGNATURE`) — answer 401;
 * - {@link JwksFetchError} (`ERR_JWKS_FETCH`, reason `'no-keys'`) when the key set has no key at
 *   all because no issuer could be fetched — "cannot verify now", answer 503;
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
    // Local keys: the synchronous verifier does everything; this function only makes it a Promise.
    return verifyAiAccessToken(token, options as VerifyAiAccessTokenOptions);
  }
  const rules = resolveClaimOptions(options, ['keys']);
  const decoded = guardVerification(() => decodeJwt(token));
  const { kid } = guardVerification(() => checkHeader(decoded.header));
  const known = await keys.verificationKeys(kid);
  const candidates = guardVerification(() => candidateKeys(kid, known));
  return verifyDecoded(decoded, candidates, rules);
}
