// Types only: importing this module (and so the package's main entry) must not load the optional
// peer dependency. It is required in the constructor, when a store is actually built.
import { closeSync, constants, fchmodSync, openSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import {
  InvalidStoreOptionError,
  MissingDependencyError,
  ServiceAccessTokenDecryptionError,
  ServiceAccessTokenStoreError,
} from '../errors';
import { describe } from '../time';
import { TokenCipher, type EncryptionKeyInput } from './encryption';
import {
  LatestRowPicker,
  RowCipher,
  type DecryptionErrorHandler,
  type EncryptedRow,
  type StoredRow,
} from './row-encryption';
import {
  toServiceAccessToken,
  validDate,
  type ServiceAccessToken,
  type ServiceAccessTokenInit,
} from './service-access-token';
import { settle } from './settle';
import type { ServiceAccessTokenStore } from './store';
import {
  DEFAULT_SERVICE_ACCESS_TOKENS_TABLE,
  LEGACY_CATEGORY_COLUMN,
  LEGACY_CODE_SUGGESTIONS_CATEGORY,
  REQUIRED_COLUMNS,
  ROW_UID_COLUMN,
  TABLE_NAME,
  quoteIdentifier,
} from './token-table';

export {
  DEFAULT_SERVICE_ACCESS_TOKENS_TABLE,
  LEGACY_CODE_SUGGESTIONS_CATEGORY,
} from './token-table';

/**
 * Options of `new SqliteServiceAccessTokenStore(options)`.
 *
 * @example
 * ```ts
 * const options: SqliteServiceAccessTokenStoreOptions = {
 *   filename: '/var/lib/gitlab/service-access-tokens.db',
 *   encryptionKey: process.env.AI_ACCESS_TOKEN_DB_KEY,
 * };
 * ```
 */
export interface SqliteServiceAccessTokenStoreOptions {
  /** The database file, created if missing; `':memory:'` for a private in-memory database. */
  filename: string;
  /**
   * The 32-byte AES-256-GCM key, as a Buffer or base64 text. Default: the
   * `AI_ACCESS_TOKEN_DB_KEY` environment variable (base64).
   */
  encryptionKey?: EncryptionKeyInput | undefined;
  /** The table, created if missing. Letters, digits and `_`, not starting with a digit. Default `'service_access_tokens'`. */
  tableName?: string | undefined;
  /**
   * How long, in milliseconds, a statement waits for another connection's write lock before
   * failing with `SQLITE_BUSY`. Default 5000.
   */
  busyTimeout?: number | undefined;
  /**
   * Called with each row that fails to decrypt while {@link
   * SqliteServiceAccessTokenStore.latestActive} looks for the active token; that row is skipped.
   * {@link SqliteServiceAccessTokenStore.decryptionFailures} counts them either way.
   */
  onError?: DecryptionErrorHandler | undefined;
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'filename',
  'encryptionKey',
  'tableName',
  'busyTimeout',
  'onError',
]);
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const MAX_BUSY_TIMEOUT_MS = 2_147_483_647;
const PEER_DEPENDENCY = 'better-sqlite3';
const PEER_DEPENDENCY_RANGE = '12';

/** What an INSERT must do about a legacy `category` column. */
type CategoryWrite = 'omit' | 'legacy-default';

type InsertParameters = [Buffer, Buffer, Buffer, number, number, number];

interface TokenRow {
  id: number;
  row_uid: unknown;
  encrypted_token: unknown;
  encrypted_token_iv: unknown;
  expires_at: unknown;
  expires_at_type: string;
}

// Every column a decryption needs, with expires_at's storage type: its AD binds it as an integer.
const ROW_COLUMNS =
  'id, row_uid, encrypted_token, encrypted_token_iv, expires_at, typeof(expires_at) AS expires_at_type';

interface ColumnInfo {
  name: string;
  notnull: number;
  dflt_value: unknown;
}

