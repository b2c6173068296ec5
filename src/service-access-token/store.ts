import { InvalidStoreOptionError } from '../errors';
import { describe } from '../time';
import type { ServiceAccessToken, ServiceAccessTokenInit } from './service-access-token';

/**
 * Where a self-managed instance keeps the service access tokens it receives. Every method returns
 * a Promise, so a store on a network database (PostgreSQL, say) implements the same interface as
 * the embedded SQLite one.
 *
 * Time is a `Date` argument (default: the real time now). "Active" means `expiresAt > now` and
 * "expired" means `expiresAt < now`: a token expiring exactly now is neither returned by
 * {@link ServiceAccessTokenStore.latestActive} nor removed by
 * {@link ServiceAccessTokenStore.purgeExpired}.
 *
 * Atomicity is part of the interface rather than left to callers: the sync job needs "save the
 * new token and delete the expired ones" to happen as one transaction, so
 * {@link ServiceAccessTokenStore.saveAndPurgeExpired} is a method of its own. A PostgreSQL store
 * implements it as `BEGIN; INSERT …; DELETE … WHERE expires_at < $now; COMMIT`; no store has to
 * expose a general transaction API, which would not fit every client library.
 *
 * @example
 * ```ts
 * async function currentToken(store: ServiceAccessTokenStore): Promise<string | null> {
 *   return (await store.latestActive())?.token ?? null;
 * }
 * ```
 */
export interface ServiceAccessTokenStore {
  /**
   * Stores a token. Expired tokens may be saved (they are simply never active).
   *
   * @returns the stored token.
   * @throws {@link InvalidServiceAccessTokenError} when `token` or `expiresAt` is invalid.
   */
  save(token: ServiceAccessToken | ServiceAccessTokenInit): Promise<ServiceAccessToken>;

  /**
   * The active token (`expiresAt > now`) that expires last, or `null` when there is none. Ties
   * go to the token saved last.
   */
  latestActive(now?: Date): Promise<ServiceAccessToken | null>;

  /** Deletes the expired tokens (`expiresAt < now`); resolves to how many were deleted. */
  purgeExpired(now?: Date): Promise<number>;

  /**
   * {@link ServiceAccessTokenStore.save} and {@link ServiceAccessTokenStore.purgeExpired} as one
   * transaction: other readers see either neither or both. Resolves to how many tokens were
   * deleted.
   */
  saveAndPurgeExpired(
    token: ServiceAccessToken | ServiceAccessTokenInit,
    now?: Date,
  ): Promise<number>;

  /** Releases the store's resources. Idempotent; every other method rejects afterwards. */
  close(): Promise<void>;
}

const STORE_METHODS = [
  'save',
  'latestActive',
  'purgeExpired',
  'saveAndPurgeExpired',
  'close',
] as const satisfies readonly (keyof ServiceAccessTokenStore)[];

/**
 * Checks that `value` has every {@link ServiceAccessTokenStore} method; `context` ends the message.
 *
 * @throws {@link InvalidStoreOptionError} (`option: 'store'`) otherwise.
 */
export function assertServiceAccessTokenStore(
  value: unknown,
  context = '',
): asserts value is ServiceAccessTokenStore {
  const missing =
    typeof value === 'object' && value !== null
      ? STORE_METHODS.filter(
          (method) => typeof (value as Record<string, unknown>)[method] !== 'function',
        )
      : STORE_METHODS;
  if (missing.length > 0) {
    throw new InvalidStoreOptionError(
      'store',
      `store must be a ServiceAccessTokenStore${context}, with ${STORE_METHODS.join(', ')}; got ${describe(value)}${
        typeof value === 'object' && value !== null ? ` without ${missing.join(', ')}` : ''
      }`,
    );
  }
}
