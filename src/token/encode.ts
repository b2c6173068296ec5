import { sign, type KeyObject } from 'node:crypto';
import { InvalidClaimError } from '../errors';
import type { SigningKey } from '../keys/signing-key';
import { MAX_TOKEN_LENGTH } from '../verify/decode';
import type { AiAccessTokenHeader } from './claims';

// RS256 = RSASSA-PKCS1-v1_5 with SHA-256, which is what `crypto.sign('sha256', …)` does with an RSA
// key by default. PKCS#1 v1.5 signatures are deterministic, so the same input and key always give
// the same token, whichever path (sync or async) signed it — and the same bytes jsonwebtoken
// produces for the same header and payload.
const DIGEST = 'sha256';

// The header depends only on the key, so its encoded segment is computed once per key.
const headerSegments = new WeakMap<SigningKey, string>();

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * The JOSE header of a token signed by `key`: `{ alg: 'RS256', typ: 'JWT', kid }`, in that key
 * order (the order jsonwebtoken writes).
 */
export function headerFor(key: SigningKey): AiAccessTokenHeader {
  return { alg: 'RS256', typ: 'JWT', kid: key.kid };
}

/**
 * The JWS signing input `base64url(JSON(header)).base64url(JSON(payload))`, built once per token
 * and signed as is.
 */
export function signingInput(key: SigningKey, payload: object): string {
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
export function assertTokenLength(input: string, key: SigningKey): void {
  const signatureChars = Math.ceil((Math.ceil(key.modulusLength / 8) * 4) / 3);
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