/**
 * A {@link ServiceAccessTokenStore} in a SQLite database file, on `better-sqlite3` (an optional
 * peer dependency: `npm install better-sqlite3@12`). The default store for a single machine.
 *
 * - The table is created if missing; the database runs in WAL mode, so readers never wait for the
 *   sync job, and writers wait up to `busyTimeout` for each other.
 * - A new database file (and its `-wal` and `-shm` files) is created readable by its owner only
 *   (0600), whatever the umask. An existing file keeps its mode.
 * - Tokens are encrypted at rest with AES-256-GCM: a random 12-byte IV per row in
 *   `encrypted_token_iv`, the 16-byte authentication tag appended to the ciphertext in
 *   `encrypted_token`. The associated data binds each ciphertext to the table's name, to a random
 *   16-byte row identity (`row_uid`) and to `expires_at` as an integer: a wrong key, or a row that
 *   was edited, swapped with another, copied from another table or given an `expires_at` of
 *   another type, is a `ServiceAccessTokenDecryptionError`, never a garbled token.
 * - A row that fails to decrypt never hides a valid one: `latestActive` reports it (`onError`,
 *   {@link SqliteServiceAccessTokenStore.decryptionFailures}) and goes on to the next; it rejects
 *   only when no active row decrypts. Expired rows are purged whether or not they decrypt, and so
 *   is a row whose `expires_at` is not an integer (no key can ever decrypt it).
 * - Rows written by 0.1.0 (bound to `expires_at` alone, no `row_uid`) stay readable and are
 *   re-encrypted under the new binding by the next write.
 * - `expires_at`, `created_at` and `updated_at` are integer milliseconds since the epoch.
 * - A legacy table that still has a `category` column works unchanged: the column is never read,
 *   and written (with the legacy value 1, `code_suggestions`) only when it is `NOT NULL` without a
 *   default. The schema is read at open and again whenever a write fails, so the column can be
 *   dropped by another process while this store is open. {@link
 *   SqliteServiceAccessTokenStore.dropLegacyCategoryColumn} is the later cleanup.
 *
 * better-sqlite3 is synchronous: each method does its (sub-millisecond) work on the calling
 * thread and returns a settled Promise.
 *
 * @example
 * ```ts
 * import { SqliteServiceAccessTokenStore, syncServiceAccessToken } from 'ai-access-token';
 *
 * const store = new SqliteServiceAccessTokenStore({ filename: 'service-access-tokens.db' }); // key from AI_ACCESS_TOKEN_DB_KEY
 * await syncServiceAccessToken(store, { token: received.token, expiresAt: new Date(received.expiresAt) });
 * const active = await store.latestActive();
 * ```
 */
export class SqliteServiceAccessTokenStore implements ServiceAccessTokenStore {
  /** The table this store reads and writes. */
  readonly tableName: string;
  readonly #db: BetterSqlite3.Database;
  readonly #rows: RowCipher;
  readonly #picker: LatestRowPicker;
  readonly #table: string;
  readonly #latest: BetterSqlite3.Statement<[number], TokenRow>;
  readonly #purge: BetterSqlite3.Statement<[number]>;
  readonly #legacyRows: BetterSqlite3.Statement<[], TokenRow>;
  readonly #reencrypt: BetterSqlite3.Statement<[Buffer, Buffer, Buffer, number, number]>;
  #insert: BetterSqlite3.Statement<InsertParameters>;
  #categoryWrite: CategoryWrite;
  #closed = false;

