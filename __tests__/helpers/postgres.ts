import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  PostgresServiceAccessTokenStore,
  type PostgresServiceAccessTokenStoreOptions,
} from '../../src/service-access-token/postgres-store';

/** The server the PostgreSQL tests use. */
export const POSTGRES_URL =
  process.env.AI_ACCESS_TOKEN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const REQUIRED = process.env.AI_ACCESS_TOKEN_REQUIRE_SERVICES === '1';

/**
 * Why the PostgreSQL tests cannot run here, or `undefined` when a server answers. Asked once per
 * test file, synchronously (in a child process), so that a file can choose `describe` or
 * `describe.skip` while jest collects its tests.
 */
function unavailableBecause(): string | undefined {
  const probe = `
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    client.connect()
      .then(() => client.query('SELECT 1'))
      .then(() => client.end())
      .then(() => process.stdout.write('ok'))
      .catch((error) => { process.stdout.write(String(error.message || error)); process.exit(0); });`;
  const result = spawnSync(process.execPath, ['-e', probe, POSTGRES_URL], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (result.error !== undefined) return result.error.message;
  if (result.stdout === 'ok') return undefined;
  return result.stdout.trim() || result.stderr.trim().split('\n')[0] || 'no answer';
}

const reason = unavailableBecause();

if (reason !== undefined) {
  // The URL is not printed: it may carry a password.
  const why = `no server answers at AI_ACCESS_TOKEN_TEST_POSTGRES_URL (${reason})`;
  if (REQUIRED) {
    throw new Error(
      `PostgreSQL tests cannot run: ${why}, and AI_ACCESS_TOKEN_REQUIRE_SERVICES=1 makes that a failure`,
    );
  }
  const message = `PostgreSQL tests skipped: ${why}`;
  // One line per run, not per test file: the files of one jest run share its process id.
  const marker = join(tmpdir(), `ai-access-token-postgres-skipped-${process.ppid}`);
  if (!existsSync(marker)) {
    writeFileSync(marker, '');
    console.log(message);
  }
}

/** Whether the PostgreSQL tests run. */
export const postgresAvailable = reason === undefined;

/** `describe` where a PostgreSQL server answers, `describe.skip` elsewhere. */
export const describeWithPostgres: jest.Describe = postgresAvailable ? describe : describe.skip;

/** A table name of this test run's own, so parallel runs never share a table. */
export function uniqueTableName(prefix = 'sat_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

const createdTables: string[] = [];

/** A connection of the test's own, to look at and tamper with the tables behind a store's back. */
export async function adminClient(): Promise<Client> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  return client;
}

/** Remembers a table to drop once the test file is done. */
export function dropAfterAll(tableName: string): string {
  createdTables.push(tableName);
  return tableName;
}

/**
 * A PostgreSQL store on a table of its own (created by `ensureSchema()`, dropped after the file),
 * on its own pool unless `options.pool` is given.
 */
export async function openPostgresStore(
  options: Partial<PostgresServiceAccessTokenStoreOptions> = {},
): Promise<PostgresServiceAccessTokenStore> {
  const tableName = dropAfterAll(options.tableName ?? uniqueTableName());
  const store = new PostgresServiceAccessTokenStore({
    ...(options.pool === undefined ? { connectionString: POSTGRES_URL } : {}),
    encryptionKey: randomBytes(32),
    ...options,
    tableName,
  });
  await store.ensureSchema();
  return store;
}

afterAll(async () => {
  if (createdTables.length === 0) return;
  const client = await adminClient();
  try {
    for (const table of createdTables.splice(0)) {
      await client.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  } finally {
    await client.end();
  }
});
