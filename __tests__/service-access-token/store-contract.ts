import type { DecryptionErrorHandler } from '../../src/service-access-token/row-encryption';
import { ServiceAccessToken } from '../../src/service-access-token/service-access-token';
import type { ServiceAccessTokenStore } from '../../src/service-access-token/store';

/** The frozen "now" of the contract tests. */
export const T0 = new Date('2026-01-01T00:00:00.000Z');

/** `T0` shifted by `ms` milliseconds. */
export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

export const HOUR = 3_600_000;

/** Rejections are asserted by `code` (and `option`/`reason` where the class has one). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the promise to reject');
}

/** A row as the database holds it, read and written behind the store's back. */
export interface RawRow {
  id: number;
  rowUid: Buffer | null;
  ciphertext: Buffer;
  iv: Buffer;
  expiresAt: number;
}

/** Direct access to an encrypted store's table, to tamper with it as an attacker would. */
export interface RawRows {
  /** Every row, by id. */
  all(): Promise<RawRow[]>;
  update(id: number, changes: Partial<Omit<RawRow, 'id'>>): Promise<void>;
}

/** A store that encrypts its rows, and its table. */
export interface EncryptedStoreUnderTest {
  store: ServiceAccessTokenStore & { readonly decryptionFailures: number };
  raw: RawRows;
}

/**
 * THE conformance suite: the behaviour every {@link ServiceAccessTokenStore} must have. It runs
 * against the memory, SQLite and PostgreSQL stores, so they cannot drift apart; `encrypted`, for
 * the stores that write rows, adds the rules of encryption at rest (one table, one key).
 */
