import type { KeyObject } from 'node:crypto';
import type jwt from 'jsonwebtoken';
import { TokenVerificationError } from '../errors';
import type { DecodedJwt } from './decode';
import { jsonwebtoken } from './jsonwebtoken';

// jsonwebtoken checks the signature only: the header was already checked (RS256, no crit, no
// remote keys) and the claims are checked strictly afterwards by check-claims.ts, so its own
// (lenient) time checks are switched off and the algorithm list is fixed here.
const SIGNATURE_ONLY: jwt.VerifyOptions = {
  algorithms: ['RS256'],
  ignoreExpiration: true,
  ignoreNotBefore: true,
};

/**
 * Checks the RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature of `decoded` against each candidate
 * key in turn, with `jsonwebtoken`; one match is enough. Its errors are translated here, once,
 * into `ERR_TOKEN_SIGNATURE`, with the last one kept as `cause`.
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
  // decodeJwt only accepts canonical base64url, so this is the token exactly as received.
  const token = `${decoded.signingInput}.${decoded.signature.toString('base64url')}`;
  const { verify } = jsonwebtoken();
  let failure: unknown;
  for (const key of candidates) {
    try {
      verify(token, key, SIGNATURE_ONLY);
      return;
    } catch (cause) {
      failure = cause;
    }
  }
  throw new TokenVerificationError(
    'ERR_TOKEN_SIGNATURE',
    `token signature does not verify with ${candidates.length === 1 ? 'the trusted key' : `any of the ${candidates.length} trusted keys`}: it was tampered with or signed by another key`,
    { cause: failure },
  );
}
