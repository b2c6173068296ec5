import { InvalidClaimError } from '../errors';
import { assertKnownOptions, wholeNumberOption } from '../option-checks';
import { keySourceFromEnv } from '../keys/env-key-source';
import { KeyRing } from '../keys/key-ring';
import { KeySchedule } from '../keys/key-schedule';
import { checkSigner, looksLikeSigner, type Signer } from '../keys/signer';
import { SigningKey } from '../keys/signing-key';
import { describe, readClock, type Clock } from '../time';
import { AiAccessToken } from '../token/ai-access-token';
import { resolveTokenOptions, type SigningKeyInput } from '../token/options';
import { normaliseRequest, type IssueRequest, type NormalisedRequest } from './cache-key';
import { flatString } from './flat-string';
import { LruCache } from './lru-cache';

/**
 * Where an {@link AiAccessTokenIssuer} gets its signing key: a fixed key (a {@link SigningKey},
 * any other {@link Signer} such as an HSM or KMS key, a {@link KeyRing}, PEM text or a private
 * `KeyObject`), a {@link KeySchedule} (evaluated at the
 * issuer's clock on every `issue` call: the way to rotate keys for receivers that cache the JWKS,
 * such as the gateway), or a function returning the current `SigningKey`, `Signer` or `KeyRing`,
 * read on every `issue` call. With a `Signer` that is not a `SigningKey`, mint with `issueAsync`.
 *
 * @example
 * ```ts
 * let ring = new KeyRing(SigningKey.fromEnv());
 * const source: IssuerSigningKeySource = () => ring; // later: ring = ring.rotate(nextKey)
 * ```
 */
export type IssuerSigningKeySource = SigningKeyInput | (() => Signer | KeyRing<Signer>);

/**
 * Options of `new AiAccessTokenIssuer(options)`.
 *
 * @example
 * ```ts
 * const options: AiAccessTokenIssuerOptions = {
 *   issuer: 'https://gitlab.example.com',
 *   signingKey: SigningKey.fromEnv(),
 *   refreshBeforeSeconds: 300,
 *   maxEntries: 10_000,
 * };
 * ```
 */
export interface AiAccessTokenIssuerOptions {
  /** Becomes `iss`. Default: the `AI_ACCESS_TOKEN_ISSUER` environment variable, read once. */
  issuer?: string | undefined;
  /**
   * The key that signs, a key schedule, or a function returning the current key. Default: the
   * environment's, read once: `AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE`, else
   * `AI_ACCESS_TOKEN_SIGNING_KEY`, else `AI_ACCESS_TOKEN_SIGNING_KEY_FILE`.
   */
  signingKey?: IssuerSigningKeySource | undefined;
  /**
   * A cached token is replaced this many seconds before it expires. Whole seconds, from 0 to
   * `expiresIn - 1`. Default 300.
   */
  refreshBeforeSeconds?: number | undefined;
  /** How many tokens are remembered; the least recently used is forgotten first. 1 to 10,000,000. Default 10,000. */
  maxEntries?: number | undefined;
  /** Lifetime of each token in whole seconds, 1 to 86400. Default 3600. */
  expiresIn?: number | undefined;
  /** The clock. Default: the real one. */
  now?: Clock | undefined;
  /** Produces `jti`. Default: a random UUID (v4). */
  generateId?: (() => string) | undefined;
}

/**
 * Counters of an {@link AiAccessTokenIssuer}.
 *
 * @example
 * ```ts
 * const { hits, misses, size }: AiAccessTokenIssuerStats = issuer.stats();
 * ```
 */
export interface AiAccessTokenIssuerStats {
  /** Calls answered without a new signature: from the cache, or by joining one in flight. */
  hits: number;
  /** Calls that found no usable token and started minting one (failed attempts included). */
  misses: number;
  /** Tokens currently cached. */
  size: number;
}

/** Default of `refreshBeforeSeconds`. */
const REFRESH_BEFORE_SECONDS = 300;
/** Default of `maxEntries`. */
const MAX_ENTRIES = 10_000;
const MAX_MAX_ENTRIES = 10_000_000;

