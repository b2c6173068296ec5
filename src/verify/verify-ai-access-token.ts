import type { KeyObject } from 'node:crypto';
import { TokenVerificationError } from '../errors';
import { readClock } from '../time';
import { checkClaims } from './check-claims';
import { checkHeader } from './check-header';
import { decodeJwt, type DecodedJwt } from './decode';
import { candidateKeys } from './verification-keys';
import type { VerifiedAiAccessToken } from './verified-token';
import {
  resolveVerifyOptions,
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
 * @throws {@link InvalidClaimError} when an option breaks its rule; `error.option` names it.
 * @example
 * ```ts
 * const verify = createAiAccessTokenVerifier({ keys: jwks, requiredScopes: ['code_suggestions'] });
 * app.use((req, res, next) => {
 *   req.token = verify(req.headers.authorization?.replace(/^Bearer /, ''));
 *   next();
 * });
 * ```
 */
export function createAiAccessTokenVerifier(
  options: VerifyAiAccessTokenOptions,
): (token: unknown) => VerifiedAiAccessToken {
  const resolved = resolveVerifyOptions(options);
  return (token) => verifyResolved(token, resolved);
}

function verifyResolved(token: unknown, resolved: ResolvedVerifyOptions): VerifiedAiAccessToken {
  const decoded = guardVerification(() => decodeJwt(token));
  const { kid } = guardVerification(() => checkHeader(decoded.header));
  const candidates = guardVerification(() => candidateKeys(kid, resolved.keys));
  return verifyDecoded(decoded, candidates, resolved);
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