  /**
   * Validates the options and the key, loads better-sqlite3, opens the database and creates the
   * table if it is missing.
   *
   * @throws {@link InvalidStoreOptionError} when an option breaks its rule.
   * @throws {@link InvalidEncryptionKeyError} when the key is missing, malformed or not 32 bytes.
   * @throws {@link MissingDependencyError} when better-sqlite3 cannot be loaded.
   * @throws {@link ServiceAccessTokenStoreError} when an existing table lacks a needed column.
   */
  constructor(options: SqliteServiceAccessTokenStoreOptions) {
    const { filename, tableName, busyTimeout, onError } = validateOptions(options);
    this.#rows = new RowCipher(TokenCipher.fromOption(options.encryptionKey), tableName, true);
    this.#picker = new LatestRowPicker(this.#rows, onError);
    this.tableName = tableName;
    this.#table = quoteIdentifier(tableName);

    const Database = loadBetterSqlite3();
    createPrivately(filename);
    this.#db = new Database(filename, { timeout: busyTimeout });
    try {
      this.#db.pragma('journal_mode = WAL');
      // row_uid is nullable so that 0.1.0 processes, which do not write it, keep working against
      // this table during a rolling deploy.
      this.#db.exec(
        `CREATE TABLE IF NOT EXISTS ${this.#table} (
          id INTEGER PRIMARY KEY,
          ${ROW_UID_COLUMN} BLOB,
          encrypted_token BLOB NOT NULL,
          encrypted_token_iv BLOB NOT NULL,
          expires_at INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        )`,
      );
      if (!this.#columns().has(ROW_UID_COLUMN)) {
        this.#db.exec(`ALTER TABLE ${this.#table} ADD COLUMN ${ROW_UID_COLUMN} BLOB`);
      }
      this.#categoryWrite = this.#inspectSchema();
      this.#db.exec(
        `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`index_${tableName}_on_expires_at`)}
          ON ${this.#table} (expires_at)`,
      );
      this.#insert = this.#prepareInsert(this.#categoryWrite);
      // SQLite compares a BLOB or TEXT above every number, so a row with a mistyped expires_at is
      // a candidate here; it fails to decrypt and the walk goes on.
      this.#latest = this.#db.prepare<[number], TokenRow>(
        `SELECT ${ROW_COLUMNS} FROM ${this.#table}
          WHERE expires_at > ? ORDER BY expires_at DESC, id DESC`,
      );
      // The same comparison would never purge such a row, so it is purged by its type.
      this.#purge = this.#db.prepare<[number]>(
        `DELETE FROM ${this.#table} WHERE expires_at < ? OR typeof(expires_at) <> 'integer'`,
      );
      this.#legacyRows = this.#db.prepare<[], TokenRow>(
        `SELECT ${ROW_COLUMNS} FROM ${this.#table} WHERE ${ROW_UID_COLUMN} IS NULL`,
      );
      this.#reencrypt = this.#db.prepare<[Buffer, Buffer, Buffer, number, number]>(
        `UPDATE ${this.#table}
          SET ${ROW_UID_COLUMN} = ?, encrypted_token = ?, encrypted_token_iv = ?, updated_at = ?
          WHERE id = ? AND ${ROW_UID_COLUMN} IS NULL`,
      );
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  /**
   * How many rows failed to decrypt in {@link SqliteServiceAccessTokenStore.latestActive} since
   * the store was opened (each was skipped, and passed to `onError`).
   *
   * @example
   * ```ts
   * if (store.decryptionFailures > 0) alert('a token row was modified, or the key changed');
   * ```
   */
  get decryptionFailures(): number {
    return this.#picker.failures;
  }

  /** {@inheritDoc ServiceAccessTokenStore.save} */
  save(token: ServiceAccessToken | ServiceAccessTokenInit): Promise<ServiceAccessToken> {
    return settle(() => {
      this.#assertOpen();
      const stored = toServiceAccessToken(token);
      const row = insertParameters(this.#rows.encrypt(stored));
      this.#write(() => {
        this.#db
          .transaction(() => {
            this.#insert.run(...row);
            this.#reencryptLegacyRows();
          })
          .immediate();
      });
      return stored;
    });
  }

  /**
   * The active token (`expiresAt > now`) that expires last, or `null` when there is none. Ties
   * go to the token saved last.
   *
   * A row that fails to decrypt is skipped and reported; this rejects with
   * `ServiceAccessTokenDecryptionError` only when active rows exist and none of them decrypts.
   */
  latestActive(now: Date = new Date()): Promise<ServiceAccessToken | null> {
    return settle(() => {
      this.#assertOpen();
      const rows = this.#latest.iterate(validDate('now', now).getTime());
      const { token, failed } = this.#picker.pick(mapIterable(rows, storedRow));
      if (token === null && failed !== undefined) throw failed;
      return token;
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.purgeExpired} */
  purgeExpired(now: Date = new Date()): Promise<number> {
    return settle(() => {
      this.#assertOpen();
      return this.#purge.run(validDate('now', now).getTime()).changes;
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.saveAndPurgeExpired} */
  saveAndPurgeExpired(
    token: ServiceAccessToken | ServiceAccessTokenInit,
    now: Date = new Date(),
  ): Promise<number> {
    return settle(() => {
      this.#assertOpen();
      const row = insertParameters(this.#rows.encrypt(toServiceAccessToken(token)));
      const nowMs = validDate('now', now).getTime();
      // IMMEDIATE takes the write lock up front: two writers cannot both read and then deadlock
      // upgrading, and busyTimeout applies to the wait.
      return this.#write(() =>
        this.#db
          .transaction(() => {
            this.#insert.run(...row);
            const purged = this.#purge.run(nowMs).changes;
            this.#reencryptLegacyRows();
            return purged;
          })
          .immediate(),
      );
    });
  }

  /**
   * Drops the legacy `category` column (and any index on it), the second step of the
   * zero-downtime removal: deploy a release that ignores the column first, then run this once
   * every process runs that release. Resolves to `true` when the column was dropped, `false` when
   * it was already gone.
   *
   * @example
   * ```ts
   * await store.dropLegacyCategoryColumn(); // true, then false on later runs
   * ```
   */
  dropLegacyCategoryColumn(): Promise<boolean> {
    return settle(() => {
      this.#assertOpen();
      const dropped = this.#db
        .transaction(() => {
          if (!this.#columns().has(LEGACY_CATEGORY_COLUMN)) return false;
          for (const index of this.#indexesOn(LEGACY_CATEGORY_COLUMN)) {
            this.#db.exec(`DROP INDEX ${quoteIdentifier(index)}`);
          }
          this.#db.exec(
            `ALTER TABLE ${this.#table} DROP COLUMN ${quoteIdentifier(LEGACY_CATEGORY_COLUMN)}`,
          );
          return true;
        })
        .immediate();
      this.#refreshSchema();
      return dropped;
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.close} */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }

  // Rows 0.1.0 wrote (or a 0.1.0 process still writes, mid-deploy) are bound to their expiry
  // only; each write moves them to the full binding. A row that does not decrypt is left for the
  // purge: rewriting it would launder whatever was done to it.
  #reencryptLegacyRows(): void {
    for (const row of this.#legacyRows.all()) {
      let token: ServiceAccessToken;
      try {
        token = this.#rows.decrypt(storedRow(row)).token;
      } catch (error) {
        if (error instanceof ServiceAccessTokenDecryptionError) continue;
        throw error;
      }
      const { rowUid, ciphertext, iv } = this.#rows.encrypt(token);
      this.#reencrypt.run(rowUid, ciphertext, iv, Date.now(), row.id);
    }
  }

  // A write can fail because another connection changed the table under us (typically dropped
  // `category`, which a prepared INSERT still names). Re-read the schema; if that changes the
  // INSERT, retry once. Any other failure is rethrown as is.
  #write<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (!this.#refreshSchema()) throw error;
      return work();
    }
  }

  /** Re-reads the schema; `true` when the INSERT had to change. */
  #refreshSchema(): boolean {
    const categoryWrite = this.#inspectSchema();
    if (categoryWrite === this.#categoryWrite) return false;
    this.#insert = this.#prepareInsert(categoryWrite);
    this.#categoryWrite = categoryWrite;
    return true;
  }

  #inspectSchema(): CategoryWrite {
    const columns = this.#columns();
    const missing = REQUIRED_COLUMNS.filter((name) => !columns.has(name));
    if (missing.length > 0) {
      throw new ServiceAccessTokenStoreError(
        'schema',
        `table ${this.tableName} lacks the column(s) ${missing.join(', ')}; expected ${REQUIRED_COLUMNS.join(', ')}`,
      );
    }
    const category = columns.get(LEGACY_CATEGORY_COLUMN);
    return category !== undefined && category.notnull !== 0 && category.dflt_value === null
      ? 'legacy-default'
      : 'omit';
  }

  #columns(): Map<string, ColumnInfo> {
    const rows = this.#db.pragma(`table_info(${this.#table})`) as ColumnInfo[];
    return new Map(rows.map((column) => [column.name, column]));
  }

  /** Names of the explicitly created indexes that cover `column`. */
  #indexesOn(column: string): string[] {
    const indexes = this.#db.pragma(`index_list(${this.#table})`) as {
      name: string;
      origin: string;
    }[];
    return indexes
      .filter(({ origin }) => origin === 'c')
      .map(({ name }) => name)
      .filter((name) =>
        (this.#db.pragma(`index_info(${quoteIdentifier(name)})`) as { name: string | null }[]).some(
          (info) => info.name === column,
        ),
      );
  }

  #prepareInsert(categoryWrite: CategoryWrite): BetterSqlite3.Statement<InsertParameters> {
    const legacy = categoryWrite === 'legacy-default';
    return this.#db.prepare<InsertParameters>(
      `INSERT INTO ${this.#table}
        (${ROW_UID_COLUMN}, encrypted_token, encrypted_token_iv, expires_at, created_at, updated_at${legacy ? `, ${quoteIdentifier(LEGACY_CATEGORY_COLUMN)}` : ''})
        VALUES (?, ?, ?, ?, ?, ?${legacy ? `, ${LEGACY_CODE_SUGGESTIONS_CATEGORY}` : ''})`,
    );
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ServiceAccessTokenStoreError(
        'closed',
        `the service access token store on ${this.tableName} is closed`,
      );
    }
  }
}

