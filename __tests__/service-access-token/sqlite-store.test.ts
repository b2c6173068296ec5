import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { ENV_DB_KEY } from '../../src/service-access-token/encryption';
import { MemoryServiceAccessTokenStore } from '../../src/service-access-token/memory-store';
import { TokenCipher } from '../../src/service-access-token/encryption';
import { RowCipher } from '../../src/service-access-token/row-encryption';
import {
  LEGACY_CODE_SUGGESTIONS_CATEGORY,
  SqliteServiceAccessTokenStore,
  type SqliteServiceAccessTokenStoreOptions,
} from '../../src/service-access-token/sqlite-store';
import type { ServiceAccessTokenStore } from '../../src/service-access-token/store';
import { HOUR, T0, at, describeStoreContract, rejectionOf } from './store-contract';

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const TABLE = 'service_access_tokens';

let dir: string;
let counter = 0;
const open: SqliteServiceAccessTokenStore[] = [];
const raw: Database.Database[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-store-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  for (const db of raw.splice(0)) db.close();
});

function freshFile(): string {
  counter += 1;
  return join(dir, `tokens-${counter}.db`);
}

function openStore(
  options: Partial<SqliteServiceAccessTokenStoreOptions> = {},
): SqliteServiceAccessTokenStore {
  const store = new SqliteServiceAccessTokenStore({
    filename: freshFile(),
    encryptionKey: KEY,
    ...options,
  });
  open.push(store);
  return store;
}

/** A second, independent connection to the same file: what another process would see. */
function connect(filename: string): Database.Database {
  const db = new Database(filename, { timeout: 5000 });
  raw.push(db);
  return db;
}

function columnsOf(db: Database.Database, table = TABLE): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map(({ name }) => name);
}

/** The legacy table as the old schema declared it, with a NOT NULL category and no default. */
function createLegacyTable(filename: string, category = 'category INTEGER NOT NULL'): void {
  const db = connect(filename);
  db.exec(`CREATE TABLE ${TABLE} (
    id INTEGER PRIMARY KEY,
    ${category},
    encrypted_token BLOB NOT NULL,
    encrypted_token_iv BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX index_${TABLE}_on_category_and_expires_at ON ${TABLE} (category, expires_at);`);
}

describeStoreContract(
  'SqliteServiceAccessTokenStore',
  () => openStore(),
  ({ onError }) => {
    const filename = freshFile();
    const store = openStore({ filename, onError });
    const db = connect(filename);
    return Promise.resolve({
      store,
      raw: {
        all: () =>
          Promise.resolve(
            (
              db
                .prepare(
                  `SELECT id, row_uid, encrypted_token, encrypted_token_iv, expires_at FROM ${TABLE} ORDER BY id`,
                )
                .all() as (Row & { id: number; row_uid: Buffer | null })[]
            ).map((row) => ({
              id: row.id,
              rowUid: row.row_uid,
              ciphertext: row.encrypted_token,
              iv: row.encrypted_token_iv,
              expiresAt: row.expires_at,
            })),
          ),
        update: (id, changes) => {
          const columns = {
            rowUid: 'row_uid',
            ciphertext: 'encrypted_token',
            iv: 'encrypted_token_iv',
            expiresAt: 'expires_at',
          } as const;
          for (const [key, value] of Object.entries(changes)) {
            db.prepare(
              `UPDATE ${TABLE} SET ${columns[key as keyof typeof columns]} = ? WHERE id = ?`,
            ).run(value, id);
          }
          return Promise.resolve();
        },
      },
    });
  },
);

