// The verified-token cache: a receiver sees the same token on most requests (the issuer reuses a
// token for most of its hour), so the signature of a token string already verified need not be
// checked again — only the time rules, which depend on the clock, and the key, which may have left
// the key set since.
import type { KeyObject } from 'node:crypto';
import { InvalidClaimError } from '../errors';
import { LruCache } from '../issuer/lru-cache';
import { describe } from '../time';

/**
 * The `cache` option of `createAiAccessTokenVerifier` and `verifyAiAccessTokenAsync`: how many
 * verified tokens to remember.
 *
 * @example
 * ```ts
 * const cache: VerifiedTokenCacheOptions = { maxEntries: 10_000 };
 * ```
 */
export interface VerifiedTokenCacheOptions {
  /**
   * The most tokens remembered (1 to 1,000,000); beyond it the least recently used is forgotten.
   * Each entry keeps the token string alive (its key, ~0.8 KB for a minted token of ~770
   * characters) and holds the verified result and its bookkeeping (~0.7 KB): about 1.5 KB in all
   * (see the performance guide).
   */
  maxEntries: number;
}

/**
 * The largest `cache.maxEntries` accepted.
 *
 * @example
 * ```ts
 * createAiAccessTokenVerifier({ keys, cache: { maxEntries: MAX_VERIFIED_TOKEN_CACHE_ENTRIES } });
 * ```
 */
export const MAX_VERIFIED_TOKEN_CACHE_ENTRIES = 1_000_000;

/**
 * One remembered verification. `keys` is the key set (an array owned by the key source, or a
 * remote issuer's generation) in which `key` was last seen: while the source still answers with
 * the same set, the key is known to be in it without searching.
 */
export interface CachedVerification<R> {
  readonly value: R;
  readonly exp: number;
  readonly nbf: number | undefined;
  readonly key: KeyObject;
  keys: unknown;
}

/**
 * Freezes `value` and everything inside it, in place, and returns it. A remembered result is
 * handed to every caller that presents the same token, so none of them may change what the next
 * one sees. Iterative: a token's JSON may nest thousands of levels.
 *
 * @example
 * ```ts
 * deepFreeze(payload).scopes; // a frozen array
 * ```
 */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue;
    Object.freeze(next);
    for (const child of Object.values(next)) pending.push(child);
  }
  return value;
}

/** A bounded LRU of verifications, keyed by the whole token string. Internal. */
export class VerifiedTokenCache<R> {
  readonly maxEntries: number;
  readonly #entries: LruCache<string, CachedVerification<R>>;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
    this.#entries = new LruCache(maxEntries);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string): CachedVerification<R> | undefined {
    return this.#entries.get(token);
  }

  set(token: string, entry: CachedVerification<R>): void {
    this.#entries.set(token, entry);
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }
}

/**
 * Whether a remembered token is still within its time window at `nowSeconds`: the same rule as
 * check-claims.ts (`exp` exclusive, `nbf` inclusive, both widened by the tolerance).
 */
export function withinTime(
  entry: CachedVerification<unknown>,
  nowSeconds: number,
  toleranceSeconds: number,
): boolean {
  return (
    nowSeconds < entry.exp + toleranceSeconds &&
    (entry.nbf === undefined || entry.nbf <= nowSeconds + toleranceSeconds)
  );
}

/**
 * Validates the `cache` option once, at construction; `undefined` means no cache.
 *
 * @throws {@link InvalidClaimError} (option `cache`).
 */
export function resolveCacheOption(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const maxEntries =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as { maxEntries?: unknown }).maxEntries
      : undefined;
  const unknownName =
    typeof value === 'object' && value !== null
      ? Object.keys(value).find((name) => name !== 'maxEntries')
      : undefined;
  if (
    unknownName !== undefined ||
    typeof maxEntries !== 'number' ||
    !Number.isInteger(maxEntries) ||
    maxEntries < 1 ||
    maxEntries > MAX_VERIFIED_TOKEN_CACHE_ENTRIES
  ) {
    throw new InvalidClaimError(
      'cache',
      unknownName !== undefined
        ? `unknown option cache.${unknownName}; expected only maxEntries`
        : `cache must be { maxEntries } with maxEntries a whole number from 1 to ${MAX_VERIFIED_TOKEN_CACHE_ENTRIES}; got ${describe(maxEntries === undefined ? value : maxEntries)}`,
    );
  }
  return maxEntries;
}