function insertParameters({ rowUid, ciphertext, iv, expiresAtMs }: EncryptedRow): InsertParameters {
  const writtenAt = Date.now();
  return [rowUid, ciphertext, iv, expiresAtMs, writtenAt, writtenAt];
}

function storedRow(row: TokenRow): StoredRow {
  return {
    id: row.id,
    rowUid: row.row_uid,
    ciphertext: row.encrypted_token,
    iv: row.encrypted_token_iv,
    expiresAt: row.expires_at,
    expiresAtType: row.expires_at_type,
  };
}

function* mapIterable<T, U>(items: Iterable<T>, map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}

/**
 * Creates a missing database file as 0600 before SQLite opens it: SQLite creates the `-wal` and
 * `-shm` files with the mode of the database file, so all three stay private whatever the umask.
 * `O_EXCL` never follows a symlink planted at the path. Any failure is left to SQLite to report.
 */
function createPrivately(filename: string): void {
  if (filename === ':memory:' || filename === '') return;
  let fd: number;
  try {
    fd = openSync(filename, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch {
    return;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

function validateOptions(options: SqliteServiceAccessTokenStoreOptions): {
  filename: string;
  tableName: string;
  busyTimeout: number;
  onError: DecryptionErrorHandler | undefined;
} {
  const raw: unknown = options;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidStoreOptionError('options', `options must be an object; got ${describe(raw)}`);
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) {
      throw new InvalidStoreOptionError(
        name,
        `unknown option ${JSON.stringify(name)}; expected one of ${[...OPTION_NAMES].join(', ')}`,
      );
    }
  }
  const {
    filename,
    tableName = DEFAULT_SERVICE_ACCESS_TOKENS_TABLE,
    busyTimeout,
    onError,
  } = options;
  if (typeof filename !== 'string' || filename.length === 0) {
    throw new InvalidStoreOptionError(
      'filename',
      `filename must be a non-empty string (a path, or ':memory:'); got ${describe(filename)}`,
    );
  }
  if (typeof tableName !== 'string' || !TABLE_NAME.test(tableName)) {
    throw new InvalidStoreOptionError(
      'tableName',
      `tableName must be 1 to 63 letters, digits or underscores, not starting with a digit; got ${describe(tableName)}`,
    );
  }
  if (
    busyTimeout !== undefined &&
    (typeof busyTimeout !== 'number' ||
      !Number.isInteger(busyTimeout) ||
      busyTimeout < 0 ||
      busyTimeout > MAX_BUSY_TIMEOUT_MS)
  ) {
    throw new InvalidStoreOptionError(
      'busyTimeout',
      `busyTimeout must be a whole number of milliseconds from 0 to ${MAX_BUSY_TIMEOUT_MS}; got ${describe(busyTimeout)}`,
    );
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new InvalidStoreOptionError(
      'onError',
      `onError must be a function receiving a ServiceAccessTokenDecryptionError; got ${describe(onError)}`,
    );
  }
  return { filename, tableName, busyTimeout: busyTimeout ?? DEFAULT_BUSY_TIMEOUT_MS, onError };
}

function loadBetterSqlite3(): typeof BetterSqlite3 {
  try {
    // A lazy require is the point: the dependency is optional and only this store needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('better-sqlite3') as typeof BetterSqlite3;
  } catch (cause) {
    // Duck-typed, not `instanceof Error`: Node's require errors come from Node's own realm, which
    // is not a vm context's (jest's). require throws only Errors.
    const { code, message } = cause as NodeJS.ErrnoException;
    const notInstalled = code === 'MODULE_NOT_FOUND' && message.includes(`'${PEER_DEPENDENCY}'`);
    throw new MissingDependencyError(
      PEER_DEPENDENCY,
      `${PEER_DEPENDENCY} ${notInstalled ? 'is not installed' : 'cannot be loaded'}; SqliteServiceAccessTokenStore needs it: npm install ${PEER_DEPENDENCY}@${PEER_DEPENDENCY_RANGE}`,
      { cause },
    );
  }
}