export function describeStoreContract(
  name: string,
  open: () => ServiceAccessTokenStore | Promise<ServiceAccessTokenStore>,
  encrypted?: (options: { onError?: DecryptionErrorHandler }) => Promise<EncryptedStoreUnderTest>,
): void {
  if (encrypted !== undefined) describeEncryptedRows(name, encrypted);
  describe(`${name} (ServiceAccessTokenStore contract)`, () => {
    let store: ServiceAccessTokenStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    it('is empty at first: no active token, nothing to purge', async () => {
      await expect(store.latestActive(T0)).resolves.toBeNull();
      await expect(store.purgeExpired(T0)).resolves.toBe(0);
    });

    it('saves a token and returns it as the latest active one', async () => {
      const saved = await store.save({ token: 'token-a', expiresAt: at(HOUR) });
      expect(saved).toBeInstanceOf(ServiceAccessToken);
      expect(saved.token).toBe('token-a');

      const latest = await store.latestActive(T0);
      expect(latest).toBeInstanceOf(ServiceAccessToken);
      expect(latest?.token).toBe('token-a');
      expect(latest?.expiresAt).toEqual(at(HOUR));
    });

    it('accepts a ServiceAccessToken as well as a plain { token, expiresAt }', async () => {
      await store.save(new ServiceAccessToken({ token: 'token-a', expiresAt: at(HOUR) }));
      expect((await store.latestActive(T0))?.token).toBe('token-a');
    });

    it('returns the active token that expires last, not the one saved last', async () => {
      await store.save({ token: 'later', expiresAt: at(2 * HOUR) });
      await store.save({ token: 'sooner', expiresAt: at(HOUR) });
      expect((await store.latestActive(T0))?.token).toBe('later');
    });

    it('breaks a tie on expiry in favour of the token saved last', async () => {
      await store.save({ token: 'first', expiresAt: at(HOUR) });
      await store.save({ token: 'second', expiresAt: at(HOUR) });
      expect((await store.latestActive(T0))?.token).toBe('second');
    });

    it('never returns an expired token', async () => {
      await store.save({ token: 'old', expiresAt: at(-1) });
      await expect(store.latestActive(T0)).resolves.toBeNull();
      await store.save({ token: 'new', expiresAt: at(1) });
      expect((await store.latestActive(T0))?.token).toBe('new');
      await expect(store.latestActive(at(2))).resolves.toBeNull();
    });

    it('treats a token expiring exactly now as neither active nor expired', async () => {
      await store.save({ token: 'edge', expiresAt: T0 });
      await expect(store.latestActive(T0)).resolves.toBeNull();
      await expect(store.purgeExpired(T0)).resolves.toBe(0);
      expect((await store.latestActive(at(-1)))?.token).toBe('edge');
      await expect(store.purgeExpired(at(1))).resolves.toBe(1);
      await expect(store.latestActive(at(-1))).resolves.toBeNull();
    });

    it('purges only expired tokens and resolves to how many it removed', async () => {
      await store.save({ token: 'expired-1', expiresAt: at(-2 * HOUR) });
      await store.save({ token: 'expired-2', expiresAt: at(-HOUR) });
      await store.save({ token: 'active', expiresAt: at(HOUR) });

      await expect(store.purgeExpired(T0)).resolves.toBe(2);
      await expect(store.purgeExpired(T0)).resolves.toBe(0);
      // Seen from before they expired, the purged tokens are gone, the active one is not.
      expect((await store.latestActive(at(-3 * HOUR)))?.token).toBe('active');
    });

    it('saves and purges in one call, resolving to how many it removed', async () => {
      await store.save({ token: 'expired', expiresAt: at(-1) });
      await store.save({ token: 'edge', expiresAt: T0 });
      await expect(
        store.saveAndPurgeExpired({ token: 'new', expiresAt: at(HOUR) }, T0),
      ).resolves.toBe(1);
      expect((await store.latestActive(T0))?.token).toBe('new');
      expect((await store.latestActive(at(-HOUR)))?.token).toBe('new');
      await expect(store.purgeExpired(at(1))).resolves.toBe(1); // 'edge'
    });

    it('saves and purges against the real clock when no time is given', async () => {
      await store.save({ token: 'long-expired', expiresAt: new Date('2000-01-01T00:00:00Z') });
      const farFuture = new Date('2100-01-01T00:00:00Z');
      await expect(
        store.saveAndPurgeExpired({ token: 'current', expiresAt: farFuture }),
      ).resolves.toBe(1);
      expect((await store.latestActive())?.token).toBe('current');
    });

    it('round-trips long and non-ASCII tokens exactly', async () => {
      const token = `${'x'.repeat(10_000)}-é-🔑`;
      await store.save({ token, expiresAt: at(HOUR) });
      expect((await store.latestActive(T0))?.token).toBe(token);
    });

    it('keeps millisecond precision of expiresAt', async () => {
      await store.save({ token: 'ms', expiresAt: at(1) });
      expect((await store.latestActive(T0))?.expiresAt.getTime()).toBe(T0.getTime() + 1);
    });

    it('uses the real time when now is omitted', async () => {
      await store.save({ token: 'past', expiresAt: new Date(Date.now() - HOUR) });
      await store.save({ token: 'future', expiresAt: new Date(Date.now() + HOUR) });
      expect((await store.latestActive())?.token).toBe('future');
      await expect(store.purgeExpired()).resolves.toBe(1);
    });

    it.each([
      ['an empty token', { token: '', expiresAt: at(HOUR) }, 'token'],
      ['a non-string token', { token: 42, expiresAt: at(HOUR) }, 'token'],
      ['a missing token', { expiresAt: at(HOUR) }, 'token'],
      ['an invalid date', { token: 't', expiresAt: new Date(Number.NaN) }, 'expiresAt'],
      ['a date string', { token: 't', expiresAt: '2026-01-01T00:00:00Z' }, 'expiresAt'],
      ['epoch seconds', { token: 't', expiresAt: 1_767_225_600 }, 'expiresAt'],
      ['null', null, 'token'],
    ])('rejects %s on save, and saves nothing', async (_label, input, option) => {
      const error = await rejectionOf(store.save(input as never));
      expect(error).toMatchObject({ code: 'ERR_INVALID_SERVICE_ACCESS_TOKEN', option });
      const again = await rejectionOf(store.saveAndPurgeExpired(input as never, T0));
      expect(again).toMatchObject({ code: 'ERR_INVALID_SERVICE_ACCESS_TOKEN', option });
      await expect(store.latestActive(at(-10 * HOUR))).resolves.toBeNull();
    });

    it.each([
      ['an invalid Date', new Date(Number.NaN)],
      ['a number', 1_767_225_600_000],
      ['a string', '2026-01-01'],
    ])('rejects %s as now', async (_label, now) => {
      for (const promise of [
        store.latestActive(now as never),
        store.purgeExpired(now as never),
        store.saveAndPurgeExpired({ token: 't', expiresAt: at(HOUR) }, now as never),
      ]) {
        expect(await rejectionOf(promise)).toMatchObject({
          code: 'ERR_INVALID_SERVICE_ACCESS_TOKEN',
          option: 'now',
        });
      }
    });

    it('rejects (never throws synchronously) once closed; close is idempotent', async () => {
      await store.close();
      await store.close();
      const calls = [
        () => store.save({ token: 't', expiresAt: at(HOUR) }),
        () => store.latestActive(T0),
        () => store.purgeExpired(T0),
        () => store.saveAndPurgeExpired({ token: 't', expiresAt: at(HOUR) }, T0),
      ];
      for (const call of calls) {
        let promise: Promise<unknown> | undefined;
        expect(() => {
          promise = call();
        }).not.toThrow();
        expect(await rejectionOf(promise!)).toMatchObject({
          code: 'ERR_SERVICE_ACCESS_TOKEN_STORE',
          reason: 'closed',
        });
      }
    });
  });
}