describe('SqliteServiceAccessTokenStore: the database file', () => {
  it('creates the table in a file, in WAL mode, and keeps tokens across reopening', async () => {
    const filename = freshFile();
    const first = openStore({ filename });
    await first.save({ token: 'persisted', expiresAt: at(HOUR) });
    await first.close();

    const db = connect(filename);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(columnsOf(db)).toEqual([
      'id',
      'row_uid',
      'encrypted_token',
      'encrypted_token_iv',
      'expires_at',
      'created_at',
      'updated_at',
    ]);

    const second = openStore({ filename });
    expect((await second.latestActive(T0))?.token).toBe('persisted');
  });

  it('stores expires_at as integer milliseconds, sortable in SQL', async () => {
    const filename = freshFile();
    const store = openStore({ filename });
    await store.save({ token: 't', expiresAt: at(1234) });
    const row = connect(filename)
      .prepare(`SELECT expires_at, typeof(expires_at) AS type FROM ${TABLE}`)
      .get();
    expect(row).toEqual({ expires_at: T0.getTime() + 1234, type: 'integer' });
  });

  it('works in :memory: and under another table name', async () => {
    const store = openStore({ filename: ':memory:', tableName: 'ai_gateway_tokens' });
    await store.save({ token: 'in-memory', expiresAt: at(HOUR) });
    expect((await store.latestActive(T0))?.token).toBe('in-memory');
    expect(store.tableName).toBe('ai_gateway_tokens');
  });

  it('keeps two tables in one file apart', async () => {
    const filename = freshFile();
    const a = openStore({ filename, tableName: 'tokens_a' });
    const b = openStore({ filename, tableName: 'tokens_b' });
    await a.save({ token: 'a', expiresAt: at(HOUR) });
    await expect(b.latestActive(T0)).resolves.toBeNull();
  });

  it('rolls the new token back when the purge in the same transaction fails', async () => {
    const filename = freshFile();
    const store = openStore({ filename });
    await store.save({ token: 'expired', expiresAt: at(-1) });
    await store.save({ token: 'current', expiresAt: at(HOUR) });
    connect(filename).exec(
      `CREATE TRIGGER no_deletes BEFORE DELETE ON ${TABLE} BEGIN SELECT RAISE(ABORT, 'no deletes'); END;`,
    );

    // Not `rejects.toThrow`: better-sqlite3's native addon keeps the SqliteError class of the first
    // jest module registry that loaded it, so in later test files it is not an `Error` of this realm.
    const error = await rejectionOf(
      store.saveAndPurgeExpired({ token: 'new', expiresAt: at(2 * HOUR) }, T0),
    );
    expect(String(error.message)).toContain('no deletes');
    expect((await store.latestActive(T0))?.token).toBe('current');
    expect(connect(filename).prepare(`SELECT COUNT(*) AS n FROM ${TABLE}`).get()).toEqual({ n: 2 });
  });

  it('refuses an existing table that lacks a needed column', () => {
    const filename = freshFile();
    connect(filename).exec(`CREATE TABLE ${TABLE} (id INTEGER PRIMARY KEY, token TEXT)`);
    expect(() => openStore({ filename })).toThrow(
      expect.objectContaining({ code: 'ERR_SERVICE_ACCESS_TOKEN_STORE', reason: 'schema' }),
    );
  });
});

