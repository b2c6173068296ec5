/**
 * The public half of a signing key as published in a JWKS document. Never has private members.
 *
 * @example
 * ```ts
 * const jwk: PublicJwk = key.publicJwk();
 * // { kty: 'RSA', n: '0vx7…', e: 'AQAB', alg: 'RS256', use: 'sig', kid: 'NzbLsX…' }
 * ```
 */
export interface PublicJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
  readonly kid: string;
}

/**
 * A JSON Web Key Set: what a backend serves at its `jwks_uri`.
 *
 * @example
 * ```ts
 * const set: Jwks = ring.jwks(); // { keys: [current, ...previous] }
 * ```
 */
export interface Jwks {
  readonly keys: readonly PublicJwk[];
}
