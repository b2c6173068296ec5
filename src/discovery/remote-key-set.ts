import { InvalidClaimError, type JwksFetchError } from '../errors';
import { systemClock, type Clock } from '../time';
import type { FetchFunction } from './fetch-issuer-keys';
import { IssuerKeys, type IssuerKeysOptions, type RemoteIssuerStatus } from './issuer-keys';
import { assertIssuerUrl } from './issuer-url';
import { assertKnownOptions, functionOption, wholeNumberOption } from '../option-checks';

export { MAX_DOCUMENT_BYTES, MAX_KEYS_PER_ISSUER, type FetchFunction } from './fetch-issuer-keys';
export type { RemoteIssuerStatus } from './issuer-keys';

/**
 * Options of {@link createRemoteKeySet}.
 *
 * @example
 * ```ts
 * const options: RemoteKeySetOptions = {
 *   issuers: ['https://gitlab.com', 'https://customers.gitlab.com'],
 *   onError: (error) => logger.warn({ code: error.code, reason: error.reason, url: error.url }, error.message),
 * };
 * ```
 */
export interface RemoteKeySetOptions {
  /**
   * The trusted issuers (1 to 20): absolute `https:` URLs (or `http:` on `localhost`, `127.0.0.1`
   * or `[::1]`), each exactly as its discovery document's `issuer` says.
   */
  issuers: readonly string[];
  /** Default: Node's global `fetch`. */
  fetch?: FetchFunction | undefined;
  /** How long fetched keys are used before they are fetched again, whole seconds. Default 86400 (a day). */
  cacheMaxAgeSeconds?: number | undefined;
  /** The least time between two fetches, whole seconds, whatever asks for them. Default 30. */
  cooldownSeconds?: number | undefined;
  /**
   * Time limit of fetching one issuer's keys (discovery document and JWKS together), whole
   * milliseconds; also the longest a verification ever waits for a fetch. Default 5000.
   */
  timeoutMs?: number | undefined;
  /**
   * Told about every failed fetch of an issuer, including those that verification survives
   * because older keys are still in use. Errors it throws are ignored.
   */
  onError?: ((error: JwksFetchError) => void) | undefined;
  /** The clock, for cache age and cooldown. Default: the real one. */
  now?: Clock | undefined;
}

/**
 * What a remote key set holds right now, e.g. for a health check: totals, and each issuer's own
 * state in `issuers`.
 *
 * @example
 * ```ts
 * const { keyCount, issuers } = remoteKeys.status();
 * for (const { issuer, keyCount, fetchedAt, error } of issuers) {
 *   console.log(issuer, keyCount, fetchedAt?.toISOString(), error?.reason);
 * }
 * ```
 */
export interface RemoteKeySetStatus {
  /** Keys in use, of all issuers. */
  readonly keyCount: number;
  /**
   * When the oldest of the issuers' keys in use were fetched: every issuer's keys are at least
   * this fresh. `undefined` while some issuer has never been fetched successfully.
   */
  readonly fetchedAt: Date | undefined;
  /** The last fetch failure of each issuer whose last fetch failed; empty when none did. */
  readonly errors: readonly JwksFetchError[];
  /** Each issuer's state, in the order of the `issuers` option. */
  readonly issuers: readonly RemoteIssuerStatus[];
}

/**
 * The keys of one or more OpenID issuers, fetched from their discovery documents and JWKS, and
 * cached per issuer: each key remembers its issuer and verifies only tokens whose `iss` names it.
 * Pass it as `keys` to `verifyAiAccessTokenAsync`.
 *
 * @example
 * ```ts
 * const remoteKeys: RemoteKeySet = createRemoteKeySet({ issuers: ['https://gitlab.com'] });
 * await verifyAiAccessTokenAsync(token, { keys: remoteKeys });
 * ```
 */
export interface RemoteKeySet {
  /** The issuers, as configured. */
  readonly issuers: readonly string[];
  /**
   * Fetches every issuer now, ignoring cache age and cooldown (an issuer already being fetched is
   * not fetched twice: the call joins that fetch). Fetch failures do not reject: they go to
   * `onError` and `status()`, and the last good keys stay in use.
   */
  refresh(): Promise<void>;
  /** What the set holds now. */
  status(): RemoteKeySetStatus;
}

const MAX_ISSUERS = 20;
const OPTION_NAMES: readonly string[] = [
  'issuers',
  'fetch',
  'cacheMaxAgeSeconds',
  'cooldownSeconds',
  'timeoutMs',
  'onError',
  'now',
];

interface ResolvedRemoteKeySetOptions extends IssuerKeysOptions {
  readonly issuers: readonly string[];
}

/**
 * The implementation behind {@link RemoteKeySet}. Internal: `verifyAiAccessTokenAsync` recognises
 * it with `instanceof` and asks it for one issuer's keys; users only see the interface.
 */
export class HttpRemoteKeySet implements RemoteKeySet {
  readonly issuers: readonly string[];
  readonly #byIssuer: ReadonlyMap<string, IssuerKeys>;
  #refreshing: Promise<void> | undefined;

