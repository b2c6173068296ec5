// The matchers run inside jest, which calls them with its matcher context as `this`; they never
// import jest at run time, so this module loads anywhere. Types come from `expect` (jest's own).
import type { ExpectationResult, MatcherContext } from 'expect';
import { InvalidClaimError, TokenVerificationError } from '../errors';
import { humanTime, readClock, systemClock, toEpochSeconds, type Clock } from '../time';
import { decodeJwt } from '../verify/decode';
import { createAiAccessTokenVerifier } from '../verify/verify-ai-access-token';
import type { VerifyAiAccessTokenOptions } from '../verify/verify-options';
import type { ToBeAiAccessTokenExpected, ToExpireWithinOptions } from './jest-matchers';

/** What a matcher could read from the received value. */
type Received =
  | { readonly ok: true; readonly payload: Record<string, unknown>; readonly encode: () => string }
  | { readonly ok: false; readonly problem: string };

/** The part of an `AiAccessToken` the matchers use; duck-typed so a second copy of the package works. */
interface TokenLike {
  payload(): unknown;
  encoded(): string;
}

const RECEIVED = 'token';

function isTokenLike(value: unknown): value is TokenLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<TokenLike>).payload === 'function' &&
    typeof (value as Partial<TokenLike>).encoded === 'function'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Never prints the token itself: it may be a live credential. Errors from decoding name the rule
// broken, not the content.
function readReceived(ctx: MatcherContext, received: unknown): Received {
  if (typeof received === 'string') {
    try {
      const { payload } = decodeJwt(received);
      return { ok: true, payload, encode: () => received };
    } catch (error) {
      return { ok: false, problem: `Received value is not a JWT: ${errorText(error)}` };
    }
  }
  if (isTokenLike(received)) {
    let payload: unknown;
    try {
      payload = received.payload();
    } catch (error) {
      return { ok: false, problem: `Received token's payload() threw ${errorText(error)}` };
    }
    if (!isPlainObject(payload)) {
      return { ok: false, problem: "Received token's payload() did not return an object" };
    }
    return { ok: true, payload, encode: () => received.encoded() };
  }
  return {
    ok: false,
    problem: `Received value must be an encoded JWT (string) or an AiAccessToken\n\nReceived: ${ctx.utils.printReceived(received)}`,
  };
}

