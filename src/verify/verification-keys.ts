import { KeyObject, createPublicKey } from 'node:crypto';
import { InvalidClaimError, TokenVerificationError } from '../errors';
import { detachedPublicKey } from '../keys/detached-public-key';
import type { Jwks } from '../keys/jwk';
import { KeyRing } from '../keys/key-ring';
import { KeySchedule } from '../keys/key-schedule';
import type { Signer } from '../keys/signer';
import { MIN_MODULUS_LENGTH, SigningKey } from '../keys/signing-key';
import { describe } from '../time';

/**
 * One entry of a JWKS document as a server may send it: every member optional and loosely typed,
 * because the document is untrusted JSON. Entries this verifier cannot use for RS256 are skipped;
 * other members (`x5c`, `d`, ...) are never read.
 *
 * @example
 * ```ts
 * const jwk: JsonWebKeyInput = { kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig', n: '…', e: 'AQAB' };
 * ```
 */
export interface JsonWebKeyInput {
  readonly kty?: string | undefined;
  readonly kid?: string | undefined;
  readonly alg?: string | undefined;
  readonly use?: string | undefined;
  readonly key_ops?: readonly string[] | undefined;
  readonly n?: string | undefined;
  readonly e?: string | undefined;
}

/**
 * A JSON Web Key Set as received from an issuer's `jwks_uri` (or built by `ring.jwks()`).
 *
 * @example
 * ```ts
 * const document: JwksDocument = await (await fetch(jwksUri)).json();
 * ```
 */
export interface JwksDocument {
  readonly keys: readonly JsonWebKeyInput[];
}

/**
 * Every form `verifyAiAccessToken` accepts as `keys`: a JWKS document, a {@link KeyRing}, a
 * {@link SigningKey}, a {@link KeySchedule} (the keys it publishes at the verifier's clock, so a
 * retired key stops verifying when it retires), a `crypto.KeyObject` (public, or private whose
 * public half is used), or PEM text (a public key, a certificate, or a private key whose public
 * half is used).
 *
 * @example
 * ```ts
 * const keys: VerificationKeys = ring.jwks();
 * ```
 */
export type VerificationKeys =
  JwksDocument | KeyRing<Signer> | SigningKey | KeySchedule<Signer> | KeyObject | string;

/**
 * A public key the verifier trusts. `kid` is `undefined` for a key that came without one (a bare
 * `KeyObject` or PEM, or a JWK without `kid`): such a key is tried whatever the token's `kid`.
 *
 * @example
 * ```ts
 * const trusted: VerificationKey = { kid: key.kid, key: key.publicKey };
 * ```
 */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly key: KeyObject;
}

// Resolving keys parses PEM or JWK, which costs far more than a verification: do it once per keys
// object. Key inputs are treated as immutable; a JWKS whose `keys` array is replaced or resized is
// re-read.
const objectCache = new WeakMap<
  object,
  { source: unknown; length: number; keys: readonly VerificationKey[] }
>();
const pemCache = new Map<string, readonly VerificationKey[]>();
const PEM_CACHE_SIZE = 16;

/**
 * The public keys `keys` stands for, resolved once per input and cached.
 *
 * @throws {@link InvalidClaimError} (option `keys`) when `keys` is none of the accepted forms, is
 * not an RSA key of at least 2048 bits, or is a JWKS with no usable RS256 key.
 * @example
 * ```ts
 * const trusted = resolveVerificationKeys(ring.jwks()); // same array on every call with that object
 * ```
 */
export function resolveVerificationKeys(keys: unknown): readonly VerificationKey[] {
  if (typeof keys === 'string') return resolvePem(keys);
  if (typeof keys !== 'object' || keys === null) {
    throw invalidKeys(
      `keys must be a JWKS, KeyRing, SigningKey, KeyObject or PEM text; got ${describe(keys)}`,
    );
  }
  const source: unknown =
    keys instanceof KeyRing || keys instanceof SigningKey || keys instanceof KeyObject
      ? undefined
      : (keys as { keys?: unknown }).keys;
  const length = Array.isArray(source) ? source.length : -1;
  const cached = objectCache.get(keys);
  if (cached !== undefined && cached.source === source && cached.length === length) {
    return cached.keys;
  }
  const resolved = Object.freeze(resolveObject(keys));
  objectCache.set(keys, { source, length, keys: resolved });
  return resolved;
}

