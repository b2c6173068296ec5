import {
  KeyObject,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ENV_KEY_SCHEDULE_FILE, ENV_SIGNING_KEY, ENV_SIGNING_KEY_FILE } from '../constants';
import { InvalidSigningKeyError, NoSigningKeyError } from '../errors';
import type { PublicJwk } from './jwk';
import type { Signer } from './signer';
import { detachedPublicKey } from './detached-public-key';
import { rsaPublicComponents, rsaThumbprint, type RsaPublicComponents } from './thumbprint';

/** Smallest RSA modulus accepted for RS256 signing, in bits. */
export const MIN_MODULUS_LENGTH = 2048;
const MAX_MODULUS_LENGTH = 16_384;

/**
 * Options of {@link SigningKey.fromPem}.
 *
 * @example
 * ```ts
 * const options: FromPemOptions = { passphrase: process.env.KEY_PASSPHRASE };
 * ```
 */
export interface FromPemOptions {
  /** Passphrase of an encrypted PEM (`BEGIN ENCRYPTED PRIVATE KEY` or `Proc-Type: 4,ENCRYPTED`). */
  passphrase?: string | undefined;
}

/**
 * Options of {@link SigningKey.generate}.
 *
 * @example
 * ```ts
 * SigningKey.generate({ modulusLength: 3072 });
 * ```
 */
export interface GenerateSigningKeyOptions {
  /** RSA modulus length in bits, at least 2048. Default 2048. */
  modulusLength?: number;
}

/**
 * An RSA private key (at least 2048 bits) that signs RS256 tokens, parsed once into a
 * `KeyObject`, with its RFC 7638 thumbprint as `kid`.
 *
 * Printing it (`console.log`, `JSON.stringify`, `util.inspect`) shows only the `kid` and the public
 * JWK, never private material.
 *
 * @example
 * ```ts
 * import { SigningKey } from 'ai-access-token';
 * const key = SigningKey.fromPem(fs.readFileSync('signing-key.pem', 'utf8'));
 * key.kid; // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 * ```
 */
export class SigningKey implements Signer {
  /** RFC 7638 JWK thumbprint of the public key; the `kid` header of every token it signs. */
  readonly kid: string;
  /** The parsed private key. Handle with care: it is the secret. */
  readonly privateKey: KeyObject;
  /** The public half, for verification. */
  readonly publicKey: KeyObject;
  /** RSA modulus length in bits. */
  readonly modulusLength: number;
  readonly #components: RsaPublicComponents;

  private constructor(privateKey: KeyObject, publicKey: KeyObject) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.#components = rsaPublicComponents(publicKey);
    this.kid = rsaThumbprint(this.#components);
    this.modulusLength = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    Object.freeze(this);
  }

