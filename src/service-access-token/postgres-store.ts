// Types only: importing this module (and so the package's main entry) must not load the optional
// peer dependency. It is required in the constructor, when a store is actually built.
import { createHash } from 'node:crypto';
import type * as Pg from 'pg';
import {
  AiAccessTokenError,
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
  type StoredRow,
} from './row-encryption';
import {
  toServiceAccessToken,
  validDate,
  type ServiceAccessToken,
  type ServiceAccessTokenInit,
} from './service-access-token';
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

/**
 * A connection the store borrowed from a {@link PostgresPool}: what it needs of node-postgres'
 * `PoolClient`.
 *
 * @example
 * ```ts
 * const client: PostgresPoolClient = await pool.connect();
 * ```
 */
export interface PostgresPoolClient {
  /** Runs one statement with positional parameters (`$1`, `$2`, …). */
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** Returns the connection to the pool; `true` or an Error destroys it instead. */
  release(destroy?: boolean | Error): void;
  /**
   * node-postgres reports a connection lost while checked out as an `'error'` event, which
   * crashes the process when nobody listens; the store listens while it holds the connection.
   */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  /** Removes the listener again before the connection goes back to the pool. */
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The pool a {@link PostgresServiceAccessTokenStore} takes connections from: what it needs of
 * node-postgres' `Pool`, so a `pg.Pool` fits as it is.
 *
 * @example
 * ```ts
 * import { Pool } from 'pg';
 * const pool: PostgresPool = new Pool({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export interface PostgresPool {
  /** Borrows a connection. */
  connect(): Promise<PostgresPoolClient>;
}

/**
 * Options of `new PostgresServiceAccessTokenStore(options)`. Give `pool` or `connectionString`,
 * not both; with neither, node-postgres reads the `PG*` environment variables.
 *
 * @example
 * ```ts
 * const options: PostgresServiceAccessTokenStoreOptions = {
 *   connectionString: 'postgres://gitlab@db.internal:5432/gitlabhq_production',
 *   encryptionKey: process.env.AI_ACCESS_TOKEN_DB_KEY,
 * };
 * ```
 */
export interface PostgresServiceAccessTokenStoreOptions {
  /**
   * A node-postgres `Pool` the application already has. The store never ends it. Attach a
   * `pool.on('error', …)` listener, as node-postgres requires of any pool: an idle connection the
   * server drops is reported there.
   */
  pool?: PostgresPool | undefined;
  /** A `postgres://` URL: the store creates its own pool, and {@link PostgresServiceAccessTokenStore.close} ends it. */
  connectionString?: string | undefined;
  /**
   * The 32-byte AES-256-GCM key, as a Buffer or base64 text. Default: the
   * `AI_ACCESS_TOKEN_DB_KEY` environment variable (base64).
   */
  encryptionKey?: EncryptionKeyInput | undefined;
  /**
   * The table, found through the connection's `search_path`. Letters, digits and `_`, not
   * starting with a digit. Default `'service_access_tokens'`.
   */
  tableName?: string | undefined;
  /**
   * Called with each row that fails to decrypt while {@link
   * PostgresServiceAccessTokenStore.latestActive} looks for the active token; that row is skipped.
   */
  onError?: DecryptionErrorHandler | undefined;
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'pool',
  'connectionString',
  'encryptionKey',
  'tableName',
  'onError',
]);
const PEER_DEPENDENCY = 'pg';
const PEER_DEPENDENCY_RANGE = '8';
// For the pool the store creates: fail rather than wait forever for a server that does not answer
// or a lock that is never released.
const CONNECTION_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 30_000;
const INTEGER_TEXT = /^-?\d+$/;

/** What an INSERT must do about a legacy `category` column. */
type CategoryWrite = 'omit' | 'legacy-default';

interface TokenRow {
  id: string;
  row_uid: unknown;
  encrypted_token: unknown;
  encrypted_token_iv: unknown;
  expires_at: string;
}

interface ColumnRow {
  name: string;
  not_null: boolean;
  has_default: boolean;
  type: string;
}

// bigint comes back as text; cast in SQL so that the shape of a row never depends on a driver
// setting (pg.types) an application may have changed.
const ROW_COLUMNS = `id::text AS id, ${ROW_UID_COLUMN}, encrypted_token, encrypted_token_iv, expires_at::text AS expires_at`;