function resolveObject(keys: object): VerificationKey[] {
  if (keys instanceof KeyRing) {
    // A ring may hold Signers (HSM or KMS keys) whose public key is known only as a JWK.
    return (keys as KeyRing<Signer>).keys.map((key) => ({ kid: key.kid, key: publicKeyOf(key) }));
  }
  if (keys instanceof SigningKey) return [{ kid: keys.kid, key: keys.publicKey }];
  if (keys instanceof KeyObject) return [{ kid: undefined, key: publicRsaKey(keys) }];
  const entries = (keys as { keys?: unknown }).keys;
  if (!Array.isArray(entries)) {
    throw invalidKeys(
      `keys must be a JWKS ({ keys: [...] }), KeyRing, SigningKey, KeyObject or PEM text; got ${describe(keys)}`,
    );
  }
  const resolved = publicKeysFromJwks({ keys: entries as unknown[] as JsonWebKeyInput[] });
  if (resolved.length === 0) {
    throw invalidKeys(
      `keys is a JWKS with no usable key: none of its ${entries.length} entries is an RSA key of at least ${MIN_MODULUS_LENGTH} bits for RS256 signatures`,
    );
  }
  return resolved;
}

/**
 * The usable RS256 verification keys of a JWKS document, in document order. Entries that are not
 * objects, not `kty: 'RSA'`, declare another `alg`, `use: 'enc'`, `key_ops` without `verify`,
 * cannot be parsed, or are under 2048 bits are skipped, as a JWKS consumer must skip what it does
 * not understand. Private members (`d`, `p`, ...) are never read: only `n` and `e` are used.
 * Returns an empty array when nothing is usable; callers decide whether that is an error.
 *
 * @throws {@link InvalidClaimError} (option `keys`) when `document` is not `{ keys: [...] }`.
 * @example
 * ```ts
 * const keys = publicKeysFromJwks(await response.json()); // [] when nothing is usable
 * ```
 */
export function publicKeysFromJwks(document: JwksDocument): VerificationKey[] {
  const entries: unknown = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(entries)) {
    throw invalidKeys(`a JWKS must be an object with a "keys" array; got ${describe(document)}`);
  }
  const result: VerificationKey[] = [];
  for (const entry of entries as unknown[]) {
    const key = publicKeyFromJwk(entry);
    if (key !== null) result.push(key);
  }
  return result;
}

function publicKeyFromJwk(entry: unknown): VerificationKey | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const jwk = entry as JsonWebKeyInput;
  if (jwk.kty !== 'RSA') return null;
  if (jwk.alg !== undefined && jwk.alg !== 'RS256') return null;
  if (jwk.use !== undefined && jwk.use !== 'sig') return null;
  if (
    jwk.key_ops !== undefined &&
    !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))
  ) {
    return null;
  }
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return null;
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return null;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
  } catch {
    return null;
  }
  if (!isStrongRsa(key)) return null;
  return { kid: jwk.kid, key };
}

function resolvePem(pem: string): readonly VerificationKey[] {
  let resolved = pemCache.get(pem);
  if (resolved === undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw invalidKeys(
        'keys is a string but not a PEM public key, certificate or private key ("-----BEGIN PUBLIC KEY-----")',
      );
    }
    resolved = Object.freeze([{ kid: undefined, key: publicRsaKey(key) }]);
    if (pemCache.size >= PEM_CACHE_SIZE) {
      const oldest = pemCache.keys().next().value;
      if (oldest !== undefined) pemCache.delete(oldest);
    }
    pemCache.set(pem, resolved);
  }
  return resolved;
}

const scheduleKeys = new WeakMap<Jwks, readonly VerificationKey[]>();

