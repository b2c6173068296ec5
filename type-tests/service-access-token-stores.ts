// Type tests for the service access token stores: every store is a ServiceAccessTokenStore, and a
// node-postgres Pool fits the PostgreSQL store's `pool` option as it is.
import { Pool } from 'pg';
import {
  MemoryServiceAccessTokenStore,
  PostgresServiceAccessTokenStore,
  ServiceAccessTokenDecryptionError,
  SqliteServiceAccessTokenStore,
  type DecryptionErrorHandler,
  type PostgresPool,
  type ServiceAccessTokenStore,
  type ServiceAccessTokenStoreErrorReason,
} from 'ai-access-token';

const pool: PostgresPool = new Pool();
const onError: DecryptionErrorHandler = (error) => {
  const decryption: ServiceAccessTokenDecryptionError = error;
  void decryption;
};
const stores: ServiceAccessTokenStore[] = [
  new MemoryServiceAccessTokenStore(),
  new SqliteServiceAccessTokenStore({ filename: ':memory:', onError }),
  new PostgresServiceAccessTokenStore({ pool, onError }),
  new PostgresServiceAccessTokenStore({ connectionString: 'postgres://localhost/app' }),
];
void stores;

const postgres = new PostgresServiceAccessTokenStore({ pool });
const failures: number = postgres.decryptionFailures;
const schema: Promise<void> = postgres.ensureSchema();
const dropped: Promise<boolean> = postgres.dropLegacyCategoryColumn();
const reason: ServiceAccessTokenStoreErrorReason = 'database';
void [failures, schema, dropped, reason];

// @ts-expect-error: the pool is a node-postgres Pool, not a connection string
new PostgresServiceAccessTokenStore({ pool: 'postgres://localhost/app' });
// @ts-expect-error: there is no `filename` on PostgreSQL
new PostgresServiceAccessTokenStore({ filename: 'tokens.db' });
