import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Pool, type Client } from 'pg';
import { TokenCipher } from '../../src/service-access-token/encryption';
import { PostgresServiceAccessTokenStore } from '../../src/service-access-token/postgres-store';
import { RowCipher } from '../../src/service-access-token/row-encryption';
import { LEGACY_CODE_SUGGESTIONS_CATEGORY } from '../../src/service-access-token/token-table';
import {
  POSTGRES_URL,
  adminClient,
  describeWithPostgres,
  dropAfterAll,
  openPostgresStore,
  uniqueTableName,
} from '../helpers/postgres';
import { HOUR, T0, at, describeStoreContract, rejectionOf, type RawRow } from './store-contract';

const KEY = randomBytes(32);

describe('PostgresServiceAccessTokenStore: options (no server needed)', () => {
  function thrown(build: () => unknown): Record<string, unknown> {
    try {
      build();
    } catch (error) {
      return error as Record<string, unknown>;
    }
    throw new Error('expected the constructor to throw');
  }

  it.each([
    ['an unknown option', { filename: 'x.db' }, 'filename'],
    ['a pool without connect()', { pool: { query: () => undefined } }, 'pool'],
    [
      'a pool and a connectionString',
      { pool: new Pool(), connectionString: POSTGRES_URL },
      'connectionString',
    ],
    ['an empty connectionString', { connectionString: '' }, 'connectionString'],
    ['a non-string connectionString', { connectionString: 5432 }, 'connectionString'],
    ['SQL in tableName', { tableName: 'tokens; DROP TABLE users' }, 'tableName'],
    ['a schema-qualified tableName', { tableName: 'public.tokens' }, 'tableName'],
    ['an onError that is not a function', { onError: 'log' }, 'onError'],
    ['options that are not an object', null, 'options'],
  ])('refuses %s at construction', (_label, options, option) => {
    const error = thrown(
      () =>
        new PostgresServiceAccessTokenStore(
          options === null ? (null as never) : ({ encryptionKey: KEY, ...options } as never),
        ),
    );
    expect(error).toMatchObject({ code: 'ERR_INVALID_STORE_OPTION', option });
  });

  it('never puts a connection string, which may hold a password, in an error', () => {
    const error = thrown(
      () =>
        new PostgresServiceAccessTokenStore({
          connectionString: 'postgres://app:s3cret@db/x',
          pool: new Pool(),
          encryptionKey: KEY,
        }),
    );
    expect(String(error.message)).not.toContain('s3cret');
  });

  it('refuses a missing key before loading anything', () => {
    const saved = process.env.AI_ACCESS_TOKEN_DB_KEY;
    Reflect.deleteProperty(process.env, 'AI_ACCESS_TOKEN_DB_KEY');
    try {
      expect(
        thrown(() => new PostgresServiceAccessTokenStore({ connectionString: POSTGRES_URL })),
      ).toMatchObject({ code: 'ERR_INVALID_ENCRYPTION_KEY', reason: 'missing' });
    } finally {
      if (saved !== undefined) process.env.AI_ACCESS_TOKEN_DB_KEY = saved;
    }
  });

  describe('when pg is missing', () => {
    afterEach(() => {
      jest.dontMock('pg');
    });

    function storeClassWith(load: () => unknown): typeof PostgresServiceAccessTokenStore {
      let isolated: typeof PostgresServiceAccessTokenStore | undefined;
      jest.isolateModules(() => {
        jest.doMock('pg', load);
        isolated = jest.requireActual<{
          PostgresServiceAccessTokenStore: typeof PostgresServiceAccessTokenStore;
        }>('../../src/service-access-token/postgres-store').PostgresServiceAccessTokenStore;
      });
      return isolated!;
    }

    it('names the package to install', () => {
      // Node's own resolution failure, from a directory with no node_modules above it.
      const Store = storeClassWith(() => createRequire(join('/', 'nowhere', 'index.js'))('pg'));
      const error = thrown(() => new Store({ connectionString: POSTGRES_URL, encryptionKey: KEY }));
      expect(error).toMatchObject({
        code: 'ERR_MISSING_DEPENDENCY',
        packageName: 'pg',
        message: 'pg is not installed; PostgresServiceAccessTokenStore needs it: npm install pg@8',
      });
    });

    it('says it cannot be loaded when it is there but broken', () => {
      const Store = storeClassWith(() => {
        throw new Error('pg-native: wrong ELF class');
      });
      expect(
        thrown(() => new Store({ connectionString: POSTGRES_URL, encryptionKey: KEY })),
      ).toMatchObject({
        code: 'ERR_MISSING_DEPENDENCY',
        message: 'pg cannot be loaded; PostgresServiceAccessTokenStore needs it: npm install pg@8',
      });
    });

    it('is not needed when the application passes its own pool', async () => {
      const Store = storeClassWith(() => {
        throw new Error('must not be loaded');
      });
      const pool = { connect: () => Promise.reject(new Error('no server in this test')) };
      const store = new Store({ pool, encryptionKey: KEY });
      expect(await rejectionOf(store.latestActive(T0))).toMatchObject({
        code: 'ERR_SERVICE_ACCESS_TOKEN_STORE',
        reason: 'database',
      });
    });
  });
});