const OPTION_NAMES: readonly string[] = Object.freeze([
  'issuer',
  'signingKey',
  'refreshBeforeSeconds',
  'maxEntries',
  'expiresIn',
  'now',
  'generateId',
]);

interface CachedToken {
  // The token is kept as its header segment, shared by every token of one key, and the rest:
  // ~100 bytes less per cached token than one string. A hit joins them without copying.
  /** `header.`: the same string object for every entry of a key. */
  readonly head: string;
  /** `payload.signature`, as a flat copy. */
  readonly tail: string;
  // Whole seconds, not milliseconds: small integers are stored in the object itself, where a
  // millisecond time would be a separate 16-byte heap number, twice per cached token.
  /** `nbf`: before it (a clock set back) the token is not yet valid. */
  readonly validFrom: number;
  /** `exp - refreshBeforeSeconds`: from then on a new token is minted. */
  readonly refreshAt: number;
}

interface PreparedRequest {
  /** The time of this call: compared with the cache, and the `iat` of a token minted for it. */
  readonly now: Date;
  readonly key: Signer;
  readonly normalised: NormalisedRequest;
}

interface ResolvedIssuerOptions {
  readonly issuer: string;
  /** The key that signs at `now` (the time of the call). */
  readonly signingKey: (now: Date) => Signer;
  readonly refreshBeforeMs: number;
  readonly maxEntries: number;
  readonly expiresIn: number;
  readonly now: Clock;
  readonly generateId: (() => string) | undefined;
}

/**
 * Mints AI access tokens and reuses them: the object a backend keeps for its lifetime.
 *
 * `issue(request)` returns a cached token for the same subject, scope set (any order), realm,
 * audience, typed claims (instance id, seat count, third-party flag), extra claims and signing key while it has more than `refreshBeforeSeconds` left to
 * live, and mints a new one otherwise. A reused token's `iat` is in the past — it is the token
 * minted earlier, not a new one. The cache is a least-recently-used map of at most `maxEntries`
 * tokens. `issueAsync(request)` signs off the event loop, and concurrent calls for the same
 * token share one signature.
 *
 * @example
 * ```ts
 * import { AiAccessTokenIssuer, SigningKey } from 'ai-access-token';
 *
 * const issuer = new AiAccessTokenIssuer({
 *   issuer: 'https://gitlab.example.com',
 *   signingKey: SigningKey.fromEnv(),
 * });
 * const token = await issuer.issueAsync({ subject: 'user-42', scopes: ['code_suggestions'] });
 * await fetch(gatewayUrl, { headers: { Authorization: `Bearer ${token}` } });
 * ```
 */
export class AiAccessTokenIssuer {
  readonly #options: ResolvedIssuerOptions;
  readonly #cache: LruCache<string, CachedToken>;
  /** The header segment (with its dot) of the cached tokens, shared by their entries. */
  #head: string | undefined;
  readonly #inFlight = new Map<string, Promise<string>>();
  #kid: string | undefined;
  // Stands for #kid in cache keys: a few characters instead of a 43-character thumbprint.
  #keyTag = '0';
  #keyGeneration = 0;
  #hits = 0;
  #misses = 0;

  /**
   * @throws {@link InvalidClaimError} when an option breaks its rule; the message names it.
   * @throws {@link InvalidSigningKeyError} when a fixed `signingKey` is unusable.
   * @throws {@link NoSigningKeyError} when no key is given and none is in the environment.
   */
  constructor(options: AiAccessTokenIssuerOptions) {
    this.#options = resolveIssuerOptions(options);
    this.#cache = new LruCache(this.#options.maxEntries);
  }

