import { AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE } from '../constants';
import { InvalidClaimError } from '../errors';
import { wholeNumberOption } from '../option-checks';
import { describe, systemClock, type Clock } from '../time';
import { KeySchedule } from '../keys/key-schedule';
import type { VerifiedTokenCacheOptions } from './verified-token-cache';
import {
  resolveVerificationKeys,
  type VerificationKey,
  type VerificationKeys,
} from './verification-keys';

/**
 * The claim rules of verification: every option of `verifyAiAccessToken` except where the keys
 * come from. Shared by every verifier in the package.
 *
 * @example
 * ```ts
 * const rules: VerifyClaimsOptions = { issuer: 'https://gitlab.example.com', requiredScopes: ['duo_chat'] };
 * ```
 */
export interface VerifyClaimsOptions {
  /** When given, `iss` must equal it (or one of them). */
  issuer?: string | readonly string[] | undefined;
  /**
   * Accepted audiences, tried in order; the first found in `aud` wins.
   * Default `['gitlab-ai-gateway', 'gitlab-code-suggestions']`.
   */
  audiences?: readonly string[] | undefined;
  /** Scopes the token must grant, every one of them. Default none. */
  requiredScopes?: readonly string[] | undefined;
  /** Leeway for `exp` and `nbf`, whole seconds from 0 to 300. Default 0. */
  clockToleranceSeconds?: number | undefined;
  /** The clock. Default: the real one. */
  now?: Clock | undefined;
}

/**
 * Options of `verifyAiAccessToken`.
 *
 * @example
 * ```ts
 * const options: VerifyAiAccessTokenOptions = {
 *   keys: ring.jwks(),
 *   issuer: 'https://gitlab.example.com',
 *   requiredScopes: ['code_suggestions'],
 * };
 * ```
 */
export interface VerifyAiAccessTokenOptions extends VerifyClaimsOptions {
  /**
   * The trusted public keys: a JWKS, `KeyRing`, `SigningKey`, `KeySchedule`, `KeyObject` or PEM
   * text.
   */
  keys: VerificationKeys;
}

/**
 * Options of `createAiAccessTokenVerifier`: those of `verifyAiAccessToken`, plus a cache of
 * verified tokens that only a long-lived verifier can keep.
 *
 * @example
 * ```ts
 * const options: AiAccessTokenVerifierOptions = { keys: ring.jwks(), cache: { maxEntries: 10_000 } };
 * ```
 */
export interface AiAccessTokenVerifierOptions extends VerifyAiAccessTokenOptions {
  /**
   * Remember tokens that verified, keyed by the whole token string: a token seen again skips the
   * signature check (`exp`, `nbf` and the key are checked again on every hit). Default: no cache.
   */
  cache?: VerifiedTokenCacheOptions | undefined;
}

/**
 * Claim rules after validation.
 *
 * @example
 * ```ts
 * const rules: ResolvedClaimOptions = resolveClaimOptions({ requiredScopes: ['duo_chat'] });
 * ```
 */
export interface ResolvedClaimOptions {
  /** `null` when any issuer is accepted. */
  readonly issuers: readonly string[] | null;
  readonly audiences: readonly string[];
  readonly requiredScopes: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly now: Clock;
}

/**
 * Options of `verifyAiAccessToken` after validation, with the keys parsed.
 *
 * @example
 * ```ts
 * const resolved: ResolvedVerifyOptions = resolveVerifyOptions({ keys: ring });
 * ```
 */
export interface ResolvedVerifyOptions extends ResolvedClaimOptions {
  /** The trusted keys; empty when `schedule` is set, whose keys depend on the time. */
  readonly keys: readonly VerificationKey[];
  /** The schedule given as `keys`, evaluated at the verifier's clock on every verification. */
  readonly schedule?: KeySchedule | undefined;
}

/**
 * The largest `clockToleranceSeconds` accepted: five minutes.
 *
 * @example
 * ```ts
 * verifyAiAccessToken(token, { keys, clockToleranceSeconds: MAX_CLOCK_TOLERANCE_SECONDS });
 * ```
 */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;

const DEFAULT_AUDIENCES: readonly string[] = Object.freeze([
  AI_GATEWAY_AUDIENCE,
  LEGACY_CODE_SUGGESTIONS_AUDIENCE,
]);

