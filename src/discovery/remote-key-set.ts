import { isNativeError } from 'node:util/types';
import { InvalidClaimError, JwksFetchError } from '../errors';
import { readClock, systemClock, type Clock } from '../time';
import {
  publicKeysFromJwks,
  type JsonWebKeyInput,
  type VerificationKey,
} from '../verify/verification-keys';
import { DISCOVERY_PATH, assertIssuerUrl, joinIssuerPath, quote, urlProblem } from './issuer-url';
import { assertKnownOptions, functionOption, wholeNumberOption } from '../option-checks';

/**
 * The `fetch` a remote key set calls: Node's global `fetch`, or a wrapper around it (to add a
 * proxy agent, headers or metrics).
 *
 * @example
 * ```ts
 * const counting: FetchFunction = (url, init) => { fetches += 1; return fetch(url, init); };
 * ```
 */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

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
  /** Time limit of each HTTP request, whole milliseconds. Default 5000. */
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
 * What a remote key set holds right now, e.g. for a health check.
 *
 * @example
 * ```ts
 * const { keyCount, fetchedAt, errors } = remoteKeys.status();
 * ```
 */
export interface RemoteKeySetStatus {
  /** Keys in use, of all issuers. */
  readonly keyCount: number;
  /** When the last fetch that reached every issuer finished, or `undefined`. */
  readonly fetchedAt: Date | undefined;
  /** The failures of the last fetch, one per issuer that failed; empty when all succeeded. */
  readonly errors: readonly JwksFetchError[];
}

/**
 * The keys of one or more OpenID issuers, fetched from their discovery documents and JWKS,
 * merged and cached. Pass it as `keys` to `verifyAiAccessTokenAsync`.
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
   * Fetches every issuer now, ignoring cache age and cooldown (still one fetch at a time: a call
   * during a fetch joins it). Fetch failures do not reject: they go to `onError` and
   * `status().errors`, and the last good keys stay in use.
   */
  refresh(): Promise<void>;
  /** What the set holds now. */
  status(): RemoteKeySetStatus;
}

/**
 * Largest discovery or JWKS body a remote key set accepts, in bytes (1 MiB). A real JWKS is a few
 * kilobytes; a larger answer is refused with `JwksFetchError` reason `'too-large'`.
 *
 * @example
 * ```ts
 * MAX_DOCUMENT_BYTES; // 1048576
 * ```
 */
export const MAX_DOCUMENT_BYTES = 1_048_576;
/**
 * Most keys a remote key set accepts from one issuer's JWKS; more is refused with
 * `JwksFetchError` reason `'too-large'`.
 *
 * @example
 * ```ts
 * MAX_KEYS_PER_ISSUER; // 100
 * ```
 */
export const MAX_KEYS_PER_ISSUER = 100;
const MAX_ISSUERS = 20;
const NO_KEYS_MESSAGE = 'No keys found in JWKS; are OIDC providers up?';
const OPTION_NAMES: readonly string[] = [
  'issuers',
  'fetch',
  'cacheMaxAgeSeconds',
  'cooldownSeconds',
  'timeoutMs',
  'onError',
  'now',
];

interface ResolvedRemoteKeySetOptions {
  readonly issuers: readonly string[];
  readonly fetch: FetchFunction;
  readonly cacheMaxAgeMs: number;
  readonly cooldownMs: number;
  readonly timeoutMs: number;
  readonly onError: ((error: JwksFetchError) => void) | undefined;
  readonly now: Clock;
}

interface IssuerKeys {
  readonly keys: readonly VerificationKey[];
  readonly fetchedAt: number;
}

/**
 * The implementation behind {@link RemoteKeySet}. Internal: `verifyAiAccessTokenAsync` recognises
 * it with `instanceof` and asks it for keys; users only see the interface.
 */
export class HttpRemoteKeySet implements RemoteKeySet {
  readonly issuers: readonly string[];
  readonly #options: ResolvedRemoteKeySetOptions;
  readonly #byIssuer = new Map<string, IssuerKeys>();
  #merged: readonly VerificationKey[] = [];
  #lastAttemptAt: number | undefined;
  #fetchedAt: number | undefined;
  #errors: readonly JwksFetchError[] = [];
  #inFlight: Promise<void> | undefined;

  constructor(options: ResolvedRemoteKeySetOptions) {
    this.#options = options;
    this.issuers = options.issuers;
  }

