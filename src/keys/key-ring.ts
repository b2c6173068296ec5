import { InvalidSigningKeyError } from '../errors';
import type { Jwks } from './jwk';
import { SigningKey } from './signing-key';

/**
 * The keys of one issuer: `current` signs new tokens, and every key (current first, then the
 * previous ones) is published, so tokens signed before a rotation keep verifying until they
 * expire. To rotate keys for receivers that cache the JWKS (the gateway), use a
 * `KeySchedule`; {@link KeyRing.rotate} is safe only with receivers that refetch on an
 * unknown `kid`.
 *
 * @example
 * ```ts
 * let ring = new KeyRing(SigningKey.fromPem(currentPem), [SigningKey.fromPem(previousPem)]);
 * app.get('/oauth/discovery/keys', (req, res) => res.json(ring.jwks()));
 * ring = ring.rotate(SigningKey.generate()); // only for receivers that refetch on an unknown kid
 * ```
 */
export class KeyRing {
  /** The key that signs new tokens. */
  readonly current: SigningKey;
  /** Keys that no longer sign but still verify, newest first. */
  readonly previous: readonly SigningKey[];

  constructor(current: SigningKey, previous: readonly SigningKey[] = []) {
    if (!(current instanceof SigningKey)) {
      throw new InvalidSigningKeyError('malformed', 'KeyRing current key must be a SigningKey');
    }
    if (!Array.isArray(previous) || !previous.every((key) => key instanceof SigningKey)) {
      throw new InvalidSigningKeyError(
        'malformed',
        'KeyRing previous keys must be an array of SigningKey',
      );
    }
    this.current = current;
    const seen = new Set([current.kid]);
    this.previous = Object.freeze(
      previous.filter((key) => (seen.has(key.kid) ? false : (seen.add(key.kid), true))),
    );
    Object.freeze(this);
  }

  /**
   * Every key, current first.
   *
   * @example
   * ```ts
   * ring.keys.map((key) => key.kid);
   * ```
   */
  get keys(): readonly SigningKey[] {
    return [this.current, ...this.previous];
  }

  /**
   * The key with this `kid`, or `undefined`.
   *
   * @example
   * ```ts
   * ring.find(header.kid)?.publicKey;
   * ```
   */
  find(kid: string): SigningKey | undefined {
    return this.keys.find((key) => key.kid === kid);
  }

  /**
   * A new ring whose current key is `next` and whose only previous key is this ring's current
   * one: tokens it signed keep verifying while they live (at most `expiresIn`, one hour by
   * default). Rotate again only after that.
   *
   * `next` signs at once, so this is safe only with receivers that refetch the JWKS when a token
   * carries an unknown `kid`, such as this package's `createRemoteKeySet`. The gateway caches its
   * issuers' JWKS for 24 hours and never refetches on an unknown `kid`: it would reject every
   * token `next` signs until its cache expires. For the gateway, use a `KeySchedule`, which
   * publishes a key 25 hours before it signs.
   *
   * @example
   * ```ts
   * const rotated = ring.rotate(SigningKey.generate());
   * rotated.previous[0] === ring.current; // true
   * ```
   */
  rotate(next: SigningKey): KeyRing {
    return new KeyRing(next, [this.current]);
  }

  /**
   * The JWKS document to publish: every key's public JWK, current first.
   *
   * @example
   * ```ts
   * JSON.stringify(ring.jwks()); // {"keys":[{"kty":"RSA",...}]}
   * ```
   */
  jwks(): Jwks {
    return { keys: this.keys.map((key) => key.publicJwk()) };
  }
}

/**
 * The JWKS document for the given keys and rings, in order, without duplicates.
 *
 * @example
 * ```ts
 * import { jwks } from 'ai-access-token';
 * res.json(jwks(currentKey, previousKey));
 * ```
 */
export function jwks(...keys: readonly (SigningKey | KeyRing)[]): Jwks {
  const seen = new Set<string>();
  const result = [];
  for (const item of keys) {
    for (const key of item instanceof KeyRing ? item.keys : [item]) {
      if (!(key instanceof SigningKey)) {
        throw new InvalidSigningKeyError('malformed', 'jwks() takes SigningKey or KeyRing values');
      }
      if (!seen.has(key.kid)) {
        seen.add(key.kid);
        result.push(key.publicJwk());
      }
    }
  }
  return { keys: result };
}