  /**
   * Parses a PEM private key (PKCS#8 or PKCS#1, optionally encrypted).
   *
   * @throws {@link InvalidSigningKeyError} for garbage text, a public key, a non-RSA key, an RSA key
   * under 2048 bits, or an encrypted key without or with a wrong passphrase.
   * @example
   * ```ts
   * const key = SigningKey.fromPem(pem, { passphrase: 'correct horse' });
   * ```
   */
  static fromPem(pem: string, options: FromPemOptions = {}): SigningKey {
    if (typeof pem !== 'string') {
      throw new InvalidSigningKeyError('malformed', 'signing key must be PEM text (a string)');
    }
    const { passphrase } = options;
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem);
    if (encrypted && (passphrase === undefined || passphrase === '')) {
      throw new InvalidSigningKeyError(
        'passphrase-required',
        'signing key is an encrypted PEM; pass its passphrase',
      );
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase });
    } catch (cause) {
      if (encrypted) {
        throw new InvalidSigningKeyError(
          'wrong-passphrase',
          'signing key could not be decrypted: the passphrase is wrong',
          { cause },
        );
      }
      if (isPublicKeyText(pem)) {
        throw new InvalidSigningKeyError(
          'public-key',
          'signing key is a public key; RS256 signing needs the RSA private key',
        );
      }
      throw new InvalidSigningKeyError(
        'malformed',
        'signing key is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----")',
        { cause },
      );
    }
    return SigningKey.fromKeyObject(key);
  }

  /**
   * Wraps an already parsed private `KeyObject`.
   *
   * @throws {@link InvalidSigningKeyError} when it is public, secret, not RSA, or under 2048 bits.
   * @example
   * ```ts
   * const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
   * const key = SigningKey.fromKeyObject(privateKey);
   * ```
   */
  static fromKeyObject(keyObject: KeyObject): SigningKey {
    if (!(keyObject instanceof KeyObject)) {
      throw new InvalidSigningKeyError('malformed', 'signing key must be a crypto.KeyObject');
    }
    if (keyObject.type === 'public') {
      throw new InvalidSigningKeyError(
        'public-key',
        'signing key is a public key; RS256 signing needs the RSA private key',
      );
    }
    if (keyObject.type === 'secret') {
      throw new InvalidSigningKeyError(
        'secret-key',
        'signing key is a symmetric secret; RS256 signing needs an RSA private key',
      );
    }
    if (keyObject.asymmetricKeyType !== 'rsa') {
      throw new InvalidSigningKeyError(
        'not-rsa',
        `signing key is a ${String(keyObject.asymmetricKeyType)} key; RS256 signing needs an RSA private key`,
      );
    }
    const publicKey = detachedPublicKey(keyObject);
    const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_MODULUS_LENGTH) {
      throw new InvalidSigningKeyError(
        'too-small',
        `signing key is RSA-${bits}; RS256 signing needs at least ${MIN_MODULUS_LENGTH} bits`,
      );
    }
    return new SigningKey(keyObject, publicKey);
  }

  /**
   * Reads the key configured in the environment: `AI_ACCESS_TOKEN_SIGNING_KEY` (PEM text) or,
   * when that is unset, `AI_ACCESS_TOKEN_SIGNING_KEY_FILE` (path of a PEM file). A single key: it
   * does not read `AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE`, which tokens and issuers given no
   * `signingKey` read first (use `KeySchedule.fromFile` for it).
   *
   * @throws {@link NoSigningKeyError} when neither variable is set.
   * @throws {@link InvalidSigningKeyError} when the key is unusable or the file cannot be read.
   * @example
   * ```ts
   * const key = SigningKey.fromEnv(); // reads process.env
   * ```
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): SigningKey {
    return signingKeyFromEnvOrNull(env) ?? throwNoSigningKey();
  }

  /**
   * Generates a fresh RSA key pair (synchronously; 2048 bits takes tens to hundreds of
   * milliseconds). For demos, tests and `keygen`; production keys are usually provisioned.
   *
   * @example
   * ```ts
   * const key = SigningKey.generate();
   * ```
   */
  static generate(options: GenerateSigningKeyOptions = {}): SigningKey {
    const modulusLength = options.modulusLength ?? MIN_MODULUS_LENGTH;
    if (
      !Number.isInteger(modulusLength) ||
      modulusLength < MIN_MODULUS_LENGTH ||
      modulusLength > MAX_MODULUS_LENGTH ||
      modulusLength % 8 !== 0
    ) {
      throw new InvalidSigningKeyError(
        'too-small',
        `modulusLength must be a multiple of 8 from ${MIN_MODULUS_LENGTH} to ${MAX_MODULUS_LENGTH}; got ${String(modulusLength)}`,
      );
    }
    // DER out of the generation job and parsed again, not the job's own KeyObject: see
    // detachedPublicKey.
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    });
    return SigningKey.fromKeyObject(
      createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' }),
    );
  }

  /**
   * The public JWK to publish in a JWKS document.
   *
   * @example
   * ```ts
   * key.publicJwk(); // { kty: 'RSA', n, e, alg: 'RS256', use: 'sig', kid }
   * ```
   */
  publicJwk(): PublicJwk {
    const { kty, n, e } = this.#components;
    return { kty, n, e, alg: 'RS256', use: 'sig', kid: this.kid };
  }

  /**
   * The RS256 signature of `signingInput`, computed in libuv's thread pool: the {@link Signer}
   * contract. Tokens signed with a `SigningKey` do not go through it (they sign with
   * `privateKey` directly, also synchronously).
   *
   * @example
   * ```ts
   * const signature = await key.sign(Buffer.from(`${header}.${payload}`));
   * ```
   */
  sign(signingInput: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      try {
        cryptoSign('sha256', signingInput, this.privateKey, (error, signature) => {
          if (error !== null) reject(error);
          else resolve(signature);
        });
      } catch (error: unknown) {
        // Node's own argument errors, passed on as they are (see signCompactAsync).
        const nodeError = error as Error;
        reject(nodeError);
      }
    });
  }

  /**
   * The private key as PKCS#8 PEM, e.g. to write a freshly generated key to a file.
   *
   * @example
   * ```ts
   * fs.writeFileSync('signing-key.pem', SigningKey.generate().toPem(), { mode: 0o600 });
   * ```
   */
  toPem(): string {
    return this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /** Serialises as the public JWK, so logging a key never leaks it. */
  toJSON(): PublicJwk {
    return this.publicJwk();
  }

  /** `util.inspect` shows the kid and size only. */
  [inspect.custom](): string {
    return `SigningKey { kid: '${this.kid}', modulusLength: ${this.modulusLength} }`;
  }
}