  constructor(options: ResolvedRemoteKeySetOptions) {
    this.issuers = options.issuers;
    this.#byIssuer = new Map(
      options.issuers.map((issuer) => [issuer, new IssuerKeys(issuer, options)]),
    );
  }

  /** The key cache of `issuer`, or `undefined` when it is not one of this set's issuers. */
  issuerKeys(issuer: string): IssuerKeys | undefined {
    return this.#byIssuer.get(issuer);
  }

  refresh(): Promise<void> {
    this.#refreshing ??= Promise.all([...this.#byIssuer.values()].map((keys) => keys.refresh()))
      .then(() => undefined)
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  status(): RemoteKeySetStatus {
    const issuers = [...this.#byIssuer.values()].map((keys) => keys.status());
    const fetchedAt = issuers.map((issuer) => issuer.fetchedAt);
    return Object.freeze({
      keyCount: issuers.reduce((sum, issuer) => sum + issuer.keyCount, 0),
      fetchedAt: fetchedAt.includes(undefined)
        ? undefined
        : new Date(Math.min(...fetchedAt.map((date) => date?.getTime() ?? 0))),
      errors: Object.freeze(
        issuers.flatMap((issuer) => (issuer.error === undefined ? [] : [issuer.error])),
      ),
      issuers: Object.freeze(issuers),
    });
  }
}

/**
 * Keys of remote OpenID issuers for `verifyAiAccessTokenAsync`, fetched the way the AI gateway
 * does: for each issuer, `GET {issuer}/.well-known/openid-configuration` (whose `issuer` must equal
 * the configured one exactly), then its `jwks_uri`.
 *
 * - **Issuer binding** (stricter than the gateway, which merges all keys): each key remembers its
 *   issuer, and a token is verified only with the keys of the issuer its `iss` names. A token
 *   whose `iss` is none of `issuers` is rejected (`ERR_TOKEN_ISSUER`) before anything is fetched.
 * - **Per issuer**: cache age, cooldown, the fetch in flight and the last error are each issuer's
 *   own; one issuer's fetch never waits for, or triggers, another's.
 * - **Known keys never wait**: a token whose `kid` is cached for its issuer is verified at once,
 *   even when the cache is older than `cacheMaxAgeSeconds` (a day); the stale issuer is then
 *   refreshed in the background, one fetch at a time.
 * - **Unknown `kid`** (a rotation) or an issuer never fetched: the verification waits for that
 *   issuer's fetch, at most `timeoutMs`; at most one fetch per issuer happens per
 *   `cooldownSeconds`, and concurrent verifications share it, so a flood of tokens with random
 *   `kid`s cannot become a flood of requests.
 * - **Stale-if-error**: when an issuer cannot be reached, its last good keys stay in use and
 *   `onError` is told.
 * - **No keys** for the token's issuer (every fetch of it failed since start-up): verification
 *   rejects with {@link JwksFetchError} `'no-keys'`, "No keys found in JWKS; are OIDC providers
 *   up?", followed by that issuer's last failure (e.g. a timeout).
 * - **Bounds**: each issuer's fetch is aborted after `timeoutMs`, redirects are not followed, URLs
 *   with credentials are refused, bodies over 1 MiB and JWKS of more than 100 keys are refused,
 *   `jwks_uri` may be plain `http:` only when the issuer itself is a loopback `http:` URL, and
 *   only RSA keys of at least 2048 bits for RS256 are kept, parsed once per fetch.
 *
 * Options are validated here, once; nothing is fetched until the first verification (or
 * `refresh()`).
 *
 * @throws {@link InvalidClaimError} naming the option when an option breaks its rule.
 * @example
 * ```ts
 * import { createRemoteKeySet, verifyAiAccessTokenAsync } from 'ai-access-token';
 *
 * const remoteKeys = createRemoteKeySet({
 *   issuers: ['https://gitlab.com', 'https://customers.gitlab.com'],
 *   onError: (error) => console.warn(`JWKS fetch failed (${error.reason}): ${error.message}`),
 * });
 * const verified = await verifyAiAccessTokenAsync(token, {
 *   keys: remoteKeys,
 *   requiredScopes: ['code_suggestions'],
 * });
 * verified.issuer; // 'https://gitlab.com' or 'https://customers.gitlab.com', never anything else
 * ```
 */
export function createRemoteKeySet(options: RemoteKeySetOptions): RemoteKeySet {
  return new HttpRemoteKeySet(resolveRemoteKeySetOptions(options));
}

function resolveRemoteKeySetOptions(options: RemoteKeySetOptions): ResolvedRemoteKeySetOptions {
  assertKnownOptions(options, OPTION_NAMES);
  return Object.freeze({
    issuers: resolveIssuers(options.issuers),
    // Bound at call time, not import time, so a fetch installed later (or a test's) is used.
    fetch:
      functionOption('fetch', options.fetch) ??
      ((url: string, init: RequestInit) => globalThis.fetch(url, init)),
    cacheMaxAgeMs:
      wholeNumberOption(
        'cacheMaxAgeSeconds',
        options.cacheMaxAgeSeconds,
        86_400,
        0,
        2_592_000,
        'seconds',
      ) * 1000,
    cooldownMs:
      wholeNumberOption('cooldownSeconds', options.cooldownSeconds, 30, 0, 86_400, 'seconds') *
      1000,
    timeoutMs: wholeNumberOption('timeoutMs', options.timeoutMs, 5000, 1, 120_000, 'milliseconds'),
    onError: functionOption('onError', options.onError),
    now: functionOption('now', options.now) ?? systemClock,
  });
}

function resolveIssuers(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ISSUERS) {
    throw new InvalidClaimError(
      'issuers',
      `issuers must be an array of 1 to ${MAX_ISSUERS} issuer URLs; got ${Array.isArray(value) ? `${value.length} items` : typeof value}`,
    );
  }
  const issuers = (value as unknown[]).map((issuer, index) =>
    assertIssuerUrl(`issuers[${index}]`, issuer),
  );
  return Object.freeze([...new Set(issuers)]);
}