  /**
   * A signed token for `request`: the cached one while it has more than `refreshBeforeSeconds`
   * left, else a new one signed on the calling thread.
   *
   * @throws {@link InvalidClaimError} when the request breaks a rule; the message names the field.
   * @throws {@link AsyncOnlySignerError} when a new token is needed and the key is a `Signer`
   * that signs only asynchronously (an HSM, a KMS): use {@link AiAccessTokenIssuer.issueAsync}.
   * @example
   * ```ts
   * const token = issuer.issue({ subject: 'user-42', scopes: ['duo_chat', 'code_suggestions'] });
   * ```
   */
  issue(request: IssueRequest): string {
    const { now, key, normalised } = this.#prepare(request);
    const cached = this.#lookup(normalised.cacheKey, now.getTime());
    if (cached !== undefined) return cached;
    this.#misses += 1;
    const token = this.#mint(normalised, key, now);
    return this.#store(normalised.cacheKey, this.#keyTag, token, token.encoded());
  }

  /**
   * Like {@link AiAccessTokenIssuer.issue}, but a new token is signed in libuv's thread pool, or
   * by the `Signer` (an HSM, a KMS) when the key is one.
   * Concurrent calls for the same token share one signature; a failure is not cached, so the
   * next call tries again. Always returns a Promise: errors reject it.
   *
   * @example
   * ```ts
   * const [a, b] = await Promise.all([
   *   issuer.issueAsync({ subject: 'user-42', scopes: ['duo_chat'] }),
   *   issuer.issueAsync({ subject: 'user-42', scopes: ['duo_chat'] }),
   * ]);
   * a === b; // true: one signature
   * ```
   */
  issueAsync(request: IssueRequest): Promise<string> {
    let prepared: PreparedRequest;
    try {
      prepared = this.#prepare(request);
    } catch (error: unknown) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const { now, key, normalised } = prepared;
    const { cacheKey } = normalised;
    const keyTag = this.#keyTag;
    const cached = this.#lookup(cacheKey, now.getTime());
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.#inFlight.get(cacheKey);
    if (pending !== undefined) {
      this.#hits += 1;
      return pending;
    }
    this.#misses += 1;
    // Minted now, not in a later tick: the token copies the request before the caller can change
    // it. A failure becomes the flight's rejection, shared like a signature would be.
    let signing: Promise<string>;
    try {
      const token = this.#mint(normalised, key, now);
      signing = token
        .encodedAsync()
        .then((encoded) => this.#store(cacheKey, keyTag, token, encoded));
    } catch (error: unknown) {
      signing = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const flight = signing.finally(() => {
      this.#inFlight.delete(cacheKey);
    });
    this.#inFlight.set(cacheKey, flight);
    return flight;
  }

  /**
   * How often the cache answered, how often a token was minted, and how many are cached.
   *
   * @example
   * ```ts
   * issuer.stats(); // { hits: 1520, misses: 12, size: 12 }
   * ```
   */
  stats(): AiAccessTokenIssuerStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#cache.size };
  }

  // Everything a call needs before the cache is consulted: cheap, and it rejects bad input.
  #prepare(request: IssueRequest): PreparedRequest {
    const now = this.#options.now();
    // Checked inline, as this runs on every cache hit; readClock only builds the typed error.
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) readClock(() => now);
    const key = this.#options.signingKey(now);
    if (key.kid !== this.#kid) {
      // After a rotation (a new ring, or a schedule's next key activating) no cached token can
      // be served again: a token signed by a key that no longer signs is re-minted.
      this.#cache.clear();
      this.#kid = key.kid;
      this.#keyGeneration += 1;
      this.#keyTag = String(this.#keyGeneration);
    }
    return { now, key, normalised: normaliseRequest(this.#keyTag, request) };
  }

  #lookup(cacheKey: string, nowMs: number): string | undefined {
    const entry = this.#cache.get(cacheKey);
    if (entry === undefined || nowMs < entry.validFrom * 1000 || nowMs >= entry.refreshAt * 1000) {
      return undefined;
    }
    this.#hits += 1;
    return entry.head + entry.tail;
  }

