import { sign, type KeyObject } from 'node:crypto';
import { AiAccessTokenError, InvalidClaimError, SignerError } from '../errors';
import { checkSigner, type Signer } from '../keys/signer';
import { SigningKey } from '../keys/signing-key';
import { MAX_TOKEN_LENGTH } from '../verify/decode';
import type { AiAccessTokenHeader } from './claims';

// RS256 = RSASSA-PKCS1-v1_5 with SHA-256, which is what `crypto.sign('sha256', …)` does with an RSA
// key by default. PKCS#1 v1.5 signatures are deterministic, so the same input and key always give
// the same token, whichever path (sync or async) signed it — and the same bytes jsonwebtoken
// produces for the same header and payload.
const DIGEST = 'sha256';

// The header depends only on the key, so its encoded segment is computed once per key.
const headerSegments = new WeakMap<Signer, string>();

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * The JOSE header of a token signed by `key`: `{ alg: 'RS256', typ: 'JWT', kid }`, in that key
 * order (the order jsonwebtoken writes).
 */
export function headerFor(key: Signer): AiAccessTokenHeader {
  return { alg: 'RS256', typ: 'JWT', kid: key.kid };
}

/**
 * The JWS signing input `base64url(JSON(header)).base64url(JSON(payload))`, built once per token
 * and signed as is.
 */
export function signingInput(key: Signer, payload: object): string {
  let header = headerSegments.get(key);
  if (header === undefined) {
    header = base64urlJson(headerFor(key));
    headerSegments.set(key, header);
  }
  return `${header}.${base64urlJson(payload)}`;
}

/**
 * Refuses a signing input whose token would be longer than {@link MAX_TOKEN_LENGTH}, which every
 * verifier of this package refuses unread. The signature's length follows from the modulus
 * (RSASSA-PKCS1-v1_5 signs to exactly the modulus' bytes), so the check needs no signature.
 *
 * @throws {@link InvalidClaimError} naming `extraClaims`, the only unbounded part of a token.
 */
export function assertTokenLength(input: string, key: Signer): void {
  const signatureChars = Math.ceil((signatureBytes(key) * 4) / 3);
  const length = input.length + 1 + signatureChars;
  if (length > MAX_TOKEN_LENGTH) {
    throw new InvalidClaimError(
      'extraClaims',
      `extraClaims make the token ${length} characters long; verifiers accept at most ${MAX_TOKEN_LENGTH} (MAX_TOKEN_LENGTH), so shorten extraClaims`,
    );
  }
}

/** Signs `input` on the calling thread and returns the compact JWT `input.signature`. */
export function signCompact(input: string, privateKey: KeyObject): string {
  return `${input}.${sign(DIGEST, Buffer.from(input, 'utf8'), privateKey).toString('base64url')}`;
}

/**
 * Signs `input` in libuv's thread pool (Node's callback form of `crypto.sign`), so the event
 * loop only pays for building the input and encoding the signature. Never throws: every
 * failure rejects.
 */
export function signCompactAsync(input: string, privateKey: KeyObject): Promise<string> {
  return new Promise((resolve, reject) => {
    try {
      sign(DIGEST, Buffer.from(input, 'utf8'), privateKey, (error, signature) => {
        if (error !== null) {
          reject(error);
          return;
        }
        resolve(`${input}.${signature.toString('base64url')}`);
      });
    } catch (error: unknown) {
      // Argument errors are thrown synchronously by crypto.sign even in its callback form. They
      // are Node's own errors, passed on as they are: `instanceof Error` would be false for them
      // inside a vm context (jest), and wrapping them would drop their `code`.
      const nodeError = error as Error;
      reject(nodeError);
    }
  });
}

/** The length of `key`'s RS256 signatures in bytes: its modulus length. */
export function signatureBytes(key: Signer): number {
  return key instanceof SigningKey ? Math.ceil(key.modulusLength / 8) : checkSigner(key);
}

/**
 * Signs `input` with a {@link Signer} (an HSM, a KMS) and returns the compact JWT. The signature
 * must be exactly the modulus length: anything else is the signer's fault, reported as such
 * rather than as a token no verifier accepts.
 */
export async function signCompactWithSigner(input: string, signer: Signer): Promise<string> {
  const expected = signatureBytes(signer);
  let signature: Uint8Array;
  try {
    signature = await signer.sign(Buffer.from(input, 'utf8'));
  } catch (cause) {
    // The signer's own typed errors (a Pkcs11Error naming CKR_…) are more useful as they are.
    if (cause instanceof AiAccessTokenError) throw cause;
    throw new SignerError(signer.kid, `signer ${signer.kid} failed to sign`, { cause });
  }
  if (!(signature instanceof Uint8Array) || signature.length !== expected) {
    throw new SignerError(
      signer.kid,
      `signer ${signer.kid} returned ${signature instanceof Uint8Array ? `${signature.length} bytes` : 'no bytes'}; an RS256 signature of its key is ${expected} bytes`,
    );
  }
  return `${input}.${Buffer.from(signature.buffer, signature.byteOffset, signature.length).toString('base64url')}`;
}