  /**
   * The keys that may verify a token with this `kid` (all keys; the verifier picks by `kid`),
   * fetching first when nothing was fetched yet, the cache is older than `cacheMaxAgeSeconds`, or
   * no key has this `kid` — each at most once per cooldown, and concurrent callers share one fetch.
   *
   * @throws {@link JwksFetchError} `'no-keys'` when no issuer has ever given a usable key.
   */
  async verificationKeys(kid: string | undefined): Promise<readonly VerificationKey[]> {
    if (this.#needsFetch(kid)) {
      if (this.#inFlight !== undefined) {
        await this.#inFlight;
      } else if (this.#cooledDown()) {
        await this.refresh();
      }
    }
    if (this.#merged.length === 0) {
      // No keys means every fetch so far failed for every issuer (an issuer that answers gives at
      // least one key, or fails), so the last fetch left one error per issuer to report.
      const errors = this.#errors;
      const details = errors.map((error) => error.message).join('; ');
      throw new JwksFetchError('no-keys', `${NO_KEYS_MESSAGE} ${details}`, {
        cause: errors.length === 1 ? errors[0] : new AggregateError(errors, details),
      });
    }
    return this.#merged;
  }

  refresh(): Promise<void> {
    this.#inFlight ??= this.#fetchAll().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  status(): RemoteKeySetStatus {
    return {
      keyCount: this.#merged.length,
      fetchedAt: this.#fetchedAt === undefined ? undefined : new Date(this.#fetchedAt),
      errors: this.#errors,
    };
  }

  #now(): number {
    return readClock(this.#options.now).getTime();
  }

  #needsFetch(kid: string | undefined): boolean {
    if (this.#merged.length === 0) return true;
    if (kid !== undefined && !this.#merged.some((entry) => entry.kid === kid)) return true;
    const now = this.#now();
    for (const issuer of this.issuers) {
      const cached = this.#byIssuer.get(issuer);
      if (cached === undefined || now - cached.fetchedAt >= this.#options.cacheMaxAgeMs) {
        return true;
      }
    }
    return false;
  }

  #cooledDown(): boolean {
    return (
      this.#lastAttemptAt === undefined ||
      this.#now() - this.#lastAttemptAt >= this.#options.cooldownMs
    );
  }

  async #fetchAll(): Promise<void> {
    const startedAt = this.#now();
    this.#lastAttemptAt = startedAt;
    const results = await Promise.all(
      this.issuers.map((issuer) =>
        fetchIssuerKeys(issuer, this.#options).then(
          (keys) => ({ issuer, keys }),
          (reason: unknown) => ({ issuer, error: asFetchError(reason, issuer) }),
        ),
      ),
    );
    const errors: JwksFetchError[] = [];
    for (const result of results) {
      if ('error' in result) {
        errors.push(result.error);
      } else {
        // Stale-if-error: an issuer's keys are replaced only by a successful fetch.
        this.#byIssuer.set(result.issuer, { keys: result.keys, fetchedAt: startedAt });
      }
    }
    this.#merged = Object.freeze(
      this.issuers.flatMap((issuer) => this.#byIssuer.get(issuer)?.keys ?? []),
    );
    this.#errors = Object.freeze(errors);
    if (errors.length === 0) this.#fetchedAt = startedAt;
    for (const error of errors) {
      try {
        this.#options.onError?.(error);
      } catch {
        // A broken logger must not break verification.
      }
    }
  }
}