/**
 * A {@link ServiceAccessTokenStore} in a PostgreSQL table, on `pg` (node-postgres 8, an optional
 * peer dependency: `npm install pg@8`). For a backend whose database is PostgreSQL already.
 *
 * - Create the table once with {@link PostgresServiceAccessTokenStore.ensureSchema} (a migration,
 *   or at start-up): the store itself never runs DDL, so its database role needs only `SELECT`,
 *   `INSERT` and `DELETE` on the table. `id bigint` identity, `row_uid bytea`,
 *   `encrypted_token bytea`, `encrypted_token_iv bytea`, and `expires_at`, `created_at`,
 *   `updated_at` as `bigint` milliseconds since the epoch.
 * - Rows are encrypted exactly as the SQLite store encrypts them: AES-256-GCM, the associated data
 *   binding the table's name, the random `row_uid` and `expires_at`. A row that fails to decrypt
 *   is reported (`onError`, {@link PostgresServiceAccessTokenStore.decryptionFailures}) and
 *   skipped; `latestActive` rejects only when no active row decrypts.
 * - Writes take a transaction-scoped advisory lock on the table, so syncers in any number of
 *   processes run one at a time; readers never wait for them and, under MVCC, see a sync whole or
 *   not at all.
 * - Every statement is sent unnamed, so no prepared plan outlives a schema change: `ALTER TABLE …
 *   DROP COLUMN category` under a running store never fails with "cached plan must not change
 *   result type". A legacy `category` column (NOT NULL without default) is written as 1 while it
 *   exists; the schema is read on first use and again whenever a write fails.
 * - A database failure, including a connection lost mid-operation, rejects with
 *   `ServiceAccessTokenStoreError` (`reason: 'database'`); the pool reconnects for the next call.
 *
 * @example
 * ```ts
 * import { PostgresServiceAccessTokenStore, syncServiceAccessToken } from 'ai-access-token';
 *
 * const store = new PostgresServiceAccessTokenStore({ connectionString: process.env.DATABASE_URL });
 * await store.ensureSchema();
 * await syncServiceAccessToken(store, { token: received.token, expiresAt: new Date(received.expiresAt) });
 * const active = await store.latestActive();
 * ```
 */
export class PostgresServiceAccessTokenStore implements ServiceAccessTokenStore {
  /** The table this store reads and writes. */
  readonly tableName: string;
  readonly #pool: PostgresPool;
  readonly #ownPool: Pg.Pool | undefined;
  readonly #rows: RowCipher;
  readonly #picker: LatestRowPicker;
  readonly #table: string;
  readonly #lockKey: string;
  #categoryWrite: Promise<CategoryWrite> | undefined;
  #closed = false;

  /**
   * Validates the options and the key, and loads node-postgres. No connection is made until the
   * first call.
   *
   * @throws {@link InvalidStoreOptionError} when an option breaks its rule.
   * @throws {@link InvalidEncryptionKeyError} when the key is missing, malformed or not 32 bytes.
   * @throws {@link MissingDependencyError} when `pg` cannot be loaded (and no `pool` is given).
   */
  constructor(options: PostgresServiceAccessTokenStoreOptions) {
    const { pool, connectionString, tableName, onError } = validateOptions(options);
    this.#rows = new RowCipher(TokenCipher.fromOption(options.encryptionKey), tableName, false);
    this.#picker = new LatestRowPicker(this.#rows, onError);
    this.tableName = tableName;
    this.#table = quoteIdentifier(tableName);
    this.#lockKey = advisoryLockKey(tableName);
    if (pool !== undefined) {
      this.#pool = pool;
    } else {
      const { Pool } = loadPg();
      const ownPool = new Pool({
        ...(connectionString === undefined ? {} : { connectionString }),
        connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
        statement_timeout: STATEMENT_TIMEOUT_MS,
        keepAlive: true,
      });
      // An idle connection the server drops is reported here; without a listener node-postgres
      // would crash the process. The pool discards it and connects anew on the next call.
      ownPool.on('error', () => undefined);
      this.#ownPool = ownPool;
      this.#pool = ownPool;
    }
  }

  /**
   * How many rows failed to decrypt in {@link PostgresServiceAccessTokenStore.latestActive}
   * since the store was built (each was skipped, and passed to `onError`).
   *
   * @example
   * ```ts
   * if (store.decryptionFailures > 0) alert('a token row was modified, or the key changed');
   * ```
   */
  get decryptionFailures(): number {
    return this.#picker.failures;
  }

