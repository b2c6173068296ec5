import { verify, type KeyObject } from 'node:crypto';
import { TokenVerificationError } from '../errors';
import type { DecodedJwt } from './decode';

/**
 * Checks the RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature of `decoded` against each candidate
 * key in turn; one match is enough. The algorithm is fixed here: the header was already required
 * to say RS256, and the keys to be RSA.
 *
 * @throws {@link TokenVerificationError} `ERR_TOKEN_SIGNATURE` when no candidate verifies it.
 * @example
 * ```ts
 * verifySignature(decodeJwt(token), [signingKey.publicKey]); // throws ERR_TOKEN_SIGNATURE
 * ```
 */
export function verifySignature(decoded: DecodedJwt, candidates: readonly KeyObject[]): void {
  if (decoded.signature.length === 0) {
    throw new TokenVerificationError('ERR_TOKEN_SIGNATURE', 'token has no signature');
  }
  const data = Buffer.from(decoded.signingInput, 'ascii');
  let failure: unknown;
  for (const key of candidates) {
    try {
      if (verify('sha256', data, key, decoded.signature)) return;
    } catch (cause) {
      // OpenSSL may throw rather than return false for a signature of the wrong size.
      failure = cause;
    }
  }
  throw new TokenVerificationError(
    'ERR_TOKEN_SIGNATURE',
    `token signature does not verify with ${candidates.length === 1 ? 'the trusted key' : `any of the ${candidates.length} trusted keys`}: it was tampered with or signed by another key`,
    failure === undefined ? undefined : { cause: failure },
  );
}