function errorText(error: unknown): string {
  if (error instanceof TokenVerificationError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function hint(
  ctx: MatcherContext,
  name: string,
  expected: string,
  secondArgument?: string,
): string {
  return ctx.utils.matcherHint(name, RECEIVED, expected, {
    isNot: ctx.isNot,
    promise: ctx.promise,
    ...(secondArgument === undefined ? {} : { secondArgument }),
  });
}

// An unreadable received value fails the assertion with or without `.not`: `.not` asserts
// something about a token, and there is none.
function unreadable(ctx: MatcherContext, header: string, problem: string): ExpectationResult {
  return { pass: ctx.isNot === true, message: () => `${header}\n\n${problem}` };
}

// A mistake in the test itself (a bad expected value) throws, as jest's own matchers do.
function badExpected(
  ctx: MatcherContext,
  header: string,
  option: string,
  rule: string,
  value: unknown,
): InvalidClaimError {
  return new InvalidClaimError(
    option,
    ctx.utils.matcherErrorMessage(
      header,
      `${ctx.utils.EXPECTED_COLOR(option)} ${rule}`,
      ctx.utils.printWithType('Expected', value, ctx.utils.printExpected),
    ),
  );
}

function isStringList(value: unknown, minLength: number): value is readonly string[] {
  return (
    Array.isArray(value) &&
    value.length >= minLength &&
    (value as unknown[]).every((item) => typeof item === 'string')
  );
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  const left = sorted(a);
  const right = sorted(b);
  return left.length === right.length && left.every((item, index) => item === right[index]);
}

// `.not` failed: the claim has the value the test said it must not have.
function notMessage(
  ctx: MatcherContext,
  header: string,
  label: string,
  expected: unknown,
  received: unknown,
): string {
  return (
    `${header}\n\nExpected ${label}: not ${ctx.utils.printExpected(expected)}\n` +
    `Received ${label}:     ${ctx.utils.printReceived(received)}`
  );
}

// A list compared as a set: both sides sorted, so the diff shows only what is missing or extra.
function setDiffMessage(
  ctx: MatcherContext,
  header: string,
  label: string,
  expected: readonly string[],
  received: readonly string[],
): string {
  return (
    `${header}\n\nCompared in any order (both sides sorted below).\n\n` +
    ctx.utils.printDiffOrStringify(
      sorted(expected),
      sorted(received),
      `Expected ${label}`,
      `Received ${label}`,
      ctx.expand !== false,
    )
  );
}

function isVerifyOptions(value: unknown): value is VerifyAiAccessTokenOptions {
  // A JWKS document also has `keys`, but as an array (and a KeyRing's `keys` is an array too).
  return isPlainObject(value) && 'keys' in value && !Array.isArray(value.keys);
}

function toBeAiAccessToken(
  this: MatcherContext,
  received: unknown,
  keysOrVerifyOptions: ToBeAiAccessTokenExpected,
): ExpectationResult {
  const header = hint(this, 'toBeAiAccessToken', 'keysOrVerifyOptions');
  const options: VerifyAiAccessTokenOptions = isVerifyOptions(keysOrVerifyOptions)
    ? keysOrVerifyOptions
    : { keys: keysOrVerifyOptions };
  // Bad options are a mistake in the test, whatever the token: refused first, by throwing.
  const verify = createAiAccessTokenVerifier(options);
  const token = readReceived(this, received);
  // Anything that is not a verifiable token is "not an AI access token": `.not` passes for it.
  const reject = (problem: string): ExpectationResult => ({
    pass: false,
    message: () => `${header}\n\nExpected: a token that verifies\n${problem}`,
  });
  if (!token.ok) return reject(token.problem);
  let encoded: string;
  try {
    encoded = token.encode();
  } catch (error) {
    return reject(`Received token cannot be encoded: ${errorText(error)}`);
  }
  try {
    const verified = verify(encoded);
    return {
      pass: true,
      message: () =>
        `${header}\n\nExpected: a token that does not verify\n` +
        `Received: a token that verifies (audience ${this.utils.printReceived(verified.audience)}, ` +
        `scopes ${this.utils.printReceived(verified.scopes)})\n\n` +
        `Received claims: ${this.utils.printReceived(token.payload)}`,
    };
  } catch (error) {
    if (!(error instanceof TokenVerificationError)) throw error;
    return reject(
      `Received: rejected with ${this.utils.printReceived(error.code)}: ${error.message}`,
    );
  }
}

function toHaveScopes(
  this: MatcherContext,
  received: unknown,
  scopes: readonly string[],
): ExpectationResult {
  const header = hint(this, 'toHaveScopes', 'scopes');
  if (!isStringList(scopes, 0)) {
    throw badExpected(this, header, 'scopes', 'must be an array of strings', scopes);
  }
  const token = readReceived(this, received);
  if (!token.ok) return unreadable(this, header, token.problem);
  const claim = token.payload.scopes;
  const pass = isStringList(claim, 0) && sameMembers(claim, scopes);
  return {
    pass,
    message: () => {
      if (pass) return notMessage(this, header, 'scopes', scopes, claim);
      if (!isStringList(claim, 0)) {
        return (
          `${header}\n\nExpected scopes: ${this.utils.printExpected(scopes)}\n` +
          `Received scopes: ${this.utils.printReceived(claim)}` +
          (claim === undefined ? ' (the token has no scopes claim)' : '')
        );
      }
      return setDiffMessage(this, header, 'scopes', scopes, claim);
    },
  };
}

// The part of `received` that `expected` talks about, so a failure diff is not buried under
// claims the test did not mention (jest's toMatchObject does the same).
function subsetOf(
  ctx: MatcherContext,
  received: unknown,
  expected: unknown,
  seen: WeakSet<object> = new WeakSet(),
): unknown {
  if (
    ctx.equals(received, expected, [
      ...ctx.customTesters,
      ctx.utils.iterableEquality,
      ctx.utils.subsetEquality,
    ])
  ) {
    return expected;
  }
  if (Array.isArray(received) && Array.isArray(expected) && received.length === expected.length) {
    return received.map((item: unknown, index) => subsetOf(ctx, item, expected[index], seen));
  }
  if (isPlainObject(received) && isPlainObject(expected) && !seen.has(received)) {
    seen.add(received);
    const subset: Record<string, unknown> = {};
    for (const key of Object.keys(expected)) {
      if (Object.hasOwn(received, key))
        subset[key] = subsetOf(ctx, received[key], expected[key], seen);
    }
    return Object.keys(subset).length > 0 ? subset : received;
  }
  return received;
}

function toHaveClaims(
  this: MatcherContext,
  received: unknown,
  claims: Readonly<Record<string, unknown>>,
): ExpectationResult {
  const header = hint(this, 'toHaveClaims', 'claims');
  if (!isPlainObject(claims)) {
    throw badExpected(this, header, 'claims', 'must be an object of claims', claims);
  }
  const token = readReceived(this, received);
  if (!token.ok) return unreadable(this, header, token.problem);
  const { payload } = token;
  const pass = this.equals(payload, claims, [
    ...this.customTesters,
    this.utils.iterableEquality,
    this.utils.subsetEquality,
  ]);
  return {
    pass,
    message: () =>
      pass
        ? notMessage(this, header, 'claims', claims, payload)
        : `${header}\n\n` +
          this.utils.printDiffOrStringify(
            claims,
            subsetOf(this, payload, claims),
            'Expected claims',
            'Received claims',
            this.expand !== false,
          ),
  };
}

function toHaveAudience(
  this: MatcherContext,
  received: unknown,
  audience: string | readonly string[],
): ExpectationResult {
  const header = hint(this, 'toHaveAudience', 'audience');
  if (!(typeof audience === 'string' && audience.length > 0) && !isStringList(audience, 1)) {
    throw badExpected(
      this,
      header,
      'audience',
      'must be a non-empty string or a non-empty array of strings',
      audience,
    );
  }
  const token = readReceived(this, received);
  if (!token.ok) return unreadable(this, header, token.problem);
  const claim = token.payload.aud;
  const claimList = typeof claim === 'string' ? [claim] : isStringList(claim, 0) ? claim : null;
  const pass =
    claimList !== null &&
    (typeof audience === 'string'
      ? claimList.includes(audience)
      : sameMembers(claimList, audience));
  return {
    pass,
    message: () => {
      if (pass) return notMessage(this, header, 'audience', audience, claim);
      if (claimList === null || typeof audience === 'string') {
        return (
          `${header}\n\nExpected audience: ${this.utils.printExpected(audience)}` +
          (typeof audience === 'string' ? ' (alone or among others)' : '') +
          `\nReceived audience: ${this.utils.printReceived(claim)}` +
          (claim === undefined ? ' (the token has no aud claim)' : '')
        );
      }
      return setDiffMessage(this, header, 'audience', audience, claimList);
    },
  };
}

function toExpireWithin(
  this: MatcherContext,
  received: unknown,
  seconds: number,
  options: ToExpireWithinOptions = {},
): ExpectationResult {
  const header = hint(this, 'toExpireWithin', 'seconds', 'options');
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw badExpected(
      this,
      header,
      'seconds',
      'must be a finite number of seconds, 0 or more',
      seconds,
    );
  }
  const clock: unknown = isPlainObject(options) ? options.now : null;
  if (clock !== undefined && typeof clock !== 'function') {
    throw badExpected(this, header, 'options', 'must be { now?: () => Date }', options);
  }
  const now = readClock((clock as Clock | undefined) ?? systemClock, 'now');
  const token = readReceived(this, received);
  if (!token.ok) return unreadable(this, header, token.problem);
  const exp = token.payload.exp;
  const expected = `expires within ${this.utils.printExpected(seconds)} s of ${now.toISOString()}`;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    return {
      pass: false,
      message: () =>
        `${header}\n\nExpected: ${expected}\nReceived: exp ${this.utils.printReceived(exp)}` +
        (exp === undefined ? ' (the token has no exp claim)' : ''),
    };
  }
  // Whole seconds, as verification counts them: expired once now >= exp.
  const remaining = exp - toEpochSeconds(now);
  const pass = remaining > 0 && remaining <= seconds;
  const verdict =
    remaining > 0
      ? `expires at ${humanTime(exp, now)}, ${this.utils.printReceived(remaining)} s from now`
      : `expired at ${humanTime(exp, now)}`;
  return {
    pass,
    message: () =>
      pass
        ? `${header}\n\nExpected: not to expire within ${this.utils.printExpected(seconds)} s of ${now.toISOString()}\nReceived: ${verdict}`
        : `${header}\n\nExpected: ${expected}\nReceived: ${verdict}`,
  };
}