/**
 * Keys of remote OpenID issuers for `verifyAiAccessTokenAsync`, fetched the way the AI gateway
 * does: for each issuer, `GET {issuer}/.well-known/openid-configuration` (whose `issuer` must equal
 * the configured one exactly), then its `jwks_uri`; the keys of all issuers are merged.
 *
 * - **Cache**: keys are used for `cacheMaxAgeSeconds` (a day), then fetched again.
 * - **Unknown `kid`**: a token whose `kid` no key has triggers a fetch (a rotation), but at most
 *   one fetch happens per `cooldownSeconds`, whatever triggers it, and concurrent verifications
 *   share one fetch, so a flood of tokens with random `kid`s cannot become a flood of requests.
 * - **Stale-if-error**: when an issuer cannot be reached, its last good keys stay in use and
 *   `onError` is told; tokens signed by keys already known keep verifying.
 * - **No keys at all** (every issuer failed since start-up): verification rejects with
 *   {@link JwksFetchError} `'no-keys'`, "No keys found in JWKS; are OIDC providers up?", followed
 *   by each issuer's failure (e.g. a timeout).
 * - **Bounds**: each request is aborted after `timeoutMs` (`AbortSignal.timeout`), redirects are
 *   not followed, bodies over 1 MiB and JWKS of more than 100 keys are refused, and only RSA keys
 *   of at least 2048 bits for RS256 are kept, parsed once per fetch.
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

async function fetchIssuerKeys(
  issuer: string,
  options: ResolvedRemoteKeySetOptions,
): Promise<VerificationKey[]> {
  const discoveryUrl = joinIssuerPath(issuer, DISCOVERY_PATH);
  const discovery = await fetchJson(discoveryUrl, 'discovery document', options);
  const claimed = discovery.issuer;
  if (claimed !== issuer) {
    throw new JwksFetchError(
      'issuer-mismatch',
      `discovery document ${quote(discoveryUrl)} names issuer ${typeof claimed === 'string' ? quote(claimed) : 'nothing'}, not ${quote(issuer)}; its keys are not trusted for ${quote(issuer)}`,
      { url: discoveryUrl },
    );
  }
  const noJwksUri = (problem: string): JwksFetchError =>
    new JwksFetchError(
      'invalid-document',
      `discovery document ${quote(discoveryUrl)} has no usable jwks_uri: ${problem}`,
      { url: discoveryUrl },
    );
  const jwksUri = discovery.jwks_uri;
  if (typeof jwksUri !== 'string') throw noJwksUri('it is missing');
  const problem = urlProblem(jwksUri);
  if (problem !== null) throw noJwksUri(problem);
  const jwks = await fetchJson(jwksUri, 'JWKS', options);
  const entries = jwks.keys;
  if (!Array.isArray(entries)) {
    throw new JwksFetchError('invalid-document', `JWKS ${quote(jwksUri)} has no "keys" array`, {
      url: jwksUri,
    });
  }
  if (entries.length > MAX_KEYS_PER_ISSUER) {
    throw new JwksFetchError(
      'too-large',
      `JWKS ${quote(jwksUri)} has ${entries.length} keys; at most ${MAX_KEYS_PER_ISSUER} are accepted`,
      { url: jwksUri },
    );
  }
  const keys = publicKeysFromJwks({ keys: entries as JsonWebKeyInput[] });
  if (keys.length === 0) {
    throw new JwksFetchError(
      'no-keys',
      `JWKS ${quote(jwksUri)} has no usable key: none of its ${entries.length} entries is an RSA key of at least 2048 bits for RS256`,
      { url: jwksUri },
    );
  }
  return keys;
}

async function fetchJson(
  url: string,
  what: string,
  options: ResolvedRemoteKeySetOptions,
): Promise<Record<string, unknown>> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const failure = (cause: unknown): JwksFetchError =>
    signal.aborted
      ? new JwksFetchError(
          'timeout',
          `${what} ${quote(url)} did not answer within ${options.timeoutMs} ms`,
          { url, cause },
        )
      : new JwksFetchError(
          'network',
          `${what} ${quote(url)} could not be fetched: ${causeOf(cause)}`,
          {
            url,
            cause,
          },
        );
  let response: Response;
  try {
    response = await options.fetch(url, {
      signal,
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
  } catch (cause) {
    throw failure(cause);
  }
  if (response.status !== 200) {
    await discardBody(response);
    throw new JwksFetchError(
      'http-status',
      `${what} ${quote(url)} answered HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}; expected 200`,
      { url },
    );
  }
  let text: string;
  try {
    text = await readLimited(response, url, what);
  } catch (cause) {
    throw cause instanceof JwksFetchError ? cause : failure(cause);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new JwksFetchError('invalid-json', `${what} ${quote(url)} is not JSON`, { url, cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwksFetchError('invalid-document', `${what} ${quote(url)} is not a JSON object`, {
      url,
    });
  }
  return value as Record<string, unknown>;
}

// Counted while reading, not trusted from Content-Length alone: a server may omit or lie about it.
async function readLimited(response: Response, url: string, what: string): Promise<string> {
  const tooLarge = (): JwksFetchError =>
    new JwksFetchError(
      'too-large',
      `${what} ${quote(url)} is larger than ${MAX_DOCUMENT_BYTES} bytes`,
      { url },
    );
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_DOCUMENT_BYTES) {
    await discardBody(response);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_DOCUMENT_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to free.
  }
}

function asFetchError(reason: unknown, issuer: string): JwksFetchError {
  if (reason instanceof JwksFetchError) return reason;
  return new JwksFetchError(
    'network',
    `keys of ${quote(issuer)} could not be fetched: ${causeOf(reason)}`,
    {
      url: issuer,
      cause: reason,
    },
  );
}

// undici reports "fetch failed" and puts the useful part (ECONNREFUSED, ...) in `cause`.
// Not `instanceof Error`: undici's errors come from Node's own realm, not a vm context's (jest's).
function causeOf(error: unknown): string {
  if (!isNativeError(error)) return 'unknown error';
  const inner: unknown = error.cause;
  const code =
    typeof inner === 'object' && inner !== null && 'code' in inner ? String(inner.code) : undefined;
  return code === undefined ? error.message : `${error.message} (${code})`;
}