describeWithPostgres('PostgreSQL', () => {
  let admin: Client;

  beforeAll(async () => {
    admin = await adminClient();
  });

  afterAll(async () => {
    await admin.end();
  });

  function rawRows(tableName: string) {
    const columns = {
      rowUid: 'row_uid',
      ciphertext: 'encrypted_token',
      iv: 'encrypted_token_iv',
      expiresAt: 'expires_at',
    } as const;
    return {
      all: async (): Promise<RawRow[]> => {
        const { rows } = await admin.query<{
          id: string;
          row_uid: Buffer | null;
          encrypted_token: Buffer;
          encrypted_token_iv: Buffer;
          expires_at: string;
        }>(
          `SELECT id, row_uid, encrypted_token, encrypted_token_iv, expires_at FROM "${tableName}" ORDER BY id`,
        );
        return rows.map((row) => ({
          id: Number(row.id),
          rowUid: row.row_uid,
          ciphertext: row.encrypted_token,
          iv: row.encrypted_token_iv,
          expiresAt: Number(row.expires_at),
        }));
      },
      update: async (id: number, changes: Partial<Omit<RawRow, 'id'>>): Promise<void> => {
        for (const [key, value] of Object.entries(changes)) {
          await admin.query(
            `UPDATE "${tableName}" SET ${columns[key as keyof typeof columns]} = $1 WHERE id = $2`,
            [value, id],
          );
        }
      },
    };
  }

  describeStoreContract(
    'PostgresServiceAccessTokenStore',
    () => openPostgresStore(),
    async ({ onError }) => {
      const store = await openPostgresStore({ onError });
      return { store, raw: rawRows(store.tableName) };
    },
  );

  async function columnsOf(tableName: string): Promise<Record<string, string>> {
    const { rows } = await admin.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = $1 ORDER BY ordinal_position`,
      [tableName],
    );
    return Object.fromEntries(rows.map((row) => [row.column_name, row.data_type]));
  }

  /** The legacy table as the old schema declared it, with a NOT NULL category and no default. */
  async function createLegacyTable(category = 'category smallint NOT NULL'): Promise<string> {
    const table = dropAfterAll(uniqueTableName('sat_legacy'));
    await admin.query(`CREATE TABLE "${table}" (
      id bigserial PRIMARY KEY,
      ${category},
      encrypted_token bytea NOT NULL,
      encrypted_token_iv bytea NOT NULL,
      expires_at bigint NOT NULL,
      created_at bigint NOT NULL,
      updated_at bigint NOT NULL
    )`);
    await admin.query(
      `CREATE INDEX "index_${table}_on_category_and_expires_at" ON "${table}" (category, expires_at)`,
    );
    return table;
  }

  describe('PostgresServiceAccessTokenStore: schema', () => {
    it('ensureSchema() creates the table and its index, and is idempotent', async () => {
      const store = await openPostgresStore();
      await store.ensureSchema();
      expect(await columnsOf(store.tableName)).toEqual({
        id: 'bigint',
        row_uid: 'bytea',
        encrypted_token: 'bytea',
        encrypted_token_iv: 'bytea',
        expires_at: 'bigint',
        created_at: 'bigint',
        updated_at: 'bigint',
      });
      const { rows } = await admin.query('SELECT indexname FROM pg_indexes WHERE tablename = $1', [
        store.tableName,
      ]);
      expect(rows).toContainEqual({ indexname: `index_${store.tableName}_on_expires_at` });
      await store.close();
    });

    it('ensureSchema() from several stores at once creates the table once', async () => {
      const tableName = dropAfterAll(uniqueTableName());
      const stores = [1, 2, 3].map(
        () =>
          new PostgresServiceAccessTokenStore({
            connectionString: POSTGRES_URL,
            encryptionKey: KEY,
            tableName,
          }),
      );
      await Promise.all(stores.map((store) => store.ensureSchema()));
      await stores[0]!.save({ token: 't', expiresAt: at(HOUR) });
      expect((await stores[2]!.latestActive(T0))?.token).toBe('t');
      await Promise.all(stores.map((store) => store.close()));
    });

    it('without ensureSchema(), names the missing table and the fix', async () => {
      const store = new PostgresServiceAccessTokenStore({
        connectionString: POSTGRES_URL,
        encryptionKey: KEY,
        tableName: uniqueTableName('sat_missing'),
      });
      const error = await rejectionOf(store.latestActive(T0));
      expect(error).toMatchObject({ code: 'ERR_SERVICE_ACCESS_TOKEN_STORE', reason: 'schema' });
      expect(String(error.message)).toContain('ensureSchema()');
      await store.close();
    });

    it('refuses a table without row_uid until ensureSchema() adds it', async () => {
      const table = await createLegacyTable();
      const store = new PostgresServiceAccessTokenStore({
        connectionString: POSTGRES_URL,
        encryptionKey: KEY,
        tableName: table,
      });
      expect(await rejectionOf(store.save({ token: 't', expiresAt: at(HOUR) }))).toMatchObject({
        reason: 'schema',
      });
      await store.ensureSchema();
      await store.save({ token: 't', expiresAt: at(HOUR) });
      expect((await store.latestActive(T0))?.token).toBe('t');
      await store.close();
    });

    it('refuses an expires_at that is not bigint milliseconds', async () => {
      const table = dropAfterAll(uniqueTableName('sat_timestamps'));
      await admin.query(`CREATE TABLE "${table}" (id bigserial PRIMARY KEY, row_uid bytea,
        encrypted_token bytea NOT NULL, encrypted_token_iv bytea NOT NULL,
        expires_at timestamptz NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL)`);
      const store = new PostgresServiceAccessTokenStore({
        connectionString: POSTGRES_URL,
        encryptionKey: KEY,
        tableName: table,
      });
      const error = await rejectionOf(store.latestActive(T0));
      expect(error).toMatchObject({ reason: 'schema' });
      expect(String(error.message)).toContain('expires_at must be bigint');
      await store.close();
    });
  });

  describe('PostgresServiceAccessTokenStore: encryption', () => {
    it('refuses to decrypt with the wrong key: a typed error, never a garbled token', async () => {
      const writer = await openPostgresStore();
      await writer.save({ token: 'secret', expiresAt: at(HOUR) });
      const reader = await openPostgresStore({
        tableName: writer.tableName,
        encryptionKey: randomBytes(32),
      });
      const error = await rejectionOf(reader.latestActive(T0));
      expect(error).toMatchObject({ code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION' });
      expect(String(error.message)).not.toContain('secret');
      await Promise.all([writer.close(), reader.close()]);
    });

    it('detects a row copied whole into another table under the same key', async () => {
      const a = await openPostgresStore({ encryptionKey: KEY });
      const b = await openPostgresStore({ encryptionKey: KEY });
      await a.save({ token: 'belongs-to-a', expiresAt: at(HOUR) });
      await admin.query(`INSERT INTO "${b.tableName}" SELECT * FROM "${a.tableName}"`);
      expect(await rejectionOf(b.latestActive(T0))).toMatchObject({
        code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION',
      });
      await Promise.all([a.close(), b.close()]);
    });

    it('decrypts rows the SQLite store would: one format for both stores', async () => {
      // The same table name and key: a row's bytes mean the same thing in either database.
      const store = await openPostgresStore({ encryptionKey: KEY });
      await store.save({ token: 'portable', expiresAt: at(HOUR) });
      const [row] = await rawRows(store.tableName).all();
      const cipher = new RowCipher(TokenCipher.fromOption(KEY), store.tableName, true);
      expect(cipher.decrypt({ ...row!, expiresAtType: 'integer' }).token.token).toBe('portable');
      await store.close();
    });
  });

  describe('PostgresServiceAccessTokenStore: pools', () => {
    it('never ends a pool it was given; ends the one it created', async () => {
      const pool = new Pool({ connectionString: POSTGRES_URL });
      pool.on('error', () => undefined);
      const given = await openPostgresStore({ pool });
      await given.save({ token: 't', expiresAt: at(HOUR) });
      await given.close();
      await given.close();
      await expect(pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
      await pool.end();

      const applicationName = `sat_own_${randomBytes(4).toString('hex')}`;
      const own = await openPostgresStore({
        connectionString: `${POSTGRES_URL}?application_name=${applicationName}`,
      });
      await own.latestActive(T0);
      const count = async (): Promise<number> =>
        (
          await admin.query<{ n: number }>(
            'SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [applicationName],
          )
        ).rows[0]!.n;
      expect(await count()).toBeGreaterThan(0);
      await own.close();
      // The server lists a backend until its process has exited, a moment after the client left:
      // poll (bounded) rather than read once. A pool left open keeps its connection for good.
      let remaining = await count();
      for (const deadline = Date.now() + 5_000; remaining > 0 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        remaining = await count();
      }
      expect(remaining).toBe(0);
    });
  });

  describe('PostgresServiceAccessTokenStore: legacy category column', () => {
    async function legacyStore(declaration?: string) {
      const tableName = await createLegacyTable(declaration);
      const pool = new Pool({ connectionString: POSTGRES_URL, max: 1 });
      pool.on('error', () => undefined);
      const store = new PostgresServiceAccessTokenStore({ pool, encryptionKey: KEY, tableName });
      await store.ensureSchema();
      return {
        tableName,
        store,
        close: async () => {
          await store.close();
          await pool.end();
        },
      };
    }

    it('writes 1 where the column is NOT NULL without a default, and never reads it', async () => {
      const { tableName, store, close } = await legacyStore();
      await store.save({ token: 'legacy', expiresAt: at(HOUR) });
      await store.saveAndPurgeExpired({ token: 'legacy-2', expiresAt: at(2 * HOUR) }, T0);
      const { rows } = await admin.query(`SELECT DISTINCT category FROM "${tableName}"`);
      expect(rows).toEqual([{ category: LEGACY_CODE_SUGGESTIONS_CATEGORY }]);
      await admin.query(`UPDATE "${tableName}" SET category = 99`);
      expect((await store.latestActive(T0))?.token).toBe('legacy-2');
      await close();
    });

    it.each([
      ['nullable', 'category smallint', null],
      ['NOT NULL with a default', 'category smallint NOT NULL DEFAULT 7', 7],
    ])('leaves a %s column to the database', async (_label, declaration, expected) => {
      const { tableName, store, close } = await legacyStore(declaration);
      await store.save({ token: 't', expiresAt: at(HOUR) });
      const { rows } = await admin.query(`SELECT category FROM "${tableName}"`);
      expect(rows).toEqual([{ category: expected }]);
      await close();
    });

    it('the trap is real: a named prepared SELECT * fails once category is dropped', async () => {
      const { tableName, close } = await legacyStore();
      const client = await adminClient();
      const named = {
        name: `sat_star_${randomBytes(4).toString('hex')}`,
        text: `SELECT * FROM "${tableName}"`,
      };
      await client.query(named);
      await admin.query(`ALTER TABLE "${tableName}" DROP COLUMN category`);
      const error = await rejectionOf(client.query(named));
      expect(String(error.message)).toContain('cached plan must not change result type');
      await client.end();
      await close();
    });

    it('keeps working, on the same connection, when another process drops the column', async () => {
      const { tableName, store, close } = await legacyStore();
      await store.save({ token: 'before', expiresAt: at(HOUR) });
      await store.save({ token: 'expired', expiresAt: at(-HOUR) });
      expect((await store.latestActive(T0))?.token).toBe('before');

      await admin.query(`ALTER TABLE "${tableName}" DROP COLUMN category`);
      expect(await columnsOf(tableName)).not.toHaveProperty('category');

      expect((await store.latestActive(T0))?.token).toBe('before');
      await store.save({ token: 'after', expiresAt: at(2 * HOUR) });
      expect((await store.latestActive(T0))?.token).toBe('after');
      await expect(
        store.saveAndPurgeExpired({ token: 'synced', expiresAt: at(3 * HOUR) }, T0),
      ).resolves.toBe(1);
      expect((await store.latestActive(T0))?.token).toBe('synced');
      await expect(store.purgeExpired(at(10 * HOUR))).resolves.toBe(3);
      await close();
    });

    it('keeps working when the drop happens between a sync and the next one', async () => {
      const { tableName, store, close } = await legacyStore();
      await store.saveAndPurgeExpired({ token: 'one', expiresAt: at(HOUR) }, T0);
      await admin.query(`ALTER TABLE "${tableName}" DROP COLUMN category`);
      await store.saveAndPurgeExpired({ token: 'two', expiresAt: at(2 * HOUR) }, T0);
      expect((await store.latestActive(T0))?.token).toBe('two');
      await close();
    });

    it('dropLegacyCategoryColumn() drops the column and its index, keeps the rows, then is a no-op', async () => {
      const { tableName, store, close } = await legacyStore();
      await store.save({ token: 'kept', expiresAt: at(HOUR) });
      await expect(store.dropLegacyCategoryColumn()).resolves.toBe(true);
      expect(await columnsOf(tableName)).not.toHaveProperty('category');
      const { rows } = await admin.query('SELECT indexname FROM pg_indexes WHERE tablename = $1', [
        tableName,
      ]);
      expect(rows).not.toContainEqual({
        indexname: `index_${tableName}_on_category_and_expires_at`,
      });
      expect((await store.latestActive(T0))?.token).toBe('kept');
      await store.save({ token: 'new', expiresAt: at(2 * HOUR) });
      expect((await store.latestActive(T0))?.token).toBe('new');
      await expect(store.dropLegacyCategoryColumn()).resolves.toBe(false);
      await close();
    });
  });

  describe('PostgresServiceAccessTokenStore: lost connections', () => {
    async function terminate(applicationName: string): Promise<number> {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT COUNT(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE application_name = $1`,
        [applicationName],
      );
      return rows[0]!.n;
    }

    /** Waits (boundedly) until a connection of `applicationName` waits for a lock. */
    async function waitingForLock(applicationName: string): Promise<void> {
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT COUNT(*)::int AS n FROM pg_stat_activity
            WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [applicationName],
        );
        if (rows[0]!.n > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no connection of ${applicationName} ever waited for the lock`);
    }

    async function storeNamed() {
      const applicationName = `sat_conn_${randomBytes(4).toString('hex')}`;
      const store = await openPostgresStore({
        connectionString: `${POSTGRES_URL}?application_name=${applicationName}`,
      });
      return { applicationName, store };
    }

    it('reconnects after the server ended its connections', async () => {
      const { applicationName, store } = await storeNamed();
      await store.save({ token: 'survives', expiresAt: at(HOUR) });
      expect(await terminate(applicationName)).toBeGreaterThan(0);

      expect((await store.latestActive(T0))?.token).toBe('survives');
      await store.saveAndPurgeExpired({ token: 'after', expiresAt: at(2 * HOUR) }, T0);
      expect((await store.latestActive(T0))?.token).toBe('after');
      await store.close();
    });

    it.each([
      ['a read', 'read'],
      ['a sync', 'sync'],
    ])(
      'fails %s in flight with ServiceAccessTokenStoreError, never hangs, then recovers',
      async (_label, kind) => {
        const { applicationName, store } = await storeNamed();
        await store.save({ token: 'kept', expiresAt: at(HOUR) });

        // Hold the table so that the operation waits inside the server, then cut its connection.
        const blocker = await adminClient();
        await blocker.query('BEGIN');
        await blocker.query(`LOCK TABLE "${store.tableName}" IN ACCESS EXCLUSIVE MODE`);
        const inFlight =
          kind === 'read'
            ? store.latestActive(T0)
            : store.saveAndPurgeExpired({ token: 'lost', expiresAt: at(2 * HOUR) }, T0);
        const settled = rejectionOf(inFlight);
        // A read whose first statement loses its connection is retried once on a fresh one (it
        // cannot tell a connection that died idle from one that died under it); the retry waits
        // for the lock too, and is cut as well. A sync has begun its transaction, so it fails at
        // once.
        for (let cut = 0; cut < (kind === 'read' ? 2 : 1); cut += 1) {
          await waitingForLock(applicationName);
          expect(await terminate(applicationName)).toBeGreaterThan(0);
        }
        const error = await settled;
        await blocker.query('ROLLBACK');
        await blocker.end();

        expect(error).toMatchObject({ code: 'ERR_SERVICE_ACCESS_TOKEN_STORE', reason: 'database' });
        expect(error.cause).toBeDefined();
        expect((await store.latestActive(T0))?.token).toBe('kept');
        await store.close();
      },
      20_000,
    );

    it('fails fast with ServiceAccessTokenStoreError when no server answers', async () => {
      const store = new PostgresServiceAccessTokenStore({
        // A port nothing listens on, on loopback.
        connectionString: 'postgres://postgres@127.0.0.1:1/test',
        encryptionKey: KEY,
      });
      expect(await rejectionOf(store.latestActive(T0))).toMatchObject({
        code: 'ERR_SERVICE_ACCESS_TOKEN_STORE',
        reason: 'database',
      });
      await store.close();
    });
  });

  describe('PostgresServiceAccessTokenStore: concurrent syncers in one process', () => {
    it('serialises them: every sync lands, nothing is lost, no deadlock', async () => {
      const first = await openPostgresStore({ encryptionKey: KEY });
      const others = await Promise.all(
        [1, 2, 3].map(() => openPostgresStore({ tableName: first.tableName, encryptionKey: KEY })),
      );
      const stores = [first, ...others];
      await Promise.all(
        stores.flatMap((store, s) =>
          Array.from({ length: 10 }, (_, i) =>
            store.saveAndPurgeExpired(
              { token: `s${s}-${i}`, expiresAt: at((i + 1) * HOUR + s) },
              T0,
            ),
          ),
        ),
      );
      const { rows } = await admin.query<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM "${first.tableName}"`,
      );
      expect(rows[0]!.n).toBe(40);
      expect((await first.latestActive(T0))?.token).toBe('s3-9');
      await Promise.all(stores.map((store) => store.close()));
    });
  });
});