/**
 * The implementations `expect.extend` receives: each takes the received value (an encoded token or
 * an `AiAccessToken`) after jest's matcher context. (A type alias rather than an interface, so that
 * it has the implicit index signature `expect.extend` asks for.)
 *
 * @example
 * ```ts
 * const matchers: AiAccessTokenMatcherImplementations = aiAccessTokenMatchers;
 * expect.extend(matchers);
 * ```
 */
export type AiAccessTokenMatcherImplementations = {
  readonly toBeAiAccessToken: (
    this: MatcherContext,
    received: unknown,
    keysOrVerifyOptions: ToBeAiAccessTokenExpected,
  ) => ExpectationResult;
  readonly toHaveScopes: (
    this: MatcherContext,
    received: unknown,
    scopes: readonly string[],
  ) => ExpectationResult;
  readonly toHaveClaims: (
    this: MatcherContext,
    received: unknown,
    claims: Readonly<Record<string, unknown>>,
  ) => ExpectationResult;
  readonly toHaveAudience: (
    this: MatcherContext,
    received: unknown,
    audience: string | readonly string[],
  ) => ExpectationResult;
  readonly toExpireWithin: (
    this: MatcherContext,
    received: unknown,
    seconds: number,
    options?: ToExpireWithinOptions,
  ) => ExpectationResult;
};