/**
 * The keys `schedule` publishes at `at`: its JWKS at that time, as the schedule's own public key
 * objects (nothing parsed), computed once per phase of the schedule.
 *
 * @example
 * ```ts
 * const trusted = scheduleKeysAt(schedule, readClock(rules.now)); // [] before the first publication
 * ```
 */
export function scheduleKeysAt(
  schedule: KeySchedule<Signer>,
  at: Date,
): readonly VerificationKey[] {
  const jwks = schedule.jwksAt(at);
  let keys = scheduleKeys.get(jwks);
  if (keys === undefined) {
    keys = Object.freeze(
      schedule.entries
        .filter(({ key }) => jwks.keys.some((jwk) => jwk.kid === key.kid))
        .map(({ key }) => Object.freeze({ kid: key.kid, key: publicKeyOf(key) })),
    );
    scheduleKeys.set(jwks, keys);
  }
  return keys;
}

const signerPublicKeys = new WeakMap<Signer, KeyObject>();

// A Signer (an HSM or KMS key) makes its public key known only as a JWK: parsed once per signer,
// so every key set that holds it names the same KeyObject.
function publicKeyOf(key: Signer): KeyObject {
  if (key instanceof SigningKey) return key.publicKey;
  let publicKey = signerPublicKeys.get(key);
  if (publicKey === undefined) {
    publicKey = createPublicKey({ key: { ...key.publicJwk() }, format: 'jwk' });
    signerPublicKeys.set(key, publicKey);
  }
  return publicKey;
}

function publicRsaKey(key: KeyObject): KeyObject {
  if (key.type === 'secret') {
    throw invalidKeys('keys is a symmetric secret; RS256 verification needs an RSA public key');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw invalidKeys(
      `keys is a ${String(key.asymmetricKeyType)} key; RS256 verification needs an RSA public key`,
    );
  }
  const publicKey = detachedPublicKey(key);
  if (!isStrongRsa(publicKey)) {
    throw invalidKeys(
      `keys is RSA-${publicKey.asymmetricKeyDetails?.modulusLength ?? 0}; RS256 verification needs at least ${MIN_MODULUS_LENGTH} bits`,
    );
  }
  return publicKey;
}

function isStrongRsa(key: KeyObject): boolean {
  return (
    key.asymmetricKeyType === 'rsa' &&
    (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_MODULUS_LENGTH
  );
}

function invalidKeys(message: string): InvalidClaimError {
  return new InvalidClaimError('keys', message);
}

/**
 * The keys a token must be verified against: with a `kid`, the trusted keys carrying that `kid`
 * plus any key that came without one; without a `kid`, every trusted key.
 *
 * @throws {@link TokenVerificationError} `ERR_TOKEN_SIGNATURE` when no trusted key can apply (an
 * unknown `kid`, e.g. a key rotated out of the ring).
 * @example
 * ```ts
 * verifySignature(decoded, candidateKeys(kid, resolved.keys));
 * ```
 */
export function candidateKeys(
  kid: string | undefined,
  keys: readonly VerificationKey[],
): KeyObject[] {
  const candidates =
    kid === undefined
      ? keys.map((entry) => entry.key)
      : keys
          .filter((entry) => entry.kid === undefined || entry.kid === kid)
          .map((entry) => entry.key);
  if (candidates.length === 0) {
    throw new TokenVerificationError(
      'ERR_TOKEN_SIGNATURE',
      kid === undefined
        ? 'no trusted key to verify the signature with'
        : `no trusted key has kid ${showKid(kid)}: the token was signed by an unknown key, or one that has been rotated out`,
    );
  }
  return candidates;
}

/**
 * A `kid` for messages: it is not secret, but it is attacker-chosen, so its length is capped.
 *
 * @example
 * ```ts
 * showKid('k1'); // '"k1"'
 * ```
 */
export function showKid(kid: string): string {
  return kid.length <= 64 ? JSON.stringify(kid) : `(a kid of ${kid.length} characters)`;
}
