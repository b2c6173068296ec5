import { InvalidSigningKeyError } from '../errors';
import type { Jwks } from './jwk';
import { checkSigner, type Signer } from './signer';
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
 *
 * The keys may be any {@link Signer} (an HSM or KMS key): `K` is their type, `SigningKey` by default.
 */
export class KeyRing<K extends Signer = SigningKey> {
  /** The key that signs new tokens. */
  readonly current: K;
  /** Keys that no longer sign but still verify, newest first. */
  readonly previous: readonly K[];

  constructor(current: K, previous: readonly K[] = []) {
    if (!isSigner(current)) {
      throw new InvalidSigningKeyError(
        'malformed',
        'KeyRing current key must be a SigningKey or a Signer',
      );
    }
    if (!Array.isArray(previous) || !previous.every(isSigner)) {
      throw new InvalidSigningKeyError(
        'malformed',
        'KeyRing previous keys must be an array of SigningKey or Signer',
      );
    }
    this.current = current;
    const seen = new Set([current.kid]);
    this.previous = Object.freeze(
      (previous as readonly K[]).filter((key) =>
        seen.has(key.kid) ? false : (seen.add(key.kid), true),
      ),
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
  get keys(): readonly K[] {
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
  find(kid: string): K | undefined {
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
  rotate(next: K): KeyRing<K> {
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
 * The JWKS document for the given keys (a `SigningKey` or any {@link Signer}) and rings, in order,
 * without duplicates.
 *
 * @example
 * ```ts
 * import { jwks } from 'ai-access-token';
 * res.json(jwks(currentKey, previousKey));
 * ```
 */
export function jwks(...keys: readonly (Signer | KeyRing<Signer>)[]): Jwks {
  const seen = new Set<string>();
  const result = [];
  for (const item of keys) {
    for (const key of item instanceof KeyRing ? item.keys : [item]) {
      if (!isSigner(key)) {
        throw new InvalidSigningKeyError(
          'malformed',
          'jwks() takes SigningKey, Signer or KeyRing values',
        );
      }
      if (!seen.has(key.kid)) {
        seen.add(key.kid);
        result.push(key.publicJwk());
      }
    }
  }
  return { keys: result };
}

// A SigningKey needs no check; another Signer is checked once (its kid against its JWK).
function isSigner(value: unknown): boolean {
  if (value instanceof SigningKey) return true;
  try {
    checkSigner(value as Signer);
    return true;
  } catch {
    return false;
  }
}
