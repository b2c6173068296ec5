// The cached keys of ONE issuer of a remote key set, and everything about fetching them: cache
// age, cooldown, the fetch in flight, the last error. Issuers never share any of it, so an issuer
// that is down can neither delay nor trigger the fetches of another.
import { JwksFetchError } from '../errors';
import { readClock, type Clock } from '../time';
import type { VerificationKey } from '../verify/verification-keys';
import { fetchIssuerKeys, type FetchIssuerKeysOptions } from './fetch-issuer-keys';
import { quote } from './issuer-url';

/** The options of a remote key set that govern one issuer's cache. */
export interface IssuerKeysOptions extends FetchIssuerKeysOptions {
  readonly cacheMaxAgeMs: number;
  readonly cooldownMs: number;
  readonly onError: ((error: JwksFetchError) => void) | undefined;
  readonly now: Clock;
}

/**
 * What one issuer of a remote key set holds right now.
 *
 * @example
 * ```ts
 * const down = remoteKeys.status().issuers.filter((issuer) => issuer.error !== undefined);
 * ```
 */
export interface RemoteIssuerStatus {
  /** The issuer URL, as configured (and as the `iss` of its tokens must say). */
  readonly issuer: string;
  /** The `jwks_uri` its discovery document named at the last successful fetch, or `undefined`. */
  readonly jwksUri: string | undefined;
  /** Keys of this issuer in use. */
  readonly keyCount: number;
  /** When the fetch that gave the keys in use started, or `undefined` if none has succeeded. */
  readonly fetchedAt: Date | undefined;
  /** Why the last fetch failed, or `undefined` when it succeeded (or none was made yet). */
  readonly error: JwksFetchError | undefined;
  /** `true` while a fetch of this issuer is in flight. */
  readonly fetching: boolean;
  /**
   * Starts at 0 and grows by one each time a fetch changes this issuer's keys (a key added,
   * removed or replaced), so a cache of verification results can tell that a key it relied on
   * may have left the set.
   */
  readonly generation: number;
}

const NO_KEYS_MESSAGE = 'No keys found in JWKS; are OIDC providers up?';
const NONE: readonly VerificationKey[] = Object.freeze([]);

/** One issuer's key cache. Internal to the remote key set. */
export class IssuerKeys {
  readonly issuer: string;
  readonly #options: IssuerKeysOptions;
  #keys: readonly VerificationKey[] = NONE;
  #jwksUri: string | undefined;
  #fetchedAt: number | undefined;
  #lastAttemptAt: number | undefined;
  #error: JwksFetchError | undefined;
  #inFlight: Promise<void> | undefined;
  #generation = 0;

  constructor(issuer: string, options: IssuerKeysOptions) {
    this.issuer = issuer;
    this.#options = options;
  }

  /**
   * The keys, when one of them can verify a token with this `kid`: served from the cache at once,
   * even when it is stale. A stale cache is refreshed in the background (at most one fetch at a
   * time and one per cooldown), so the token that notices never waits for it. `undefined` when
   * no cached key can apply: then the caller waits with {@link IssuerKeys.fetched}.
   */
  cached(kid: string | undefined): readonly VerificationKey[] | undefined {
    const keys = this.#keys;
    const applies =
      kid === undefined
        ? keys.length > 0
        : keys.some((entry) => entry.kid === undefined || entry.kid === kid);
    if (!applies) return undefined;
    if (this.#inFlight === undefined) {
      const now = this.#now();
      if (this.#isStale(now) && this.#cooledDown(now)) void this.refresh();
    }
    return keys;
  }

  /**
   * The keys after this issuer's fetch: the one in flight is joined; otherwise one is started
   * unless the last began less than a cooldown ago (then the keys are returned as they are).
   * A fetch ends within `timeoutMs`, so this waits no longer.
   *
   * @throws {@link JwksFetchError} `'no-keys'` when this issuer has never given a usable key.
   */
  async fetched(): Promise<readonly VerificationKey[]> {
    if (this.#inFlight !== undefined) {
      await this.#inFlight;
    } else if (this.#cooledDown(this.#now())) {
      await this.refresh();
    }
    if (this.#keys.length === 0) {
      const error = this.#error;
      throw new JwksFetchError(
        'no-keys',
        `${NO_KEYS_MESSAGE} ${error?.message ?? `no keys of ${quote(this.issuer)} fetched yet`}`,
        { cause: error },
      );
    }
    return this.#keys;
  }

  /** Fetches now, whatever the cache age and cooldown; joins the fetch in flight. Never rejects. */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** See {@link RemoteIssuerStatus.generation}; read by the verified-token cache on every hit. */
  get generation(): number {
    return this.#generation;
  }

  status(): RemoteIssuerStatus {
    return Object.freeze({
      issuer: this.issuer,
      jwksUri: this.#jwksUri,
      keyCount: this.#keys.length,
      fetchedAt: this.#fetchedAt === undefined ? undefined : new Date(this.#fetchedAt),
      error: this.#error,
      fetching: this.#inFlight !== undefined,
      generation: this.#generation,
    });
  }

  async #fetch(): Promise<void> {
    const startedAt = this.#now();
    this.#lastAttemptAt = startedAt;
    let fetched;
    try {
      fetched = await fetchIssuerKeys(this.issuer, this.#options);
    } catch (error) {
      // Stale-if-error: the keys are replaced only by a successful fetch.
      this.#error = error as JwksFetchError;
      try {
        this.#options.onError?.(this.#error);
      } catch {
        // A broken logger must not break verification.
      }
      return;
    }
    if (!sameKeys(this.#keys, fetched.keys)) this.#generation += 1;
    this.#keys = fetched.keys;
    this.#jwksUri = fetched.jwksUri;
    this.#fetchedAt = startedAt;
    this.#error = undefined;
  }

  #now(): number {
    return readClock(this.#options.now).getTime();
  }

  #isStale(now: number): boolean {
    return this.#fetchedAt === undefined || now - this.#fetchedAt >= this.#options.cacheMaxAgeMs;
  }

  #cooledDown(now: number): boolean {
    return (
      this.#lastAttemptAt === undefined || now - this.#lastAttemptAt >= this.#options.cooldownMs
    );
  }
}

// The same keys, in any order: a refetch that brings back the same JWKS is not a change.
function sameKeys(before: readonly VerificationKey[], after: readonly VerificationKey[]): boolean {
  return (
    before.length === after.length &&
    after.every((key) => before.some((old) => old.kid === key.kid && old.key.equals(key.key)))
  );
}