  /**
   * Creates the table and its index if they are missing, and adds `row_uid` to an older table
   * that lacks it. Idempotent and safe to run from several processes at once. Needs the right to
   * create tables; run it from a migration or at start-up.
   *
   * @example
   * ```ts
   * await new PostgresServiceAccessTokenStore({ connectionString }).ensureSchema();
   * ```
   */
  ensureSchema(): Promise<void> {
    return this.#run(async () => {
      await this.#transaction(async (client) => {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${this.#table} (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            ${ROW_UID_COLUMN} bytea,
            encrypted_token bytea NOT NULL,
            encrypted_token_iv bytea NOT NULL,
            expires_at bigint NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL
          )`,
        );
        await client.query(
          `ALTER TABLE ${this.#table} ADD COLUMN IF NOT EXISTS ${ROW_UID_COLUMN} bytea`,
        );
        await client.query(
          `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`index_${this.tableName}_on_expires_at`)}
            ON ${this.#table} (expires_at)`,
        );
      });
      this.#categoryWrite = undefined;
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.save} */
  save(token: ServiceAccessToken | ServiceAccessTokenInit): Promise<ServiceAccessToken> {
    return this.#run(async () => {
      const stored = toServiceAccessToken(token);
      await this.#write(async (client, categoryWrite) => {
        await this.#insert(client, categoryWrite, stored);
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
    return this.#run(async () => {
      const nowMs = validDate('now', now).getTime();
      await this.#schema();
      return this.#withClient(async (client) => {
        // The first row almost always decrypts; the rest are fetched only when it does not, and
        // after it in the same order (keyset), so a row inserted meanwhile is neither skipped nor
        // reported twice.
        const { rows: first } = (await client.query(
          `SELECT ${ROW_COLUMNS} FROM ${this.#table}
            WHERE expires_at > $1 ORDER BY expires_at DESC, id DESC LIMIT 1`,
          [nowMs],
        )) as { rows: TokenRow[] };
        const head = first[0];
        if (head === undefined) return null;
        const picked = this.#picker.pick([storedRow(head)]);
        if (picked.token !== null) return picked.token;
        const { rows: rest } = (await client.query(
          `SELECT ${ROW_COLUMNS} FROM ${this.#table}
            WHERE expires_at > $1 AND (expires_at, id) < ($2::bigint, $3::bigint)
            ORDER BY expires_at DESC, id DESC`,
          [nowMs, head.expires_at, head.id],
        )) as { rows: TokenRow[] };
        const { token, failed } = this.#picker.pick(rest.map(storedRow), picked.failed);
        if (token === null && failed !== undefined) throw failed;
        return token;
      });
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.purgeExpired} */
  purgeExpired(now: Date = new Date()): Promise<number> {
    return this.#run(async () => {
      const nowMs = validDate('now', now).getTime();
      return this.#write((client) => this.#purge(client, nowMs));
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.saveAndPurgeExpired} */
  saveAndPurgeExpired(
    token: ServiceAccessToken | ServiceAccessTokenInit,
    now: Date = new Date(),
  ): Promise<number> {
    return this.#run(async () => {
      const stored = toServiceAccessToken(token);
      const nowMs = validDate('now', now).getTime();
      return this.#write(async (client, categoryWrite) => {
        await this.#insert(client, categoryWrite, stored);
        return this.#purge(client, nowMs);
      });
    });
  }

  /**
   * Drops the legacy `category` column (PostgreSQL drops the indexes on it with it), the second
   * step of the zero-downtime removal: deploy a release that ignores the column first, then run
   * this once every process runs that release. Running stores keep working. Resolves to `true`
   * when the column was dropped, `false` when it was already gone.
   *
   * @example
   * ```ts
   * await store.dropLegacyCategoryColumn(); // true, then false on later runs
   * ```
   */
  dropLegacyCategoryColumn(): Promise<boolean> {
    return this.#run(async () => {
      const dropped = await this.#transaction(async (client) => {
        if (!(await this.#columns(client)).has(LEGACY_CATEGORY_COLUMN)) return false;
        await client.query(
          `ALTER TABLE ${this.#table} DROP COLUMN ${quoteIdentifier(LEGACY_CATEGORY_COLUMN)}`,
        );
        return true;
      });
      this.#categoryWrite = undefined;
      return dropped;
    });
  }

  /**
   * Releases the store's resources. Idempotent; every other method rejects afterwards. Ends the
   * pool only if the store created it (from `connectionString`); a `pool` that was passed in is
   * left to its owner.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ownPool?.end();
  }

  async #insert(
    client: PostgresPoolClient,
    categoryWrite: CategoryWrite,
    token: ServiceAccessToken,
  ): Promise<void> {
    const { rowUid, ciphertext, iv, expiresAtMs } = this.#rows.encrypt(token);
    const writtenAt = Date.now();
    const legacy = categoryWrite === 'legacy-default';
    await client.query(
      `INSERT INTO ${this.#table}
        (${ROW_UID_COLUMN}, encrypted_token, encrypted_token_iv, expires_at, created_at, updated_at${legacy ? `, ${quoteIdentifier(LEGACY_CATEGORY_COLUMN)}` : ''})
        VALUES ($1, $2, $3, $4, $5, $6${legacy ? `, ${LEGACY_CODE_SUGGESTIONS_CATEGORY}` : ''})`,
      [rowUid, ciphertext, iv, expiresAtMs, writtenAt, writtenAt],
    );
  }

  async #purge(client: PostgresPoolClient, nowMs: number): Promise<number> {
    const { rows } = (await client.query(
      `WITH purged AS (DELETE FROM ${this.#table} WHERE expires_at < $1 RETURNING 1)
        SELECT COUNT(*)::int AS n FROM purged`,
      [nowMs],
    )) as { rows: { n: number }[] };
    return rows[0]?.n ?? 0;
  }

  // A write can fail because the table changed under the store (typically `category` dropped, or
  // added back): re-read the schema and, if that changes the INSERT, run the transaction again.
  async #write<T>(
    work: (client: PostgresPoolClient, categoryWrite: CategoryWrite) => Promise<T>,
  ): Promise<T> {
    const categoryWrite = await this.#schema();
    try {
      return await this.#transaction((client) => work(client, categoryWrite));
    } catch (error) {
      this.#categoryWrite = undefined;
      let now: CategoryWrite;
      try {
        now = await this.#schema();
      } catch {
        throw error;
      }
      if (now === categoryWrite) throw error;
      return this.#transaction((client) => work(client, now));
    }
  }

  /** The INSERT's treatment of `category`, read once and cached until a write fails. */
  #schema(): Promise<CategoryWrite> {
    const pending =
      this.#categoryWrite ?? this.#withClient((client) => this.#inspectSchema(client));
    this.#categoryWrite = pending;
    // A failed read is not cached: the next call tries again.
    pending.catch(() => {
      if (this.#categoryWrite === pending) this.#categoryWrite = undefined;
    });
    return pending;
  }

  async #inspectSchema(client: PostgresPoolClient): Promise<CategoryWrite> {
    const columns = await this.#columns(client);
    if (columns.size === 0) {
      throw new ServiceAccessTokenStoreError(
        'schema',
        `table ${this.tableName} does not exist (in the search_path); create it with ensureSchema()`,
      );
    }
    const missing = [...REQUIRED_COLUMNS, ROW_UID_COLUMN].filter((name) => !columns.has(name));
    if (missing.length > 0) {
      throw new ServiceAccessTokenStoreError(
        'schema',
        `table ${this.tableName} lacks the column(s) ${missing.join(', ')}; ensureSchema() adds row_uid, and expects ${REQUIRED_COLUMNS.join(', ')}`,
      );
    }
    const notBigint = ['expires_at', 'created_at', 'updated_at'].filter(
      (name) => columns.get(name)?.type !== 'bigint',
    );
    if (notBigint.length > 0) {
      throw new ServiceAccessTokenStoreError(
        'schema',
        `table ${this.tableName}: ${notBigint.join(', ')} must be bigint (milliseconds since the epoch)`,
      );
    }
    const category = columns.get(LEGACY_CATEGORY_COLUMN);
    return category !== undefined && category.not_null && !category.has_default
      ? 'legacy-default'
      : 'omit';
  }

  async #columns(client: PostgresPoolClient): Promise<Map<string, ColumnRow>> {
    const { rows } = (await client.query(
      `SELECT attname AS name, attnotnull AS not_null, atthasdef AS has_default,
          format_type(atttypid, atttypmod) AS type
        FROM pg_attribute
        WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
      [this.#table],
    )) as { rows: ColumnRow[] };
    return new Map(rows.map((column) => [column.name, column]));
  }

  /** One transaction, holding the table's advisory lock, on one connection. */
  #transaction<T>(work: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
    return this.#withClient(async (client) => {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.#lockKey]);
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async #withClient<T>(work: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.#pool.connect();
      // The loss also rejects the statement in progress, which is what reports it.
      const ignore = (): void => undefined;
      client.on?.('error', ignore);
      const progress = { answered: false };
      const tracked: PostgresPoolClient = {
        query: async (text, values) => {
          const result = await client.query(text, values);
          progress.answered = true;
          return result;
        },
        release: () => undefined,
      };
      try {
        const result = await work(tracked);
        client.removeListener?.('error', ignore);
        client.release();
        return result;
      } catch (error) {
        // A connection that failed for a reason of its own is destroyed, not handed to the next
        // caller; one that only ran a rejected statement (or met an undecryptable row) is kept.
        const broken = isDriverFailure(error);
        if (!broken) client.removeListener?.('error', ignore);
        client.release(broken);
        // A pooled connection the server ended while it sat idle (a restart, a terminated
        // backend) fails on its first statement, before anything was done: one fresh connection
        // may try again. A failure after the server answered anything is final.
        if (!broken || progress.answered || attempt > 1) throw error;
      }
    }
  }

  /** Runs an operation: rejects once closed, and turns driver errors into the package's. */
  async #run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new ServiceAccessTokenStoreError(
        'closed',
        `the service access token store on ${this.tableName} is closed`,
      );
    }
    try {
      return await operation();
    } catch (error) {
      if (error instanceof AiAccessTokenError) throw error;
      const message = error instanceof Error ? error.message : describe(error);
      throw new ServiceAccessTokenStoreError(
        'database',
        `the service access token store on ${this.tableName} failed: ${message}`,
        { cause: error },
      );
    }
  }
}

/** Whether a failure came from the connection rather than from the statement or from our checks. */
function isDriverFailure(error: unknown): boolean {
  if (error === undefined || error instanceof ServiceAccessTokenDecryptionError) return false;
  if (error instanceof AiAccessTokenError) return false;
  // A server error (rejected statement) has a SQLSTATE code; a lost connection has none or a
  // Node socket code. Class 57 (operator intervention: terminated, shutting down) and 08
  // (connection exception) end the session.
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith('57') || code.startsWith('08');
}

function storedRow(row: TokenRow): StoredRow {
  // The column is bigint, so the value is an integer; only its size is left to check.
  const expiresAt = INTEGER_TEXT.test(row.expires_at) ? Number(row.expires_at) : Number.NaN;
  return {
    id: row.id,
    rowUid: row.row_uid,
    ciphertext: row.encrypted_token,
    iv: row.encrypted_token_iv,
    expiresAt,
    expiresAtType: 'integer',
  };
}

/** A 64-bit advisory lock key of the table: same name, same lock, in every process. */
function advisoryLockKey(tableName: string): string {
  return createHash('sha256')
    .update(`ai-access-token/service-access-tokens/${tableName}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

function validateOptions(options: PostgresServiceAccessTokenStoreOptions): {
  pool: PostgresPool | undefined;
  connectionString: string | undefined;
  tableName: string;
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
    pool,
    connectionString,
    tableName = DEFAULT_SERVICE_ACCESS_TOKENS_TABLE,
    onError,
  } = options;
  const rawPool: unknown = pool;
  if (
    rawPool !== undefined &&
    (typeof rawPool !== 'object' ||
      rawPool === null ||
      typeof (rawPool as { connect?: unknown }).connect !== 'function')
  ) {
    throw new InvalidStoreOptionError(
      'pool',
      `pool must be a node-postgres Pool (an object with connect()); got ${describe(pool)}`,
    );
  }
  if (connectionString !== undefined) {
    if (typeof connectionString !== 'string' || connectionString.length === 0) {
      // Never the value itself: a connection string may hold a password.
      throw new InvalidStoreOptionError(
        'connectionString',
        `connectionString must be a non-empty postgres:// URL string; got ${typeof connectionString === 'string' ? 'an empty string' : typeof connectionString}`,
      );
    }
    if (pool !== undefined) {
      throw new InvalidStoreOptionError(
        'connectionString',
        'give pool or connectionString, not both',
      );
    }
  }
  if (typeof tableName !== 'string' || !TABLE_NAME.test(tableName)) {
    throw new InvalidStoreOptionError(
      'tableName',
      `tableName must be 1 to 63 letters, digits or underscores, not starting with a digit; got ${describe(tableName)}`,
    );
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new InvalidStoreOptionError(
      'onError',
      `onError must be a function receiving a ServiceAccessTokenDecryptionError; got ${describe(onError)}`,
    );
  }
  return { pool, connectionString, tableName, onError };
}

function loadPg(): typeof Pg {
  try {
    // A lazy require is the point: the dependency is optional and only this store needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('pg') as typeof Pg;
  } catch (cause) {
    // Duck-typed, not `instanceof Error`: Node's require errors come from Node's own realm.
    const { code, message } = cause as NodeJS.ErrnoException;
    const notInstalled = code === 'MODULE_NOT_FOUND' && message.includes(`'${PEER_DEPENDENCY}'`);
    throw new MissingDependencyError(
      PEER_DEPENDENCY,
      `${PEER_DEPENDENCY} ${notInstalled ? 'is not installed' : 'cannot be loaded'}; PostgresServiceAccessTokenStore needs it: npm install ${PEER_DEPENDENCY}@${PEER_DEPENDENCY_RANGE}`,
      { cause },
    );
  }
}
