import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { InvalidEncryptionKeyError, ServiceAccessTokenDecryptionError } from '../errors';
import { describe } from '../time';

/**
 * Environment variable holding the base64 encoded 32-byte key that encrypts stored service access
 * tokens, read when the `encryptionKey` option is not given.
 *
 * @example
 * ```ts
 * // node -e "console.log(crypto.randomBytes(32).toString('base64'))"
 * process.env[ENV_DB_KEY] = 'q3v1…=';
 * ```
 */
export const ENV_DB_KEY = 'AI_ACCESS_TOKEN_DB_KEY';

/**
 * A key that encrypts stored service access tokens: exactly 32 bytes, as a Buffer or as base64
 * text (standard or URL-safe alphabet, padding optional).
 *
 * @example
 * ```ts
 * const key: EncryptionKeyInput = crypto.randomBytes(32);
 * ```
 */
export type EncryptionKeyInput = Buffer | string;

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/** A token encrypted for storage: the ciphertext with its 16-byte GCM tag appended, and its IV. */
export interface EncryptedToken {
  readonly ciphertext: Buffer;
  readonly iv: Buffer;
}

/**
 * AES-256-GCM with a fresh random 12-byte IV per value. The authentication tag is stored after
 * the ciphertext; the associated data binds a ciphertext to the row's other columns, so moving a
 * ciphertext to another row is detected like any other modification.
 */
export class TokenCipher {
  readonly #key: KeyObject;

  private constructor(key: KeyObject) {
    this.#key = key;
  }

  /**
   * The cipher for the `encryptionKey` option, else for {@link ENV_DB_KEY}.
   *
   * @throws {@link InvalidEncryptionKeyError} when neither is set, or the key is not 32 bytes.
   */
  static fromOption(
    option: EncryptionKeyInput | undefined,
    env: NodeJS.ProcessEnv = process.env,
  ): TokenCipher {
    if (option !== undefined) return new TokenCipher(keyFrom('encryptionKey', option));
    const fromEnv = env[ENV_DB_KEY];
    if (fromEnv === undefined || fromEnv.trim() === '') {
      throw new InvalidEncryptionKeyError(
        'missing',
        `no encryption key: pass encryptionKey (${KEY_BYTES} bytes, a Buffer or base64 text) or set ${ENV_DB_KEY} (base64)`,
      );
    }
    return new TokenCipher(keyFrom(ENV_DB_KEY, fromEnv));
  }

  encrypt(plaintext: string, associatedData: Buffer): EncryptedToken {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData);
    const ciphertext = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return { ciphertext, iv };
  }

  /**
   * @param what - names the value in the error, e.g. `row 3 of service_access_tokens`.
   * @throws {@link ServiceAccessTokenDecryptionError} when the key is wrong or anything was modified.
   */
  decrypt(
    encrypted: { ciphertext: unknown; iv: unknown },
    associatedData: Buffer,
    what: string,
  ): string {
    const { ciphertext, iv } = encrypted;
    if (!Buffer.isBuffer(ciphertext) || ciphertext.length < TAG_BYTES) {
      throw new ServiceAccessTokenDecryptionError(
        `cannot decrypt ${what}: the encrypted token is not ciphertext with a ${TAG_BYTES}-byte tag (the row was modified)`,
      );
    }
    if (!Buffer.isBuffer(iv) || iv.length !== IV_BYTES) {
      throw new ServiceAccessTokenDecryptionError(
        `cannot decrypt ${what}: the IV is not ${IV_BYTES} bytes (the row was modified)`,
      );
    }
    const tagStart = ciphertext.length - TAG_BYTES;
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData);
      decipher.setAuthTag(ciphertext.subarray(tagStart));
      return Buffer.concat([
        decipher.update(ciphertext.subarray(0, tagStart)),
        decipher.final(),
      ]).toString('utf8');
    } catch (cause) {
      throw new ServiceAccessTokenDecryptionError(
        `cannot decrypt ${what}: the encryption key is not the one it was stored with, or the row was modified`,
        { cause },
      );
    }
  }
}

function keyFrom(option: string, value: unknown): KeyObject {
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) {
    bytes = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (!BASE64.test(text)) {
      throw new InvalidEncryptionKeyError(
        'malformed',
        `${option} must be base64 text of ${KEY_BYTES} bytes; it contains characters base64 does not use`,
      );
    }
    bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  } else {
    throw new InvalidEncryptionKeyError(
      'malformed',
      `${option} must be a Buffer or base64 text of ${KEY_BYTES} bytes; got ${describe(value)}`,
    );
  }
  if (bytes.length !== KEY_BYTES) {
    throw new InvalidEncryptionKeyError(
      'wrong-length',
      `${option} must be exactly ${KEY_BYTES} bytes for AES-256-GCM; got ${bytes.length} bytes`,
    );
  }
  // createSecretKey copies the bytes: a caller that later wipes its Buffer does not break the store.
  return createSecretKey(Buffer.from(bytes));
}