  #mint(request: NormalisedRequest, key: Signer, now: Date): AiAccessToken {
    const { issuer, expiresIn, generateId } = this.#options;
    return new AiAccessToken({
      subject: request.subject,
      scopes: request.scopes,
      issuer,
      signingKey: key,
      gitlabRealm: request.gitlabRealm,
      audience: request.audience,
      instanceId: request.instanceId,
      duoSeatCount: request.duoSeatCount,
      thirdPartyAiFeaturesEnabled: request.thirdPartyAiFeaturesEnabled,
      expiresIn,
      extraClaims: request.extraClaims,
      // The time this call was checked against the cache is the token's `iat`.
      now: () => now,
      generateId,
    });
  }

  /** Caches `encoded` (as flat copies, which it returns joined) unless the key changed meanwhile. */
  #store(cacheKey: string, keyTag: string, token: AiAccessToken, encoded: string): string {
    // A flight that outlived a key change must not put its token back: not an old key's, and not
    // one keyed by a past generation's tag either (after A, B, A no request reaches that key).
    if (keyTag !== this.#keyTag) return encoded;
    const split = encoded.indexOf('.') + 1;
    if (this.#head === undefined || !encoded.startsWith(this.#head)) {
      this.#head = flatString(encoded.slice(0, split));
    }
    const entry: CachedToken = {
      head: this.#head,
      tail: flatString(encoded.slice(split)),
      validFrom: token.notBefore.getTime() / 1000,
      refreshAt: (token.expiresAt.getTime() - this.#options.refreshBeforeMs) / 1000,
    };
    this.#cache.set(flatString(cacheKey), entry);
    return entry.head + entry.tail;
  }
}

function resolveIssuerOptions(options: AiAccessTokenIssuerOptions): ResolvedIssuerOptions {
  assertKnownOptions(options, OPTION_NAMES);
  const { signingKey, refreshBeforeSeconds, maxEntries } = options;
  const source = typeof signingKey === 'function' ? undefined : signingKey;
  // The options shared with AiAccessToken are checked by its own rules, once, here.
  const shared = resolveTokenOptions({
    subject: 'issuer-options',
    scopes: ['issuer-options'],
    issuer: options.issuer,
    signingKey: source,
    expiresIn: options.expiresIn,
    now: options.now,
    generateId: options.generateId,
  });
  const expiresIn = shared.expiresIn;
  return {
    issuer: shared.issuer,
    signingKey: resolveKeySource(signingKey, shared.signingKey),
    refreshBeforeMs: 1000 * resolveRefreshBefore(refreshBeforeSeconds, expiresIn),
    maxEntries: wholeNumberOption(
      'maxEntries',
      maxEntries,
      MAX_ENTRIES,
      1,
      MAX_MAX_ENTRIES,
      'tokens',
    ),
    expiresIn,
    now: shared.now,
    generateId: options.generateId,
  };
}

function resolveKeySource(
  given: IssuerSigningKeySource | undefined,
  fixed: Signer | KeyRing<Signer> | KeySchedule<Signer> | null,
): (now: Date) => Signer {
  if (typeof given === 'function') {
    return () => {
      const value: unknown = given();
      if (value instanceof KeyRing) return value.current as Signer;
      if (value instanceof SigningKey) return value;
      if (looksLikeSigner(value)) {
        checkSigner(value, 'signingKey()');
        return value;
      }
      throw new InvalidClaimError(
        'signingKey',
        `signingKey() must return a SigningKey, a Signer or a KeyRing; got ${describe(value)}`,
      );
    };
  }
  const key = fixed ?? keySourceFromEnv();
  if (key instanceof KeySchedule) return (now) => key.signingKeyAt(now);
  // A KeyRing is immutable, so a fixed ring always signs with the same current key.
  const current = key instanceof KeyRing ? key.current : key;
  return () => current;
}

// Below expiresIn, so that a fresh token is reused at all; the default must fit too.
function resolveRefreshBefore(value: unknown, expiresIn: number): number {
  const seconds = wholeNumberOption(
    'refreshBeforeSeconds',
    value,
    REFRESH_BEFORE_SECONDS,
    0,
    expiresIn - 1,
    'seconds (below expiresIn)',
  );
  if (seconds >= expiresIn) {
    throw new InvalidClaimError(
      'refreshBeforeSeconds',
      `refreshBeforeSeconds defaults to ${seconds}, which is not below expiresIn (${expiresIn}); pass a smaller refreshBeforeSeconds`,
    );
  }
  return seconds;
}
