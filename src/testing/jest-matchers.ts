// Type declarations only: importing this module (as `ai-access-token/testing` and its jest-setup
// do) adds the matchers to jest's `Matchers` for the global `expect` (@types/jest) and for
// `expect` from `@jest/globals` (module `expect`). Written in TypeScript, not a hand-made .d.ts,
// so tsc emits it into dist with the rest of the types.
import type { Clock } from '../time';
import type { VerifyAiAccessTokenOptions } from '../verify/verify-options';
import type { VerificationKeys } from '../verify/verification-keys';

/**
 * The second argument of `toExpireWithin`.
 *
 * @example
 * ```ts
 * const options: ToExpireWithinOptions = { now: frozenClock('2026-01-01T00:00:00Z') };
 * ```
 */
export interface ToExpireWithinOptions {
  /** The clock to measure from, as the `now` options take it. Default: the real clock. */
  now?: Clock | undefined;
}

/**
 * The argument of `toBeAiAccessToken`: the trusted keys alone, or the full options of
 * `verifyAiAccessToken`.
 *
 * @example
 * ```ts
 * const byKey: ToBeAiAccessTokenExpected = signingKey;
 * const byOptions: ToBeAiAccessTokenExpected = { keys: ring.jwks(), issuer: 'https://gitlab.example.com' };
 * ```
 */
export type ToBeAiAccessTokenExpected = VerificationKeys | VerifyAiAccessTokenOptions;

/**
 * The matchers `aiAccessTokenMatchers` adds to `expect`. Each takes, as the received value, an
 * encoded token (string) or an `AiAccessToken`.
 *
 * @example
 * ```ts
 * expect(token).toBeAiAccessToken(signingKey);
 * expect(token).toHaveScopes(['duo_chat', 'code_suggestions']);
 * expect(token).toHaveClaims({ sub: 'user-42', gitlab_realm: 'saas' });
 * expect(token).toHaveAudience('gitlab-ai-gateway');
 * expect(token).toExpireWithin(3600, { now });
 * ```
 */
export interface AiAccessTokenMatchers<R> {
  /**
   * Passes when `verifyAiAccessToken(token, options)` accepts the token. Pass the trusted keys
   * (JWKS, `KeyRing`, `SigningKey`, `KeyObject`, PEM) or the whole verify options.
   *
   * @example
   * ```ts
   * expect(token).toBeAiAccessToken({ keys: signingKey, issuer: 'https://gitlab.example.com', now });
   * ```
   */
  toBeAiAccessToken(keysOrVerifyOptions: ToBeAiAccessTokenExpected): R;
  /**
   * Passes when the `scopes` claim holds exactly these scopes, in any order.
   *
   * @example
   * ```ts
   * expect(token).toHaveScopes(['duo_chat', 'code_suggestions']);
   * ```
   */
  toHaveScopes(scopes: readonly string[]): R;
  /**
   * Passes when the claims match `claims` the way `toMatchObject` matches: objects partially and
   * recursively, arrays element by element with the same length; asymmetric matchers work.
   *
   * @example
   * ```ts
   * expect(token).toHaveClaims({ sub: 'user-42', scopes: expect.arrayContaining(['duo_chat']) });
   * ```
   */
  toHaveClaims(claims: Readonly<Record<string, unknown>>): R;
  /**
   * With a string: passes when `aud` is that string or an array holding it. With an array:
   * passes when `aud` holds exactly those audiences, in any order.
   *
   * @example
   * ```ts
   * expect(token).toHaveAudience('gitlab-ai-gateway');
   * ```
   */
  toHaveAudience(audience: string | readonly string[]): R;
  /**
   * Passes when the token has not expired yet and expires at most `seconds` from now (whole
   * seconds, as `exp` is).
   *
   * @example
   * ```ts
   * expect(token).toExpireWithin(3600, { now: frozenClock('2026-01-01T00:00:00Z') });
   * ```
   */
  toExpireWithin(seconds: number, options?: ToExpireWithinOptions): R;
}

/* eslint-disable @typescript-eslint/no-namespace, @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars --
   Declaration merging needs jest's own namespace, an empty body and jest's exact type parameters. */
declare global {
  // The global `expect` of @types/jest.
  namespace jest {
    interface Matchers<R, T = {}> extends AiAccessTokenMatchers<R> {}
  }
}

declare module 'expect' {
  // `expect` from @jest/globals (and the `expect` package itself).
  interface Matchers<
    R extends void | Promise<void>,
    T = unknown,
  > extends AiAccessTokenMatchers<R> {}
}
/* eslint-enable @typescript-eslint/no-namespace, @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars */
