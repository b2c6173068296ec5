import { InvalidServiceAccessTokenError } from '../errors';
import { describe, readClock, systemClock, type Clock } from '../time';
import { ServiceAccessToken } from './service-access-token';
import { assertServiceAccessTokenStore, type ServiceAccessTokenStore } from './store';

/**
 * What `syncServiceAccessToken` stores: the token the licensing service sent and its expiry.
 *
 * @example
 * ```ts
 * const received: SyncServiceAccessTokenOptions = {
 *   token: body.token,
 *   expiresAt: new Date(body.expires_at * 1000),
 * };
 * ```
 */
export interface SyncServiceAccessTokenOptions {
  /** The access token, a non-empty string. */
  token: string;
  /** When it expires: a valid `Date` later than `now`. */
  expiresAt: Date;
  /** The clock. Default: the real one. */
  now?: Clock | undefined;
}

/**
 * What a sync did.
 *
 * @example
 * ```ts
 * const { token, purged }: SyncServiceAccessTokenResult = await syncServiceAccessToken(store, received);
 * ```
 */
export interface SyncServiceAccessTokenResult {
  /** The token now stored. */
  token: ServiceAccessToken;
  /** How many expired tokens were deleted. */
  purged: number;
}

/**
 * The self-managed sync job's one step: stores the token just received from the licensing
 * service and deletes the expired ones, in one transaction
 * ({@link ServiceAccessTokenStore.saveAndPurgeExpired}), so readers always find an active token.
 * Refuses a token that is not active at `now` (`expiresAt <= now`): storing it would not help.
 *
 * @throws {@link InvalidServiceAccessTokenError} (rejects) when `token` is empty, `expiresAt` is
 * not a valid `Date`, or the token is not active at `now`.
 * @throws {@link InvalidStoreOptionError} (rejects) when `store` is not a store.
 * @example
 * ```ts
 * import { SqliteServiceAccessTokenStore, syncServiceAccessToken } from 'ai-access-token';
 *
 * const store = new SqliteServiceAccessTokenStore({ filename: 'service-access-tokens.db' });
 * setInterval(async () => {
 *   const { token, expiresAt } = await fetchFromLicensingService();
 *   await syncServiceAccessToken(store, { token, expiresAt: new Date(expiresAt) });
 * }, 60 * 60 * 1000);
 * ```
 */
export async function syncServiceAccessToken(
  store: ServiceAccessTokenStore,
  options: SyncServiceAccessTokenOptions,
): Promise<SyncServiceAccessTokenResult> {
  assertServiceAccessTokenStore(store);
  const rawOptions: unknown = options;
  if (typeof rawOptions !== 'object' || rawOptions === null) {
    throw new InvalidServiceAccessTokenError(
      'token',
      `options must be an object { token, expiresAt }; got ${describe(rawOptions)}`,
    );
  }
  const token = new ServiceAccessToken({ token: options.token, expiresAt: options.expiresAt });
  const clock: unknown = options.now ?? systemClock;
  if (typeof clock !== 'function') {
    throw new InvalidServiceAccessTokenError(
      'now',
      `now must be a function returning a Date; got ${describe(clock)}`,
    );
  }
  const now = readClock(clock as Clock);
  if (!token.isActive(now)) {
    throw new InvalidServiceAccessTokenError(
      'expiresAt',
      `expiresAt must be later than now (${now.toISOString()}); got ${token.expiresAt.toISOString()}, a token that is already expired`,
    );
  }
  const purged = await store.saveAndPurgeExpired(token, now);
  return { token, purged };
}
