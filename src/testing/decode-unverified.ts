import { decodeJwt } from '../verify/decode';

/**
 * The header and claims of a JWT as {@link decodeUnverified} returns them: plain JSON objects,
 * **not verified**.
 *
 * @example
 * ```ts
 * const { header, payload }: UnverifiedToken = decodeUnverified(encoded);
 * ```
 */
export interface UnverifiedToken {
  /** The JOSE header (`alg`, `typ`, `kid`, …). */
  readonly header: Record<string, unknown>;
  /** The claims. */
  readonly payload: Record<string, unknown>;
}

/**
 * **For tests.** Decodes an encoded JWT's header and claims without checking its signature or any
 * claim, to assert what a service minted. Use `verifyAiAccessToken` wherever the answer matters.
 *
 * Takes the encoded string only: an `AiAccessToken` already has `header()` and `payload()`.
 *
 * @throws {@link TokenVerificationError} `ERR_TOKEN_MALFORMED` when `token` is not a string holding
 * a compact JWT (three base64url segments whose first two are JSON objects).
 * @example
 * ```ts
 * import { decodeUnverified } from 'ai-access-token/testing';
 *
 * const { header, payload } = decodeUnverified(response.headers['x-gitlab-ai-token']);
 * expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
 * expect(payload.scopes).toEqual(['duo_chat']);
 * ```
 */
export function decodeUnverified(token: string): UnverifiedToken {
  const { header, payload } = decodeJwt(token);
  return { header, payload };
}
