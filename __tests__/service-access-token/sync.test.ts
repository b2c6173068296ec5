import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryServiceAccessTokenStore } from '../../src/service-access-token/memory-store';
import { SqliteServiceAccessTokenStore } from '../../src/service-access-token/sqlite-store';
import type { ServiceAccessTokenStore } from '../../src/service-access-token/store';
import { syncServiceAccessToken } from '../../src/service-access-token/sync';
import { openPostgresStore, postgresAvailable } from '../helpers/postgres';
import { HOUR, T0, at, rejectionOf } from './store-contract';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sync-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const now = () => T0;

type StoreCase = [string, () => ServiceAccessTokenStore | Promise<ServiceAccessTokenStore>];

describe.each<StoreCase>([
  ['MemoryServiceAccessTokenStore', () => new MemoryServiceAccessTokenStore()],
  [
    'SqliteServiceAccessTokenStore',
    () =>
      new SqliteServiceAccessTokenStore({
        filename: join(dir, `sync-${randomBytes(4).toString('hex')}.db`),
        encryptionKey: randomBytes(32),
      }),
  ],
  ...((postgresAvailable
    ? [['PostgresServiceAccessTokenStore', () => openPostgresStore()]]
    : []) satisfies StoreCase[]),
])(
  'syncServiceAccessToken with %s',
  (_name, open: () => ServiceAccessTokenStore | Promise<ServiceAccessTokenStore>) => {
    let store: ServiceAccessTokenStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores the new token and purges the expired ones', async () => {
      await store.save({ token: 'expired', expiresAt: at(-HOUR) });
      await store.save({ token: 'still-active', expiresAt: at(HOUR) });

      const result = await syncServiceAccessToken(store, {
        token: 'new',
        expiresAt: at(2 * HOUR),
        now,
      });
      expect(result.purged).toBe(1);
      expect(result.token.token).toBe('new');
      expect(result.token.expiresAt).toEqual(at(2 * HOUR));
      expect((await store.latestActive(T0))?.token).toBe('new');
      // The still-active older token was kept; only the expired one went.
      await expect(store.purgeExpired(at(HOUR + 1))).resolves.toBe(1);
    });

    it('uses the real clock by default', async () => {
      const result = await syncServiceAccessToken(store, {
        token: 'real-time',
        expiresAt: new Date(Date.now() + HOUR),
      });
      expect(result.purged).toBe(0);
      expect((await store.latestActive())?.token).toBe('real-time');
    });

    it.each([
      ['an expired token', { token: 't', expiresAt: at(-1) }, 'expiresAt'],
      ['a token expiring exactly now', { token: 't', expiresAt: T0 }, 'expiresAt'],
      ['an Invalid Date', { token: 't', expiresAt: new Date('never') }, 'expiresAt'],
      ['a date string', { token: 't', expiresAt: '2027-01-01' }, 'expiresAt'],
      ['an empty token', { token: '', expiresAt: at(HOUR) }, 'token'],
      ['a missing token', { expiresAt: at(HOUR) }, 'token'],
      ['a clock that is not a function', { token: 't', expiresAt: at(HOUR), now: T0 }, 'now'],
    ])('rejects %s and changes nothing', async (_label, options, option) => {
      await store.save({ token: 'expired', expiresAt: at(-HOUR) });
      const error = await rejectionOf(
        syncServiceAccessToken(store, { now, ...(options as object) } as never),
      );
      expect(error).toMatchObject({ code: 'ERR_INVALID_SERVICE_ACCESS_TOKEN', option });
      expect((await store.latestActive(at(-2 * HOUR)))?.token).toBe('expired');
    });
  },
);

describe('syncServiceAccessToken arguments', () => {
  it.each([[undefined], [null], [{ save: () => undefined }]])(
    'rejects %p as a store',
    async (store) => {
      const error = await rejectionOf(
        syncServiceAccessToken(store as never, { token: 't', expiresAt: at(HOUR), now }),
      );
      expect(error).toMatchObject({ code: 'ERR_INVALID_STORE_OPTION', option: 'store' });
    },
  );

  it('rejects missing options', async () => {
    const error = await rejectionOf(
      syncServiceAccessToken(new MemoryServiceAccessTokenStore(), undefined as never),
    );
    expect(error).toMatchObject({ code: 'ERR_INVALID_SERVICE_ACCESS_TOKEN' });
  });
});
