import { InvalidClaimError } from '../errors';
import { aiAccessTokenMatchers } from './matchers';

interface Extendable {
  extend(matchers: typeof aiAccessTokenMatchers): void;
}

function isExtendable(value: unknown): value is Extendable {
  return (
    (typeof value === 'function' || (typeof value === 'object' && value !== null)) &&
    typeof (value as Partial<Extendable>).extend === 'function'
  );
}

/**
 * Registers {@link aiAccessTokenMatchers} with jest's `expect`: the global one, or, under
 * `injectGlobals: false`, the one from `@jest/globals` (which jest's runtime provides to every
 * module it loads, wherever the package is installed).
 *
 * @throws {@link InvalidClaimError} (option `setupFilesAfterEnv`) outside jest.
 */
export function registerMatchers(scope: object): void {
  let expect: unknown = (scope as { expect?: unknown }).expect;
  if (!isExtendable(expect)) {
    try {
      // Only reached inside jest without injected globals; never loaded otherwise.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect = (require('@jest/globals') as { expect?: unknown }).expect;
    } catch {
      expect = undefined;
    }
  }
  if (!isExtendable(expect)) {
    throw new InvalidClaimError(
      'setupFilesAfterEnv',
      'ai-access-token/testing/jest-setup must run inside jest: list it in setupFilesAfterEnv (no global expect.extend was found)',
    );
  }
  expect.extend(aiAccessTokenMatchers);
}