function isPublicKeyText(pem: string): boolean {
  try {
    createPublicKey(pem);
    return true;
  } catch {
    return false;
  }
}

/** The key the environment configures, or `null` when none is. Parses are memoised by text. */
export function signingKeyFromEnvOrNull(env: NodeJS.ProcessEnv): SigningKey | null {
  const pem = env[ENV_SIGNING_KEY];
  if (pem !== undefined && pem !== '') return parsePemCached(pem);
  const file = env[ENV_SIGNING_KEY_FILE];
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      // Node's fs errors always carry a code (ENOENT, EACCES, EISDIR, ...).
      throw new InvalidSigningKeyError(
        'unreadable-file',
        `${ENV_SIGNING_KEY_FILE} names a file that cannot be read (${String((cause as NodeJS.ErrnoException).code)})`,
        { cause },
      );
    }
    return parsePemCached(text);
  }
  return null;
}

function throwNoSigningKey(): never {
  throw new NoSigningKeyError(
    `no signing key: pass signingKey or set ${ENV_SIGNING_KEY} (PEM text), ${ENV_SIGNING_KEY_FILE} (path to a PEM file) or ${ENV_KEY_SCHEDULE_FILE} (path to a key schedule)`,
  );
}

// Minting must not read a file per token: the key file named by the environment is read once per
// path per process (rotate with a key schedule instead).
const keyFileCache = new Map<string, SigningKey>();

/**
 * The signing key tokens fall back to when none is given: the environment's, with the key file
 * read once per path.
 *
 * @throws {@link NoSigningKeyError} when the environment configures none.
 */
export function defaultSigningKey(env: NodeJS.ProcessEnv = process.env): SigningKey {
  const pem = env[ENV_SIGNING_KEY];
  const file = env[ENV_SIGNING_KEY_FILE];
  if ((pem === undefined || pem === '') && file !== undefined && file !== '') {
    let key = keyFileCache.get(file);
    if (key === undefined) {
      key = signingKeyFromEnvOrNull(env) ?? throwNoSigningKey();
      keyFileCache.set(file, key);
    }
    return key;
  }
  return signingKeyFromEnvOrNull(env) ?? throwNoSigningKey();
}

// Parsing a PEM costs far more than a signature, so PEM text given per token (or read from the
// environment) is parsed once. Bounded: a process uses a handful of keys at most.
const pemCache = new Map<string, SigningKey>();
const PEM_CACHE_SIZE = 8;

/** Parses PEM text once per distinct text. */
export function parsePemCached(pem: string): SigningKey {
  let key = pemCache.get(pem);
  if (key === undefined) {
    key = SigningKey.fromPem(pem);
    if (pemCache.size >= PEM_CACHE_SIZE) {
      const oldest = pemCache.keys().next().value;
      if (oldest !== undefined) pemCache.delete(oldest);
    }
    pemCache.set(pem, key);
  }
  return key;
}