/**
 * The matchers for `expect.extend(aiAccessTokenMatchers)`: `toBeAiAccessToken`, `toHaveScopes`,
 * `toHaveClaims`, `toHaveAudience` and `toExpireWithin`. Each takes an encoded token (string) or an
 * `AiAccessToken` (read through `payload()`, so one without a signing key works for every matcher
 * but `toBeAiAccessToken`). A received value that is not a token fails the assertion, with or
 * without `.not`, and never throws; a bad expected argument throws, as jest's own matchers do.
 * Failure messages never print the encoded token.
 *
 * Importing this module also adds the matchers' types to jest's `Matchers` (the global `expect`
 * and `expect` from `@jest/globals`). Or register everything at once with
 * `setupFilesAfterEnv: ['ai-access-token/testing/jest-setup']`.
 *
 * @example
 * ```ts
 * import { expect } from '@jest/globals';
 * import { aiAccessTokenMatchers } from 'ai-access-token/testing';
 *
 * expect.extend(aiAccessTokenMatchers);
 * expect(token).toHaveScopes(['duo_chat', 'code_suggestions']);
 * expect(token.encoded()).not.toHaveAudience('gitlab-code-suggestions');
 * ```
 */
export const aiAccessTokenMatchers: AiAccessTokenMatcherImplementations = Object.freeze({
  toBeAiAccessToken,
  toHaveScopes,
  toHaveClaims,
  toHaveAudience,
  toExpireWithin,
});