function describeEncryptedRows(
  name: string,
  open: (options: { onError?: DecryptionErrorHandler }) => Promise<EncryptedStoreUnderTest>,
): void {
  describe(`${name} (encrypted rows contract)`, () => {
    let store: EncryptedStoreUnderTest['store'];
    let raw: RawRows;
    let reported: unknown[];

    beforeEach(async () => {
      reported = [];
      ({ store, raw } = await open({ onError: (error) => reported.push(error) }));
    });

    afterEach(async () => {
      await store.close();
    });

    async function row(index: number): Promise<RawRow> {
      const rows = await raw.all();
      return rows[index]!;
    }

    it('stores ciphertext with its 16-byte tag, a fresh 12-byte IV and a 16-byte row_uid per row', async () => {
      await store.save({ token: 'same', expiresAt: at(HOUR) });
      await store.save({ token: 'same', expiresAt: at(HOUR) });
      const [a, b] = await raw.all();
      expect(a!.ciphertext).toHaveLength(4 + 16);
      expect(a!.ciphertext.includes('same')).toBe(false);
      expect(a!.iv).toHaveLength(12);
      expect(a!.rowUid).toHaveLength(16);
      expect(a!.iv.equals(b!.iv)).toBe(false);
      expect(a!.rowUid!.equals(b!.rowUid!)).toBe(false);
      expect(a!.expiresAt).toBe(at(HOUR).getTime());
    });

    it('detects ciphertext and IV swapped between two rows of the same expiry', async () => {
      await store.save({ token: 'first', expiresAt: at(HOUR) });
      await store.save({ token: 'second', expiresAt: at(HOUR) });
      const [a, b] = await raw.all();
      await raw.update(a!.id, { ciphertext: b!.ciphertext, iv: b!.iv });
      await raw.update(b!.id, { ciphertext: a!.ciphertext, iv: a!.iv });
      expect(await rejectionOf(store.latestActive(T0))).toMatchObject({
        code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION',
      });
      expect(store.decryptionFailures).toBe(2);
      expect(reported).toHaveLength(2);
    });

    it.each([
      ['row_uid swapped with another row', 'swap-uid'],
      ['row_uid removed', 'null-uid'],
      ['expires_at moved by a millisecond', 'expiry'],
      ['a flipped ciphertext byte', 'ciphertext'],
      ['a flipped IV byte', 'iv'],
      ['a truncated ciphertext', 'truncate'],
    ])('treats %s as a modified row', async (_label, attack) => {
      await store.save({ token: 'other', expiresAt: at(2 * HOUR) });
      await store.save({ token: 'target', expiresAt: at(3 * HOUR) });
      const [other, target] = await raw.all();
      const flip = (bytes: Buffer): Buffer =>
        Buffer.from(bytes.map((byte, i) => (i === 0 ? byte ^ 1 : byte)));
      const changes: Record<string, Partial<Omit<RawRow, 'id'>>> = {
        'swap-uid': { rowUid: other!.rowUid },
        'null-uid': { rowUid: null },
        expiry: { expiresAt: target!.expiresAt + 1 },
        ciphertext: { ciphertext: flip(target!.ciphertext) },
        iv: { iv: flip(target!.iv) },
        truncate: { ciphertext: target!.ciphertext.subarray(0, 8) },
      };
      await raw.update(target!.id, changes[attack]!);
      // The damaged newest row is reported and skipped: it never hides the valid one.
      expect((await store.latestActive(T0))?.token).toBe('other');
      expect(reported).toEqual([
        expect.objectContaining({ code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION' }),
      ]);
      expect((reported[0] as Error).message).toContain(`row ${target!.id} of`);
      expect((reported[0] as Error).message).not.toContain('target');
      expect(store.decryptionFailures).toBe(1);
    });

    it('rejects when active rows exist and none decrypts', async () => {
      await store.save({ token: 'only', expiresAt: at(HOUR) });
      const only = await row(0);
      await raw.update(only.id, { ciphertext: Buffer.alloc(only.ciphertext.length) });
      expect(await rejectionOf(store.latestActive(T0))).toMatchObject({
        code: 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION',
      });
      // Expired or not, an undecryptable row answers "no active token" once it is not active.
      await expect(store.latestActive(at(2 * HOUR))).resolves.toBeNull();
    });

    it('purges expired rows by time whether or not they decrypt', async () => {
      await store.save({ token: 'expired', expiresAt: at(-HOUR) });
      await store.save({ token: 'current', expiresAt: at(HOUR) });
      const expired = await row(0);
      await raw.update(expired.id, { ciphertext: Buffer.alloc(32) });
      await expect(
        store.saveAndPurgeExpired({ token: 'new', expiresAt: at(2 * HOUR) }, T0),
      ).resolves.toBe(1);
      expect((await raw.all()).map(({ expiresAt }) => expiresAt)).toEqual([
        at(HOUR).getTime(),
        at(2 * HOUR).getTime(),
      ]);
      const current = await row(0);
      await raw.update(current.id, { iv: Buffer.alloc(12) });
      await expect(store.purgeExpired(at(90 * 60_000))).resolves.toBe(1);
      expect((await store.latestActive(T0))?.token).toBe('new');
    });
  });
}
