import { createHash, type KeyObject } from 'node:crypto';

/** The public RSA components of a key, as JWK members (base64url big-endian). */
export interface RsaPublicComponents {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
}

/** Extracts `{ kty, n, e }` from an RSA public or private key. */
export function rsaPublicComponents(key: KeyObject): RsaPublicComponents {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new TypeError('expected an RSA key');
  }
  return { kty: 'RSA', n: jwk.n, e: jwk.e };
}

/**
 * The RFC 7638 JWK thumbprint of an RSA key: base64url(SHA-256) of the canonical JSON of the
 * required members `e`, `kty`, `n`, in that (lexicographic) order, without whitespace.
 */
export function rsaThumbprint({ e, kty, n }: RsaPublicComponents): string {
  const canonical = JSON.stringify({ e, kty, n });
  return createHash('sha256').update(canonical).digest('base64url');
}
