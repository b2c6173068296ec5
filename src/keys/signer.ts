import { InvalidSigningKeyError } from '../errors';
import type { PublicJwk } from './jwk';

/**
 * Anything that produces RS256 signatures (RSASSA-PKCS1-v1_5 with SHA-256) for one RSA key:
 * a {@link SigningKey}, a key in an HSM (`openPkcs11Signer` from `ai-access-token/pkcs11`) or in a
 * cloud KMS. The private key need never be in this process; tokens, issuers, rings, schedules,
 * `jwks()` and the discovery handler take a `Signer` wherever they take a `SigningKey`.
 *
 * `sign` receives the JWS signing input (the bytes of `header.payload`), not a digest: hash it
 * with SHA-256 yourself when the service signs digests. A signer that is not a `SigningKey` signs
 * only asynchronously, so mint with `encodedAsync()` or `issueAsync()`.
 *
 * @example
 * ```ts
 * import type { PublicJwk, Signer } from 'ai-access-token';
 * declare const jwk: PublicJwk;
 * declare function signWithKms(digest: Uint8Array): Promise<Uint8Array>;
 *
 * const signer: Signer = {
 *   kid: jwk.kid,
 *   publicJwk: () => jwk,
 *   sign: async (input) => signWithKms(crypto.createHash('sha256').update(input).digest()),
 * };
 * ```
 */
export interface Signer {
  /** The key id written to the `kid` header; the RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  /** The public key as a JWK (RSA, `alg: 'RS256'`, `use: 'sig'`, this `kid`), for the JWKS. */
  publicJwk(): PublicJwk;
  /** The RS256 signature of `signingInput`: exactly the modulus length in bytes. */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

// A signer is checked once (edge), not per token: tokens built with it skip the check.
const checked = new WeakMap<object, number>();

/**
 * Whether `value` has a `Signer`'s shape. Cheap: for telling a signer from PEM text, a KeyObject
 * or a function.
 */
export function looksLikeSigner(value: unknown): value is Signer {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Signer>;
  return (
    typeof candidate.kid === 'string' &&
    typeof candidate.publicJwk === 'function' &&
    typeof candidate.sign === 'function'
  );
}

/**
 * Checks a signer once: a non-empty `kid` equal to its public JWK's `kid`, an RSA JWK of at least
 * 2048 bits for RS256. Returns the signature length in bytes (the modulus length).
 *
 * @throws {@link InvalidSigningKeyError} naming the rule broken.
 */
export function checkSigner(signer: Signer, option = 'signingKey'): number {
  const known = checked.get(signer);
  if (known !== undefined) return known;
  if (!looksLikeSigner(signer)) {
    throw new InvalidSigningKeyError(
      'malformed',
      `${option} must be a SigningKey or a Signer ({ kid, publicJwk(), sign() })`,
    );
  }
  if (signer.kid === '') {
    throw new InvalidSigningKeyError('malformed', `${option}: a Signer's kid must not be empty`);
  }
  const jwk = signer.publicJwk() as Partial<PublicJwk> | null;
  if (
    jwk === null ||
    typeof jwk !== 'object' ||
    jwk.kty !== 'RSA' ||
    typeof jwk.n !== 'string' ||
    typeof jwk.e !== 'string'
  ) {
    throw new InvalidSigningKeyError(
      'not-rsa',
      `${option}: a Signer's publicJwk() must be an RSA JWK with n and e (RS256 only)`,
    );
  }
  if (jwk.kid !== signer.kid || jwk.alg !== 'RS256' || jwk.use !== 'sig') {
    throw new InvalidSigningKeyError(
      'malformed',
      `${option}: a Signer's publicJwk() must carry alg 'RS256', use 'sig' and the signer's kid`,
    );
  }
  const bytes = Buffer.from(jwk.n, 'base64url').length;
  if (bytes * 8 < 2048) {
    throw new InvalidSigningKeyError(
      'too-small',
      `${option}: a Signer's key is RSA-${bytes * 8}; RS256 signing needs at least 2048 bits`,
    );
  }
  checked.set(signer, bytes);
  return bytes;
}