describe('SqliteServiceAccessTokenStore: options', () => {
  it.each([
    ['an empty filename', { filename: '' }, 'filename'],
    ['a non-string filename', { filename: 42 }, 'filename'],
    ['SQL in tableName', { tableName: 'tokens; DROP TABLE users' }, 'tableName'],
    ['a quoted tableName', { tableName: '"tokens"' }, 'tableName'],
    ['a tableName starting with a digit', { tableName: '1tokens' }, 'tableName'],
    ['an empty tableName', { tableName: '' }, 'tableName'],
    ['a 64-character tableName', { tableName: 't'.repeat(64) }, 'tableName'],
    ['a negative busyTimeout', { busyTimeout: -1 }, 'busyTimeout'],
    ['a fractional busyTimeout', { busyTimeout: 1.5 }, 'busyTimeout'],
    ['a busyTimeout over 2^31 - 1 ms', { busyTimeout: 2_147_483_648 }, 'busyTimeout'],
    ['an unknown option', { category: 1 }, 'category'],
  ])('refuses %s', (_label, options, option) => {
    const filename = freshFile();
    expect(
      () =>
        new SqliteServiceAccessTokenStore({ filename, encryptionKey: KEY, ...options } as never),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STORE_OPTION', option }));
    // Options are checked before anything touches the disk.
    expect(existsSync(filename)).toBe(false);
  });
});

describe('SqliteServiceAccessTokenStore: options that are not an object', () => {
  it.each([[null], [['a.db']], ['a.db']])('refuses %j', (options) => {
    expect(() => new SqliteServiceAccessTokenStore(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STORE_OPTION', option: 'options' }),
    );
  });
});

describe('SqliteServiceAccessTokenStore without a loadable better-sqlite3', () => {
  /** The store class from a fresh module registry in which `require('better-sqlite3')` does `load()`. */
  function storeClassWith(load: () => unknown): typeof SqliteServiceAccessTokenStore {
    let isolated: typeof SqliteServiceAccessTokenStore | undefined;
    jest.isolateModules(() => {
      jest.doMock('better-sqlite3', load);
      isolated = jest.requireActual<{
        SqliteServiceAccessTokenStore: typeof SqliteServiceAccessTokenStore;
      }>('../../src/service-access-token/sqlite-store').SqliteServiceAccessTokenStore;
    });
    return isolated!;
  }

  afterEach(() => {
    jest.dontMock('better-sqlite3');
  });

  function failure(Store: typeof SqliteServiceAccessTokenStore): Record<string, unknown> {
    const filename = freshFile();
    try {
      new Store({ filename, encryptionKey: KEY });
    } catch (error) {
      expect(existsSync(filename)).toBe(false);
      return error as Record<string, unknown>;
    }
    throw new Error('expected the store to refuse to open');
  }

  it('says it is not installed when Node cannot find it', () => {
    // Node's own resolution failure, from a directory with no node_modules above it.
    const Store = storeClassWith(() => createRequire(join(dir, 'index.js'))('better-sqlite3'));
    const error = failure(Store);
    expect(error).toMatchObject({
      code: 'ERR_MISSING_DEPENDENCY',
      packageName: 'better-sqlite3',
      message:
        'better-sqlite3 is not installed; SqliteServiceAccessTokenStore needs it: npm install better-sqlite3@12',
    });
    expect(error.cause).toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });

  it('says it cannot be loaded when it is there but broken', () => {
    const broken = new Error('better_sqlite3.node: wrong ELF class: ELFCLASS32');
    const error = failure(
      storeClassWith(() => {
        throw broken;
      }),
    );
    expect(error).toMatchObject({
      code: 'ERR_MISSING_DEPENDENCY',
      packageName: 'better-sqlite3',
      message:
        'better-sqlite3 cannot be loaded; SqliteServiceAccessTokenStore needs it: npm install better-sqlite3@12',
      cause: broken,
    });
  });
});

describe('SqliteServiceAccessTokenStore: legacy category column', () => {
  it('writes the legacy default where the column is NOT NULL without a default, and never reads it', async () => {
    const filename = freshFile();
    createLegacyTable(filename);
    const store = openStore({ filename });

    await store.save({ token: 'legacy', expiresAt: at(HOUR) });
    await store.saveAndPurgeExpired({ token: 'legacy-2', expiresAt: at(2 * HOUR) }, T0);
    const db = connect(filename);
    expect(db.prepare(`SELECT DISTINCT category FROM ${TABLE}`).all()).toEqual([
      { category: LEGACY_CODE_SUGGESTIONS_CATEGORY },
    ]);

    // Whatever the column holds does not matter to the store.
    db.exec(`UPDATE ${TABLE} SET category = 99`);
    expect((await store.latestActive(T0))?.token).toBe('legacy-2');
    await expect(store.purgeExpired(at(3 * HOUR))).resolves.toBe(2);
  });

  it.each([
    ['nullable', 'category INTEGER', null],
    ['NOT NULL with a default', 'category INTEGER NOT NULL DEFAULT 7', 7],
  ])('leaves a %s column to the database', async (_label, declaration, expected) => {
    const filename = freshFile();
    createLegacyTable(filename, declaration);
    const store = openStore({ filename });
    await store.save({ token: 't', expiresAt: at(HOUR) });
    expect(connect(filename).prepare(`SELECT category FROM ${TABLE}`).get()).toEqual({
      category: expected,
    });
  });

  it('keeps working when another connection drops the column while the store is open', async () => {
    const filename = freshFile();
    createLegacyTable(filename);
    const store = openStore({ filename });
    await store.save({ token: 'before', expiresAt: at(HOUR) });
    await store.save({ token: 'expired', expiresAt: at(-HOUR) });

    const other = connect(filename);
    other.exec(`DROP INDEX index_${TABLE}_on_category_and_expires_at;
      ALTER TABLE ${TABLE} DROP COLUMN category;`);
    expect(columnsOf(other)).not.toContain('category');

    expect((await store.latestActive(T0))?.token).toBe('before');
    await store.save({ token: 'after', expiresAt: at(2 * HOUR) });
    expect((await store.latestActive(T0))?.token).toBe('after');
    await expect(
      store.saveAndPurgeExpired({ token: 'synced', expiresAt: at(3 * HOUR) }, T0),
    ).resolves.toBe(1);
    expect((await store.latestActive(T0))?.token).toBe('synced');
    await expect(store.purgeExpired(at(10 * HOUR))).resolves.toBe(3);
  });

  it('keeps working when the drop happens between a sync and the next one', async () => {
    const filename = freshFile();
    createLegacyTable(filename);
    const store = openStore({ filename });
    await store.saveAndPurgeExpired({ token: 'one', expiresAt: at(HOUR) }, T0);
    connect(filename).exec(`DROP INDEX index_${TABLE}_on_category_and_expires_at;
      ALTER TABLE ${TABLE} DROP COLUMN category;`);
    await store.saveAndPurgeExpired({ token: 'two', expiresAt: at(2 * HOUR) }, T0);
    expect((await store.latestActive(T0))?.token).toBe('two');
  });

  it('dropLegacyCategoryColumn() drops the column and its index, keeps the rows, then is a no-op', async () => {
    const filename = freshFile();
    createLegacyTable(filename);
    const store = openStore({ filename });
    await store.save({ token: 'kept', expiresAt: at(HOUR) });

    await expect(store.dropLegacyCategoryColumn()).resolves.toBe(true);
    const db = connect(filename);
    expect(columnsOf(db)).not.toContain('category');
    expect(db.pragma(`index_list(${TABLE})`)).not.toContainEqual(
      expect.objectContaining({ name: `index_${TABLE}_on_category_and_expires_at` }),
    );
    expect((await store.latestActive(T0))?.token).toBe('kept');
    await store.save({ token: 'new', expiresAt: at(2 * HOUR) });
    expect((await store.latestActive(T0))?.token).toBe('new');

    await expect(store.dropLegacyCategoryColumn()).resolves.toBe(false);
  });

  it('dropLegacyCategoryColumn() is a no-op on a table this package created', async () => {
    const store = openStore();
    await expect(store.dropLegacyCategoryColumn()).resolves.toBe(false);
  });
});

describe('SqliteServiceAccessTokenStore: encryption at rest', () => {
  const marker = 'PLAINTEXT-MARKER-7f3a9c';

  function databaseFiles(filename: string): Buffer[] {
    return [filename, `${filename}-wal`, `${filename}-shm`]
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file));
  }

  it('never writes the token in plaintext, to the database or to its WAL', async () => {
    const filename = freshFile();
    const store = openStore({ filename });
    const token = `eyJ.${marker}.${randomBytes(16).toString('hex')}`;
    for (let i = 0; i < 20; i += 1) await store.save({ token, expiresAt: at(HOUR + i) });

    expect(existsSync(`${filename}-wal`)).toBe(true);
    const whileOpen = databaseFiles(filename);
    expect(whileOpen.length).toBeGreaterThanOrEqual(2);
    for (const bytes of whileOpen) {
      expect(bytes.includes(marker)).toBe(false);
      expect(bytes.includes(Buffer.from(marker, 'utf16le'))).toBe(false);
    }
    expect((await store.latestActive(T0))?.token).toBe(token);

    await store.close();
    for (const bytes of databaseFiles(filename)) expect(bytes.includes(marker)).toBe(false);
  });

  it('uses a fresh 12-byte IV per row, so the same token encrypts differently', async () => {
    const filename = freshFile();
    const store = openStore({ filename });
    await store.save({ token: 'same', expiresAt: at(HOUR) });
    await store.save({ token: 'same', expiresAt: at(HOUR) });
    const rows = connect(filename)
      .prepare(`SELECT encrypted_token, encrypted_token_iv FROM ${TABLE}`)
      .all() as { encrypted_token: Buffer; encrypted_token_iv: Buffer }[];
    expect(rows).toHaveLength(2);
    expect(rows[0]!.encrypted_token_iv).toHaveLength(12);
    expect(rows[0]!.encrypted_token_iv.equals(rows[1]!.encrypted_token_iv)).toBe(false);
    expect(rows[0]!.encrypted_token.equals(rows[1]!.encrypted_token)).toBe(false);
    // 4 bytes of ciphertext plus the 16-byte GCM tag.
    expect(rows[0]!.encrypted_token).toHaveLength(4 + 16);
  });

  it('refuses to decrypt with the wrong key: a typed error, never a garbled token', async () => {
    const filename = freshFile();
    const writer = openStore({ filename });
    await writer.save({ token: 'secret', expiresAt: at(HOUR) });
    await writer.close();

    const reader = openStore({ filename, encryptionKey: OTHER_KEY });
    const error = await rejectionOf(reader.latestActive(T0));
    expect(error).toMatchObject({ code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION' });
    expect(String(error.message)).toMatch(/key|modified/);
    expect(String(error.message)).not.toContain('secret');
  });

  it.each([
    [
      'a flipped ciphertext byte',
      `UPDATE ${TABLE} SET encrypted_token = ?`,
      (row: Row) => flip(row.encrypted_token, 0),
    ],
    [
      'a flipped tag byte',
      `UPDATE ${TABLE} SET encrypted_token = ?`,
      (row: Row) => flip(row.encrypted_token, row.encrypted_token.length - 1),
    ],
    [
      'a truncated ciphertext',
      `UPDATE ${TABLE} SET encrypted_token = ?`,
      (row: Row) => row.encrypted_token.subarray(0, 8),
    ],
    [
      'a ciphertext stored as text',
      `UPDATE ${TABLE} SET encrypted_token = ?`,
      (row: Row) => row.encrypted_token.toString('hex'),
    ],
    [
      'a flipped IV byte',
      `UPDATE ${TABLE} SET encrypted_token_iv = ?`,
      (row: Row) => flip(row.encrypted_token_iv, 3),
    ],
    [
      'an extended expiry',
      `UPDATE ${TABLE} SET expires_at = ?`,
      (row: Row) => row.expires_at + HOUR,
    ],
  ])('detects a tampered row: %s', async (_label, sql, tamper) => {
    const filename = freshFile();
    const store = openStore({ filename });
    await store.save({ token: 'untouched-token', expiresAt: at(HOUR) });
    const db = connect(filename);
    const row = db
      .prepare(`SELECT encrypted_token, encrypted_token_iv, expires_at FROM ${TABLE}`)
      .get() as Row;
    db.prepare(sql).run(tamper(row));

    const error = await rejectionOf(store.latestActive(T0));
    expect(error).toMatchObject({ code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION' });
    expect(String(error.message)).toContain(`row 1 of ${TABLE}`);
  });

  it('accepts the key as base64 text, standard or URL-safe, interchangeably with the Buffer', async () => {
    const filename = freshFile();
    const writer = openStore({ filename });
    await writer.save({ token: 'shared', expiresAt: at(HOUR) });
    for (const encryptionKey of [KEY.toString('base64'), KEY.toString('base64url')]) {
      const reader = openStore({ filename, encryptionKey });
      expect((await reader.latestActive(T0))?.token).toBe('shared');
    }
  });

  describe(`the key from ${ENV_DB_KEY}`, () => {
    const saved = process.env[ENV_DB_KEY];
    afterEach(() => {
      if (saved === undefined) Reflect.deleteProperty(process.env, ENV_DB_KEY);
      else process.env[ENV_DB_KEY] = saved;
    });

    it('is used when encryptionKey is not given', async () => {
      const filename = freshFile();
      process.env[ENV_DB_KEY] = `${KEY.toString('base64')}\n`;
      const store = new SqliteServiceAccessTokenStore({ filename });
      open.push(store);
      await store.save({ token: 'from-env', expiresAt: at(HOUR) });
      const withOption = openStore({ filename, encryptionKey: KEY });
      expect((await withOption.latestActive(T0))?.token).toBe('from-env');
    });

    it.each([
      ['missing', undefined, undefined, 'missing'],
      ['empty', undefined, '', 'missing'],
      ['a 16-byte Buffer', Buffer.alloc(16, 1), undefined, 'wrong-length'],
      ['a 33-byte Buffer', Buffer.alloc(33, 1), undefined, 'wrong-length'],
      ['base64 of 16 bytes', randomBytes(16).toString('base64'), undefined, 'wrong-length'],
      ['hex of 32 bytes', randomBytes(32).toString('hex'), undefined, 'wrong-length'],
      ['not base64', 'this is not a key!', undefined, 'malformed'],
      ['a number', 42, undefined, 'malformed'],
      [
        'short, from the environment',
        undefined,
        randomBytes(31).toString('base64'),
        'wrong-length',
      ],
      ['malformed, from the environment', undefined, '%%%', 'malformed'],
    ])('refuses a key that is %s, at construction', (_label, encryptionKey, env, reason) => {
      if (env === undefined) Reflect.deleteProperty(process.env, ENV_DB_KEY);
      else process.env[ENV_DB_KEY] = env;
      const filename = freshFile();
      let thrown: unknown;
      try {
        open.push(new SqliteServiceAccessTokenStore({ filename, encryptionKey } as never));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'ERR_INVALID_ENCRYPTION_KEY', reason });
      const message = (thrown as Error).message;
      if (typeof encryptionKey === 'string') expect(message).not.toContain(encryptionKey);
      if (env !== undefined && env !== '') expect(message).not.toContain(env);
      expect(existsSync(filename)).toBe(false);
    });
  });
});

// Issue 15, item 4: each of these reproduced an attack on 0.1.0's rows, whose associated data was
// the expires_at text alone.
describe('SqliteServiceAccessTokenStore: rows bound to their table, identity and typed expiry', () => {
  const FIXTURE = join(__dirname, '__fixtures__', 'tokens-0.1.0.sqlite');
  const FIXTURE_KEY = Buffer.alloc(32, 0x15);

  it('detects ciphertext and IV swapped between two rows with the same expires_at', async () => {
    const filename = freshFile();
    const store = openStore({ filename });
    await store.save({ token: 'first', expiresAt: at(HOUR) });
    await store.save({ token: 'second', expiresAt: at(HOUR) });
    swapCiphertexts(connect(filename), 1, 2);

    const error = await rejectionOf(store.latestActive(T0));
    expect(error).toMatchObject({ code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION' });
  });

  it('detects a row copied whole into another table under the same key', async () => {
    const filename = freshFile();
    const a = openStore({ filename, tableName: 'tokens_a' });
    const b = openStore({ filename, tableName: 'tokens_b' });
    await a.save({ token: 'belongs-to-a', expiresAt: at(HOUR) });
    connect(filename).exec('INSERT INTO tokens_b SELECT * FROM tokens_a');

    expect(await rejectionOf(b.latestActive(T0))).toMatchObject({
      code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION',
    });
  });

  it('an expired row whose expires_at became a BLOB of the same digits is skipped, reported and purged', async () => {
    const filename = freshFile();
    const errors: unknown[] = [];
    const store = openStore({ filename, onError: (error) => errors.push(error) });
    await store.save({ token: 'expired', expiresAt: at(-HOUR) });
    await store.save({ token: 'current', expiresAt: at(HOUR) });
    const db = connect(filename);
    db.exec(`UPDATE ${TABLE} SET expires_at = CAST(expires_at AS BLOB) WHERE id = 1`);
    expect(
      db.prepare(`SELECT typeof(expires_at) AS type FROM ${TABLE} WHERE id = 1`).get(),
    ).toEqual({ type: 'blob' });

    expect((await store.latestActive(T0))?.token).toBe('current');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION' });
    expect((errors[0] as Error).message).toContain('stored as blob, not an integer');
    expect(store.decryptionFailures).toBe(1);

    await expect(store.purgeExpired(T0)).resolves.toBe(1);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM ${TABLE}`).get()).toEqual({ n: 1 });
    expect((await store.latestActive(T0))?.token).toBe('current');
    expect(store.decryptionFailures).toBe(1);
  });

  it.each([
    ['a fractional REAL', 'expires_at + 0.5'],
    ['TEXT that is not a number', `'soon'`],
  ])('treats an expires_at turned into %s as a modified row', async (_label, value) => {
    const filename = freshFile();
    const store = openStore({ filename });
    await store.save({ token: 'current', expiresAt: at(HOUR) });
    connect(filename).exec(`UPDATE ${TABLE} SET expires_at = ${value}`);
    expect(await rejectionOf(store.latestActive(T0))).toMatchObject({
      code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION',
    });
    await expect(store.purgeExpired(T0)).resolves.toBe(1);
  });

  it('a newer row that fails to decrypt never hides an older valid one', async () => {
    const filename = freshFile();
    const errors: unknown[] = [];
    const store = openStore({ filename, onError: (error) => errors.push(error) });
    await store.save({ token: 'valid', expiresAt: at(HOUR) });
    await store.save({ token: 'damaged', expiresAt: at(2 * HOUR) });
    connect(filename).exec(`UPDATE ${TABLE} SET encrypted_token = randomblob(40) WHERE id = 2`);

    expect((await store.latestActive(T0))?.token).toBe('valid');
    expect(errors).toEqual([
      expect.objectContaining({ code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION' }),
    ]);
    expect((errors[0] as Error).message).toContain(`row 2 of ${TABLE}`);
    expect(store.decryptionFailures).toBe(1);
    // Still active, so not purged; reported again on the next read.
    await expect(store.purgeExpired(T0)).resolves.toBe(0);
    await store.latestActive(T0);
    expect(store.decryptionFailures).toBe(2);
    await expect(store.purgeExpired(at(3 * HOUR))).resolves.toBe(2);
  });

  it('refuses an onError that is not a function', () => {
    expect(() => openStore({ onError: 'log' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STORE_OPTION', option: 'onError' }),
    );
  });

  it('reads rows written by 0.1.0, and re-encrypts them under the new binding on the next write', async () => {
    const filename = freshFile();
    copyFileSync(FIXTURE, filename);
    const store = openStore({ filename, encryptionKey: FIXTURE_KEY });
    const db = connect(filename);
    const legacy = db.prepare(`SELECT COUNT(*) AS n FROM ${TABLE} WHERE row_uid IS NULL`);
    expect(legacy.get()).toEqual({ n: 3 });

    expect((await store.latestActive(T0))?.token).toBe('token-newest-0.1.0');
    expect((await store.latestActive(new Date('2099-06-01T00:00:00Z')))?.token).toBe(
      'token-newest-0.1.0',
    );
    expect((await store.latestActive(new Date('2000-06-01T00:00:00Z')))?.token).toBe(
      'token-newest-0.1.0',
    );

    await store.saveAndPurgeExpired({ token: 'token-new', expiresAt: at(HOUR) }, T0);
    expect(legacy.get()).toEqual({ n: 0 });
    const rows = db
      .prepare(
        `SELECT id, row_uid, encrypted_token, encrypted_token_iv, expires_at FROM ${TABLE} ORDER BY expires_at`,
      )
      .all() as (Row & { id: number; row_uid: Buffer })[];
    // Decrypted under the new binding alone (legacy rows refused), so the upgrade really happened.
    const strict = new RowCipher(TokenCipher.fromOption(FIXTURE_KEY), TABLE, false);
    expect(
      rows.map(
        (row) =>
          strict.decrypt({
            id: row.id,
            rowUid: row.row_uid,
            ciphertext: row.encrypted_token,
            iv: row.encrypted_token_iv,
            expiresAt: row.expires_at,
            expiresAtType: 'integer',
          }).token.token,
      ),
    ).toEqual(['token-new', 'token-older-0.1.0', 'token-newest-0.1.0']);
    expect((await store.latestActive(T0))?.token).toBe('token-newest-0.1.0');
  });

  it('detects a 0.1.0 row swapped, after the upgrade, with a row of the same expiry', async () => {
    const filename = freshFile();
    copyFileSync(FIXTURE, filename);
    const store = openStore({ filename, encryptionKey: FIXTURE_KEY });
    await store.save({ token: 'token-new', expiresAt: new Date('2100-01-01T00:00:00Z') });
    // Same expiry as the newest 0.1.0 row: under 0.1.0's binding the swap went unnoticed.
    swapCiphertexts(connect(filename), 3, 4);
    // Both swapped rows fail; the walk goes on to the older one.
    expect((await store.latestActive(T0))?.token).toBe('token-older-0.1.0');
    expect(store.decryptionFailures).toBe(2);
  });

  describe('file modes', () => {
    let umask: number;
    beforeEach(() => {
      umask = process.umask(0o000);
    });
    afterEach(() => {
      process.umask(umask);
    });

    it('creates the database and its -wal and -shm files 0600, even under umask 000', async () => {
      const filename = freshFile();
      const store = openStore({ filename });
      await store.save({ token: 't', expiresAt: at(HOUR) });
      for (const file of [filename, `${filename}-wal`, `${filename}-shm`]) {
        expect([file, statSync(file).mode & 0o777]).toEqual([file, 0o600]);
      }
    });
  });
});

describe('SqliteServiceAccessTokenStore behaves exactly like MemoryServiceAccessTokenStore', () => {
  type Operation =
    | { kind: 'save'; token: string; expiresIn: number }
    | { kind: 'sync'; token: string; expiresIn: number; now: number }
    | { kind: 'latest'; now: number }
    | { kind: 'purge'; now: number };

  const offset = fc.integer({ min: -5, max: 5 });
  const operation: fc.Arbitrary<Operation> = fc.oneof(
    fc.record({
      kind: fc.constant('save' as const),
      token: fc.string({ minLength: 1 }),
      expiresIn: offset,
    }),
    fc.record({
      kind: fc.constant('sync' as const),
      token: fc.string({ minLength: 1 }),
      expiresIn: offset,
      now: offset,
    }),
    fc.record({ kind: fc.constant('latest' as const), now: offset }),
    fc.record({ kind: fc.constant('purge' as const), now: offset }),
  );

  async function apply(store: ServiceAccessTokenStore, op: Operation): Promise<unknown> {
    switch (op.kind) {
      case 'save':
        return (await store.save({ token: op.token, expiresAt: at(op.expiresIn) })).token;
      case 'sync':
        return store.saveAndPurgeExpired(
          { token: op.token, expiresAt: at(op.expiresIn) },
          at(op.now),
        );
      case 'latest': {
        const token = await store.latestActive(at(op.now));
        return token === null ? null : [token.token, token.expiresAt.getTime()];
      }
      case 'purge':
        return store.purgeExpired(at(op.now));
    }
  }

  it('gives the same answers to any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 25 }), async (operations) => {
        const memory = new MemoryServiceAccessTokenStore();
        const sqlite = new SqliteServiceAccessTokenStore({
          filename: ':memory:',
          encryptionKey: KEY,
        });
        try {
          for (const op of operations) {
            expect(await apply(sqlite, op)).toEqual(await apply(memory, op));
          }
        } finally {
          await sqlite.close();
          await memory.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});

interface Row {
  encrypted_token: Buffer;
  encrypted_token_iv: Buffer;
  expires_at: number;
}

/** Exchanges the ciphertexts and IVs of two rows, leaving every other column in place. */
function swapCiphertexts(db: Database.Database, a: number, b: number): void {
  const read = db.prepare(`SELECT encrypted_token, encrypted_token_iv FROM ${TABLE} WHERE id = ?`);
  const rowA = read.get(a) as Row;
  const rowB = read.get(b) as Row;
  const write = db.prepare(
    `UPDATE ${TABLE} SET encrypted_token = ?, encrypted_token_iv = ? WHERE id = ?`,
  );
  write.run(rowB.encrypted_token, rowB.encrypted_token_iv, a);
  write.run(rowA.encrypted_token, rowA.encrypted_token_iv, b);
}

function flip(bytes: Buffer, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = copy[index]! ^ 0xff;
  return copy;
}
