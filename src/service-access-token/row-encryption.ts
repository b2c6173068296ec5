import { randomBytes } from 'node:crypto';
import { ServiceAccessTokenDecryptionError } from '../errors';
import type { TokenCipher } from './encryption';
import { ServiceAccessToken } from './service-access-token';

// How a token row is encrypted, whatever database holds it. Each row carries a random identity
// (`row_uid`) chosen when it is written; the AES-GCM associated data binds the ciphertext to the
// table's name, to that identity and to `expires_at` as an integer. So a ciphertext (with its IV)
// moved to another row or table, an edited expiry, or an expiry stored as another type (SQLite
// lets a BLOB of the same digits sit in an INTEGER column) all fail authentication.

/** Bytes of the random row identity stored in `row_uid`. */
export const ROW_UID_BYTES = 16;

const FORMAT = 'ai-access-token/service-access-token/v2';
const LEGACY_FORMAT = 'ai-access-token/service-access-token/v1';

/**
 * The associated data of a row: a JSON array, so no choice of table name can make two different
 * bindings serialise alike.
 */
export function rowAssociatedData(tableName: string, rowUid: Buffer, expiresAtMs: number): Buffer {
  return Buffer.from(
    JSON.stringify([FORMAT, tableName, rowUid.toString('hex'), 'integer', String(expiresAtMs)]),
  );
}

/**
 * The associated data 0.1.0 wrote: the expiry alone. Only read, for rows without a `row_uid`;
 * the next write re-encrypts them under {@link rowAssociatedData}.
 */
export function legacyAssociatedData(expiresAtMs: number): Buffer {
  return Buffer.from(`${LEGACY_FORMAT};expires_at=${String(expiresAtMs)}`);
}

/** A row as a store reads it, before anything about it is trusted. */
export interface StoredRow {
  /** The primary key, for messages only: it is not authenticated. */
  readonly id: unknown;
  readonly rowUid: unknown;
  readonly ciphertext: unknown;
  readonly iv: unknown;
  readonly expiresAt: unknown;
  /** The storage type of `expires_at` as the database reports it (SQLite's `typeof()`). */
  readonly expiresAtType: string;
}

/** The columns a store writes for a token. */
export interface EncryptedRow {
  readonly rowUid: Buffer;
  readonly ciphertext: Buffer;
  readonly iv: Buffer;
  readonly expiresAtMs: number;
}

/** A decrypted row. */
export interface DecryptedRow {
  readonly token: ServiceAccessToken;
  /** Written by 0.1.0 (no `row_uid`): to be re-encrypted on the next write. */
  readonly legacy: boolean;
}

/** Encrypts and decrypts the rows of one table. */
export class RowCipher {
  readonly #cipher: TokenCipher;
  readonly #tableName: string;
  readonly #acceptLegacy: boolean;

  /**
   * @param acceptLegacy - whether a row without `row_uid` is read as 0.1.0 wrote it; only the
   * SQLite store existed then.
   */
  constructor(cipher: TokenCipher, tableName: string, acceptLegacy: boolean) {
    this.#cipher = cipher;
    this.#tableName = tableName;
    this.#acceptLegacy = acceptLegacy;
  }

  encrypt(token: ServiceAccessToken): EncryptedRow {
    const rowUid = randomBytes(ROW_UID_BYTES);
    const expiresAtMs = token.expiresAt.getTime();
    const { ciphertext, iv } = this.#cipher.encrypt(
      token.token,
      rowAssociatedData(this.#tableName, rowUid, expiresAtMs),
    );
    return { rowUid, ciphertext, iv, expiresAtMs };
  }

  /** @throws {@link ServiceAccessTokenDecryptionError} when the row is not one this table's key wrote. */
  decrypt(row: StoredRow): DecryptedRow {
    const what = `row ${String(row.id)} of ${this.#tableName}`;
    const { expiresAt, rowUid } = row;
    if (
      row.expiresAtType !== 'integer' ||
      typeof expiresAt !== 'number' ||
      !Number.isSafeInteger(expiresAt)
    ) {
      throw new ServiceAccessTokenDecryptionError(
        `cannot decrypt ${what}: its expires_at is stored as ${row.expiresAtType}, not an integer (the row was modified)`,
      );
    }
    let associatedData: Buffer;
    if (rowUid === null && this.#acceptLegacy) {
      associatedData = legacyAssociatedData(expiresAt);
    } else if (Buffer.isBuffer(rowUid) && rowUid.length === ROW_UID_BYTES) {
      associatedData = rowAssociatedData(this.#tableName, rowUid, expiresAt);
    } else {
      throw new ServiceAccessTokenDecryptionError(
        `cannot decrypt ${what}: its row_uid is not ${ROW_UID_BYTES} bytes (the row was modified)`,
      );
    }
    const token = this.#cipher.decrypt(
      { ciphertext: row.ciphertext, iv: row.iv },
      associatedData,
      what,
    );
    return {
      token: new ServiceAccessToken({ token, expiresAt: new Date(expiresAt) }),
      legacy: rowUid === null,
    };
  }
}

/**
 * Receives each row that failed to decrypt while a store looked for the active token: the row
 * was skipped, and the search went on to the next one.
 *
 * @example
 * ```ts
 * const onError: DecryptionErrorHandler = (error) => logger.warn(error.message);
 * ```
 */
export type DecryptionErrorHandler = (error: ServiceAccessTokenDecryptionError) => void;

/**
 * Walks candidate rows, best first, to the first that decrypts. A row that fails is reported and
 * skipped, so a damaged row never hides a valid one; when none decrypts, the first failure is
 * thrown rather than answering "no active token", since a wrong key should be loud.
 */
export class LatestRowPicker {
  readonly #rows: RowCipher;
  readonly #onError: DecryptionErrorHandler | undefined;
  #failures = 0;

  constructor(rows: RowCipher, onError: DecryptionErrorHandler | undefined) {
    this.#rows = rows;
    this.#onError = onError;
  }

  /** How many rows failed to decrypt so far. */
  get failures(): number {
    return this.#failures;
  }

  /** `failed` is the first failure of an earlier pass over the same search, if any. */
  pick(
    candidates: Iterable<StoredRow>,
    failed?: ServiceAccessTokenDecryptionError,
  ): { token: ServiceAccessToken | null; failed: ServiceAccessTokenDecryptionError | undefined } {
    let first = failed;
    for (const row of candidates) {
      try {
        return { token: this.#rows.decrypt(row).token, failed: first };
      } catch (error) {
        if (!(error instanceof ServiceAccessTokenDecryptionError)) throw error;
        this.#failures += 1;
        first ??= error;
        this.#onError?.(error);
      }
    }
    return { token: null, failed: first };
  }
}
