import { TokenVerificationError } from '../errors';
import { describe } from '../time';

/**
 * The only algorithm accepted. Fixed here, never read from the token or from options.
 *
 * @example
 * ```ts
 * header.alg === ACCEPTED_ALGORITHM; // required before any signature work
 * ```
 */
export const ACCEPTED_ALGORITHM = 'RS256';

// Headers that carry or point at a key: trusting one lets the token choose its own key. They are
// refused rather than ignored, so a token built to attack a lenient verifier is named as such.
const KEY_HEADERS: readonly string[] = ['jku', 'x5u', 'jwk', 'x5c'];

/**
 * The facts of a header that verification goes on with.
 *
 * @example
 * ```ts
 * const { kid }: CheckedHeader = checkHeader(decoded.header);
 * ```
 */
export interface CheckedHeader {
  readonly kid: string | undefined;
}

/**
 * Checks a decoded header before any key lookup or signature work: `alg` must be `RS256`
 * (`ERR_TOKEN_ALGORITHM`); `crit`, `jku`, `x5u`, `jwk` and `x5c` must be absent and `kid`, when
 * present, a string (`ERR_TOKEN_MALFORMED`).
 *
 * @throws {@link TokenVerificationError}
 * @example
 * ```ts
 * const { kid } = checkHeader(decodeJwt(token).header); // throws before any key lookup
 * ```
 */
export function checkHeader(header: Readonly<Record<string, unknown>>): CheckedHeader {
  const alg = Object.hasOwn(header, 'alg') ? header.alg : undefined;
  if (alg !== ACCEPTED_ALGORITHM) {
    throw new TokenVerificationError(
      'ERR_TOKEN_ALGORITHM',
      alg === 'none'
        ? 'token is unsigned (alg "none"); only RS256 tokens are accepted'
        : `token alg is ${describe(alg)}; only RS256 is accepted`,
    );
  }
  if (Object.hasOwn(header, 'crit')) {
    throw new TokenVerificationError(
      'ERR_TOKEN_MALFORMED',
      'token header has "crit": this verifier understands no JWS extensions, so it must refuse the token (RFC 7515 §4.1.11)',
    );
  }
  for (const name of KEY_HEADERS) {
    if (Object.hasOwn(header, name)) {
      throw new TokenVerificationError(
        'ERR_TOKEN_MALFORMED',
        `token header has "${name}": tokens may not name their own key; keys come only from the verifier's configuration`,
      );
    }
  }
  const kid = Object.hasOwn(header, 'kid') ? header.kid : undefined;
  if (kid !== undefined && typeof kid !== 'string') {
    throw new TokenVerificationError(
      'ERR_TOKEN_MALFORMED',
      `token header kid must be a string; got ${describe(kid)}`,
    );
  }
  return { kid };
}
