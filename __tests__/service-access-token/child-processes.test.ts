import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { TokenCipher } from '../../src/service-access-token/encryption';
import { RowCipher } from '../../src/service-access-token/row-encryption';
import { buildPackage } from '../helpers/build-package';
import {
  POSTGRES_URL,
  adminClient,
  describeWithPostgres,
  openPostgresStore,
} from '../helpers/postgres';

// These tests run the BUILT package in separate Node processes, as an application would.
//
// The build goes to a private folder under temp/ (see buildPackage), inside the project so that it
// resolves the project's node_modules.

const execFileAsync = promisify(execFile);
const root = resolve(__dirname, '../..');
const buildDir = join(
  root,
  'temp',
  `service-access-token-${process.pid}-${randomBytes(4).toString('hex')}`,
);
const distIndex = join(buildDir, 'dist', 'index.js');
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'service-access-token-processes-'));
  await buildPackage(buildDir);
}, 300_000);

afterAll(() => {
  rmSync(buildDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

async function runNode(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, args, {
    cwd: work,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

describe('the built main entry', () => {
  it('does not load better-sqlite3 when imported, only when a SQLite store is built', async () => {
    const script = `
      const pkg = require(${JSON.stringify(distIndex)});
      const loaded = (name) => Object.keys(require.cache).some((file) => file.includes('/node_modules/' + name + '/'));
      const both = () => [loaded('better-sqlite3'), loaded('pg')];
      const afterImport = both();
      new pkg.MemoryServiceAccessTokenStore();
      const afterMemoryStore = both();
      const store = new pkg.SqliteServiceAccessTokenStore({ filename: ':memory:', encryptionKey: Buffer.alloc(32, 7) });
      const afterSqliteStore = both();
      store.close();
      const pgStore = new pkg.PostgresServiceAccessTokenStore({ connectionString: 'postgres://127.0.0.1:1/none', encryptionKey: Buffer.alloc(32, 7) });
      const afterPostgresStore = both();
      pgStore.close();
      console.log(JSON.stringify({ afterImport, afterMemoryStore, afterSqliteStore, afterPostgresStore }));`;
    expect(JSON.parse(await runNode(['-e', script]))).toEqual({
      afterImport: [false, false],
      afterMemoryStore: [false, false],
      afterSqliteStore: [true, false],
      afterPostgresStore: [true, true],
    });
  }, 60_000);

  it('names the package to install when better-sqlite3 is missing', async () => {
    const hide = join(work, 'hide-better-sqlite3.js');
    writeFileSync(
      hide,
      `const Module = require('node:module');
      const resolveFilename = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === 'better-sqlite3' || request === 'pg') {
          const error = new Error("Cannot find module '" + request + "'");
          error.code = 'MODULE_NOT_FOUND';
          throw error;
        }
        return resolveFilename.call(this, request, ...rest);
      };`,
    );
    const script = `
      const pkg = require(${JSON.stringify(distIndex)});
      try {
        new pkg.SqliteServiceAccessTokenStore({ filename: ':memory:', encryptionKey: Buffer.alloc(32, 7) });
        console.log('null');
      } catch (error) {
        console.log(JSON.stringify({
          isPackageError: error instanceof pkg.AiAccessTokenError,
          name: error.name, code: error.code, packageName: error.packageName, message: error.message,
        }));
      }`;
    const result = JSON.parse(await runNode(['-r', hide, '-e', script])) as Record<string, unknown>;
    expect(result).toMatchObject({
      isPackageError: true,
      name: 'MissingDependencyError',
      code: 'ERR_MISSING_DEPENDENCY',
      packageName: 'better-sqlite3',
    });
    expect(result.message).toContain('npm install better-sqlite3@12');

    const pgScript = `
      const pkg = require(${JSON.stringify(distIndex)});
      try {
        new pkg.PostgresServiceAccessTokenStore({ connectionString: 'postgres://127.0.0.1:1/none', encryptionKey: Buffer.alloc(32, 7) });
        console.log('null');
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, packageName: error.packageName, message: error.message }));
      }`;
    expect(JSON.parse(await runNode(['-r', hide, '-e', pgScript]))).toEqual({
      code: 'ERR_MISSING_DEPENDENCY',
      packageName: 'pg',
      message: 'pg is not installed; PostgresServiceAccessTokenStore needs it: npm install pg@8',
    });
  }, 60_000);
});

describe('two processes sharing one SQLite file', () => {
  const LIFETIME_MS = 1500;
  const RUN_MS = 3000;

  interface Saved {
    token: string;
    expiresAt: number;
    syncedAt: number;
    committedAt: number;
    purged: number;
  }
  interface Read {
    at: number;
    token: string | null;
    expiresAt: number | null;
  }

  function writerScript(): string {
    return `
      const { SqliteServiceAccessTokenStore, syncServiceAccessToken } = require(${JSON.stringify(distIndex)});
      const [filename, key, runMs, lifetimeMs] = process.argv.slice(1);
      const store = new SqliteServiceAccessTokenStore({ filename, encryptionKey: key });
      (async () => {
        let seq = 0;
        let lastExpiry = 0;
        const end = Date.now() + Number(runMs);
        do {
          seq += 1;
          const syncedAt = Date.now();
          // Strictly increasing expiries make every saved token identifiable by its expiry.
          const expiresAt = Math.max(lastExpiry + 1, syncedAt + Number(lifetimeMs));
          lastExpiry = expiresAt;
          const token = 'tok-' + process.pid + '-' + seq + '-' + Math.random().toString(36).slice(2);
          const { purged } = await syncServiceAccessToken(store, {
            token, expiresAt: new Date(expiresAt), now: () => new Date(syncedAt),
          });
          process.stdout.write(JSON.stringify({ token, expiresAt, syncedAt, committedAt: Date.now(), purged }) + '\\n');
          if (seq === 1) process.stderr.write('ready\\n');
          await new Promise((resolve) => setTimeout(resolve, 2));
        } while (Date.now() < end);
        await store.close();
      })().catch((error) => { console.error(error); process.exit(1); });`;
  }

  function readerScript(): string {
    return `
      const { SqliteServiceAccessTokenStore } = require(${JSON.stringify(distIndex)});
      const [filename, key, runMs] = process.argv.slice(1);
      const store = new SqliteServiceAccessTokenStore({ filename, encryptionKey: key });
      (async () => {
        const end = Date.now() + Number(runMs);
        while (Date.now() < end) {
          const at = Date.now();
          const token = await store.latestActive(new Date(at));
          process.stdout.write(JSON.stringify({
            at, token: token && token.token, expiresAt: token && token.expiresAt.getTime(),
          }) + '\\n');
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await store.close();
      })().catch((error) => { console.error(error); process.exit(1); });`;
  }

  function run(
    script: string,
    args: string[],
    onStderr?: (text: string) => void,
  ): Promise<{ code: number | null; lines: string[]; stderr: string }> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, ['-e', script, ...args], { cwd: work });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        onStderr?.(stderr);
      });
      child.on('error', reject);
      child.on('close', (code) => {
        resolvePromise({ code, lines: stdout.split('\n').filter((line) => line !== ''), stderr });
      });
    });
  }

  it('every read returns a valid, unexpired token, and no committed token is lost', async () => {
    const filename = join(work, 'shared.db');
    const key = randomBytes(32).toString('base64');

    // The reader starts once the writer has committed its first token.
    let startReader: () => void = () => undefined;
    const writerReady = new Promise<void>((resolveReady) => (startReader = resolveReady));
    const writer = run(
      writerScript(),
      [filename, key, String(RUN_MS), String(LIFETIME_MS)],
      (text) => {
        if (text.includes('ready')) startReader();
      },
    );
    await Promise.race([writerReady, writer]);
    const reader = run(readerScript(), [filename, key, String(RUN_MS)]);
    const [writerResult, readerResult] = await Promise.all([writer, reader]);

    expect(writerResult).toMatchObject({ code: 0 });
    expect(readerResult).toMatchObject({ code: 0, stderr: '' });
    const saved = writerResult.lines.map((line) => JSON.parse(line) as Saved);
    const reads = readerResult.lines.map((line) => JSON.parse(line) as Read);
    expect(saved.length).toBeGreaterThan(10);
    expect(reads.length).toBeGreaterThan(10);
    // Tokens expired and were purged while the reader was reading.
    expect(saved.some(({ purged }) => purged > 0)).toBe(true);

    const byToken = new Map(saved.map((entry) => [entry.token, entry]));
    const committed = [...saved].sort((a, b) => a.committedAt - b.committedAt);
    let visible = 0;
    let nullReads = 0;
    for (const read of reads) {
      // Every token the writer had finished committing before this read started must be visible,
      // so the read returns it or one that expires later; a null is only acceptable if all of
      // them had expired by then (the writer stalled for longer than a token's lifetime).
      while (visible < committed.length && committed[visible]!.committedAt < read.at) visible += 1;
      const latestCommitted = visible > 0 ? committed[visible - 1]! : undefined;
      const mustSee =
        latestCommitted !== undefined && latestCommitted.expiresAt > read.at
          ? latestCommitted
          : undefined;
      if (read.token === null) {
        nullReads += 1;
        expect(mustSee).toBeUndefined();
        continue;
      }
      const origin = byToken.get(read.token);
      expect(origin).toBeDefined();
      expect(read.expiresAt).toBe(origin!.expiresAt);
      expect(read.expiresAt!).toBeGreaterThan(read.at);
      if (mustSee !== undefined) expect(read.expiresAt!).toBeGreaterThanOrEqual(mustSee.expiresAt);
    }
    // With a token lifetime of 1.5 s and a sync every few milliseconds, a null would need the
    // writer to stall for 1.5 s; print the figure rather than fail on a starved machine.
    if (nullReads > 0) console.warn(`${nullReads} of ${reads.length} reads found no active token`);

    // Nothing lost: the rows left are exactly the tokens the last sync had no reason to purge,
    // and each decrypts to the token the writer saved with that expiry.
    const last = saved[saved.length - 1]!;
    const expected = saved.filter(({ expiresAt }) => expiresAt >= last.syncedAt);
    const db = new Database(filename, { readonly: true });
    const rows = db
      .prepare(
        'SELECT id, row_uid, encrypted_token, encrypted_token_iv, expires_at FROM service_access_tokens ORDER BY expires_at',
      )
      .all() as {
      id: number;
      row_uid: Buffer;
      encrypted_token: Buffer;
      encrypted_token_iv: Buffer;
      expires_at: number;
    }[];
    db.close();
    const cipher = new RowCipher(TokenCipher.fromOption(key), 'service_access_tokens', false);
    expect(
      rows.map((row) => ({
        expiresAt: row.expires_at,
        token: cipher.decrypt({
          id: row.id,
          rowUid: row.row_uid,
          ciphertext: row.encrypted_token,
          iv: row.encrypted_token_iv,
          expiresAt: row.expires_at,
          expiresAtType: 'integer',
        }).token.token,
      })),
    ).toEqual(expected.map(({ expiresAt, token }) => ({ expiresAt, token })));
  }, 120_000);
});

