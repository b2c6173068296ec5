import { ServiceAccessTokenStoreError } from '../errors';
import {
  toServiceAccessToken,
  validDate,
  type ServiceAccessToken,
  type ServiceAccessTokenInit,
} from './service-access-token';
import { settle } from './settle';
import type { ServiceAccessTokenStore } from './store';

/**
 * A {@link ServiceAccessTokenStore} in the process's memory: for tests, and for a single process
 * that can afford to fetch a new token after a restart. Behaves exactly like
 * `SqliteServiceAccessTokenStore` (the same contract tests run against both), without encryption
 * since nothing is written anywhere.
 *
 * @example
 * ```ts
 * const store = new MemoryServiceAccessTokenStore();
 * await syncServiceAccessToken(store, { token, expiresAt });
 * (await store.latestActive())?.token;
 * ```
 */
export class MemoryServiceAccessTokenStore implements ServiceAccessTokenStore {
  // In insertion order, so the last of equal expiries is the one saved last.
  #tokens: ServiceAccessToken[] = [];
  #closed = false;

  /** {@inheritDoc ServiceAccessTokenStore.save} */
  save(token: ServiceAccessToken | ServiceAccessTokenInit): Promise<ServiceAccessToken> {
    return settle(() => {
      this.#assertOpen();
      const stored = toServiceAccessToken(token);
      this.#tokens.push(stored);
      return stored;
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.latestActive} */
  latestActive(now: Date = new Date()): Promise<ServiceAccessToken | null> {
    return settle(() => {
      this.#assertOpen();
      const at = validDate('now', now);
      let latest: ServiceAccessToken | null = null;
      for (const token of this.#tokens) {
        if (token.isActive(at) && (latest === null || token.expiresAt >= latest.expiresAt)) {
          latest = token;
        }
      }
      return latest;
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.purgeExpired} */
  purgeExpired(now: Date = new Date()): Promise<number> {
    return settle(() => {
      this.#assertOpen();
      return this.#purge(validDate('now', now));
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.saveAndPurgeExpired} */
  saveAndPurgeExpired(
    token: ServiceAccessToken | ServiceAccessTokenInit,
    now: Date = new Date(),
  ): Promise<number> {
    return settle(() => {
      this.#assertOpen();
      const stored = toServiceAccessToken(token);
      const at = validDate('now', now);
      this.#tokens.push(stored);
      return this.#purge(at);
    });
  }

  /** {@inheritDoc ServiceAccessTokenStore.close} */
  close(): Promise<void> {
    this.#closed = true;
    this.#tokens = [];
    return Promise.resolve();
  }

  #purge(now: Date): number {
    const before = this.#tokens.length;
    this.#tokens = this.#tokens.filter((token) => !token.isExpired(now));
    return before - this.#tokens.length;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ServiceAccessTokenStoreError('closed', 'the service access token store is closed');
    }
  }
}