/**
 * The option names of {@link VerifyClaimsOptions}.
 *
 * @example
 * ```ts
 * CLAIM_OPTION_NAMES.includes('issuer'); // true
 * ```
 */
export const CLAIM_OPTION_NAMES: readonly string[] = Object.freeze([
  'issuer',
  'audiences',
  'requiredScopes',
  'clockToleranceSeconds',
  'now',
]);

/**
 * Validates the claim rules once. Bad options are a programmer's mistake, not a bad token, so they
 * throw {@link InvalidClaimError} (code `ERR_INVALID_CLAIM`, `option` naming the option), never
 * `TokenVerificationError`. Unknown option names are refused, except `extraOptionNames` (the
 * options of the verifier calling this).
 *
 * @throws {@link InvalidClaimError}
 * @example
 * ```ts
 * const rules = resolveClaimOptions(options, ['keys']); // once per call, before the token
 * ```
 */
export function resolveClaimOptions(
  options: unknown,
  extraOptionNames: readonly string[] = [],
): ResolvedClaimOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidClaimError('options', `options must be an object; got ${describe(options)}`);
  }
  const known = [...CLAIM_OPTION_NAMES, ...extraOptionNames];
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new InvalidClaimError(
        name,
        `unknown option ${JSON.stringify(name)}; expected one of ${known.join(', ')}`,
      );
    }
  }
  const { issuer, audiences, requiredScopes, clockToleranceSeconds, now } =
    options as VerifyClaimsOptions;
  return Object.freeze({
    issuers: issuer === undefined ? null : resolveIssuers(issuer),
    audiences: audiences === undefined ? DEFAULT_AUDIENCES : stringList('audiences', audiences, 1),
    requiredScopes:
      requiredScopes === undefined
        ? Object.freeze([])
        : stringList('requiredScopes', requiredScopes, 0),
    clockToleranceSeconds: resolveTolerance(clockToleranceSeconds),
    now: resolveClock(now),
  });
}

/**
 * Validates every option of `verifyAiAccessToken` and resolves `keys` (parsed once per keys
 * object, then cached).
 *
 * @throws {@link InvalidClaimError}
 * @example
 * ```ts
 * const { keys, audiences } = resolveVerifyOptions({ keys: ring });
 * ```
 */
export function resolveVerifyOptions(
  options: VerifyAiAccessTokenOptions,
  extraOptionNames: readonly string[] = [],
): ResolvedVerifyOptions {
  const rules = resolveClaimOptions(options, ['keys', ...extraOptionNames]);
  const keys: unknown = options.keys;
  if (keys === undefined) {
    throw new InvalidClaimError(
      'keys',
      'keys is required: a JWKS, KeyRing, SigningKey, public KeyObject or PEM public key',
    );
  }
  if (keys instanceof KeySchedule) {
    return Object.freeze({ ...rules, keys: Object.freeze([]), schedule: keys });
  }
  return Object.freeze({ ...rules, keys: resolveVerificationKeys(keys) });
}

function resolveIssuers(value: unknown): readonly string[] {
  if (typeof value === 'string') {
    if (value.length === 0) {
      throw new InvalidClaimError('issuer', 'issuer must be a non-empty string or array of them');
    }
    return Object.freeze([value]);
  }
  return stringList('issuer', value, 1);
}

function stringList(option: string, value: unknown, minLength: 0 | 1): readonly string[] {
  const rule = `${option} must be ${minLength === 1 ? 'a non-empty' : 'an'} array of non-empty strings`;
  if (!Array.isArray(value) || value.length < minLength) {
    throw new InvalidClaimError(option, `${rule}; got ${describe(value)}`);
  }
  for (const [index, item] of (value as unknown[]).entries()) {
    if (typeof item !== 'string' || item.length === 0) {
      throw new InvalidClaimError(option, `${rule}; ${option}[${index}] is ${describe(item)}`);
    }
  }
  return Object.freeze([...new Set(value as string[])]);
}

function resolveTolerance(value: unknown): number {
  return wholeNumberOption(
    'clockToleranceSeconds',
    value,
    0,
    0,
    MAX_CLOCK_TOLERANCE_SECONDS,
    'seconds',
  );
}

function resolveClock(value: unknown): Clock {
  if (value === undefined) return systemClock;
  if (typeof value !== 'function') {
    throw new InvalidClaimError(
      'now',
      `now must be a function returning a Date; got ${describe(value)}`,
    );
  }
  return value as Clock;
}