describeWithPostgres('two processes syncing and two reading one PostgreSQL table', () => {
  const LIFETIME_MS = 2500;
  const RUN_MS = 4000;

  interface Saved {
    token: string;
    expiresAt: number;
    syncedAt: number;
    committedAt: number;
    purged: number;
  }
  interface Read {
    at: number;
    token: string | null;
    expiresAt: number | null;
  }

  const open = `
    const { PostgresServiceAccessTokenStore } = require(${JSON.stringify(distIndex)});
    const [connectionString, encryptionKey, tableName, runMs, lifetimeMs] = process.argv.slice(1);
    const store = new PostgresServiceAccessTokenStore({ connectionString, encryptionKey, tableName });`;

  const writerScript = `${open}
    const { syncServiceAccessToken } = require(${JSON.stringify(distIndex)});
    // A writer syncs until the test closes its stdin (after the readers are done), so that every
    // read happens while both writers run; the deadline only bounds a test gone wrong.
    let stopped = false;
    process.stdin.on('end', () => { stopped = true; }).resume();
    (async () => {
      let seq = 0;
      let lastExpiry = 0;
      const deadline = Date.now() + 10 * Number(runMs);
      do {
        seq += 1;
        const syncedAt = Date.now();
        const expiresAt = Math.max(lastExpiry + 1, syncedAt + Number(lifetimeMs));
        lastExpiry = expiresAt;
        const token = 'tok-' + process.pid + '-' + seq + '-' + Math.random().toString(36).slice(2);
        const { purged } = await syncServiceAccessToken(store, {
          token, expiresAt: new Date(expiresAt), now: () => new Date(syncedAt),
        });
        process.stdout.write(JSON.stringify({ token, expiresAt, syncedAt, committedAt: Date.now(), purged }) + '\\n');
        if (seq === 1) process.stderr.write('ready\\n');
        await new Promise((resolve) => setTimeout(resolve, 2));
      } while (!stopped && Date.now() < deadline);
      await store.close();
    })().catch((error) => { console.error(error); process.exit(1); });`;

  const readerScript = `${open}
    (async () => {
      const end = Date.now() + Number(runMs);
      while (Date.now() < end) {
        const at = Date.now();
        const token = await store.latestActive(new Date(at));
        process.stdout.write(JSON.stringify({
          at, token: token && token.token, expiresAt: token && token.expiresAt.getTime(),
        }) + '\\n');
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await store.close();
    })().catch((error) => { console.error(error); process.exit(1); });`;

  function run(
    script: string,
    args: string[],
    onStderr?: (text: string) => void,
    onSpawn?: (stop: () => void) => void,
  ): Promise<{ code: number | null; lines: string[]; stderr: string }> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, ['-e', script, ...args], { cwd: work });
      onSpawn?.(() => child.stdin.end());
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        onStderr?.(stderr);
      });
      child.on('error', reject);
      child.on('close', (code) => {
        resolvePromise({ code, lines: stdout.split('\n').filter((line) => line !== ''), stderr });
      });
    });
  }

  it('no read finds the table without an active token, and no committed token is lost', async () => {
    const key = randomBytes(32).toString('base64');
    const setup = await openPostgresStore({ encryptionKey: key });
    const { tableName } = setup;
    await setup.close();
    const args = [POSTGRES_URL, key, tableName, String(RUN_MS), String(LIFETIME_MS)];

    let ready = 0;
    let startReaders: () => void = () => undefined;
    const writersReady = new Promise<void>((resolveReady) => (startReaders = resolveReady));
    const stops: (() => void)[] = [];
    const writers = [1, 2].map(() =>
      run(
        writerScript,
        args,
        (text) => {
          if (text.includes('ready') && ++ready === 2) startReaders();
        },
        (stop) => stops.push(stop),
      ),
    );
    await Promise.race([writersReady, Promise.all(writers)]);
    const readers = [1, 2].map(() => run(readerScript, args));
    const readerResults = await Promise.all(readers);
    for (const stop of stops) stop();
    const writerResults = await Promise.all(writers);

    for (const result of [...writerResults, ...readerResults]) {
      expect(result).toMatchObject({ code: 0, stderr: expect.not.stringContaining('Error') });
    }
    const saved = writerResults.flatMap(({ lines }) =>
      lines.map((line) => JSON.parse(line) as Saved),
    );
    const reads = readerResults.flatMap(({ lines }) =>
      lines.map((line) => JSON.parse(line) as Read),
    );
    expect(saved.length).toBeGreaterThan(20);
    expect(reads.length).toBeGreaterThan(20);
    expect(saved.some(({ purged }) => purged > 0)).toBe(true);

    // Every read returns a token a writer saved, still active at the read, and no older than the
    // newest token committed before the read began.
    const byToken = new Map(saved.map((entry) => [entry.token, entry]));
    const committed = [...saved].sort((a, b) => a.committedAt - b.committedAt);
    let emptyReads = 0;
    for (const read of [...reads].sort((a, b) => a.at - b.at)) {
      if (read.token === null) {
        emptyReads += 1;
        continue;
      }
      const origin = byToken.get(read.token);
      expect(origin).toBeDefined();
      expect(read.expiresAt).toBe(origin!.expiresAt);
      expect(read.expiresAt!).toBeGreaterThan(read.at);
      const newest = Math.max(
        0,
        ...committed
          .filter(({ committedAt }) => committedAt < read.at)
          .map(({ expiresAt }) => expiresAt),
      );
      expect(read.expiresAt!).toBeGreaterThanOrEqual(newest);
    }
    expect(emptyReads).toBe(0);

    // Nothing lost: the rows left are exactly the tokens the last sync had no reason to purge,
    // and each decrypts to the token saved with it.
    const lastSync = Math.max(...saved.map(({ syncedAt }) => syncedAt));
    const expected = saved
      .filter(({ expiresAt }) => expiresAt >= lastSync)
      .map(({ token }) => token)
      .sort();
    const admin = await adminClient();
    const { rows } = await admin.query<{
      id: string;
      row_uid: Buffer;
      encrypted_token: Buffer;
      encrypted_token_iv: Buffer;
      expires_at: string;
    }>(`SELECT id, row_uid, encrypted_token, encrypted_token_iv, expires_at FROM "${tableName}"`);
    await admin.end();
    const cipher = new RowCipher(TokenCipher.fromOption(key), tableName, false);
    const left = rows
      .map(
        (row) =>
          cipher.decrypt({
            id: row.id,
            rowUid: row.row_uid,
            ciphertext: row.encrypted_token,
            iv: row.encrypted_token_iv,
            expiresAt: Number(row.expires_at),
            expiresAtType: 'integer',
          }).token.token,
      )
      .sort();
    expect(left).toEqual(expected);
  }, 120_000);
});
