import { stripVTControlCharacters } from 'node:util';

/**
 * Runs an assertion that must fail and returns jest's failure message without colour codes.
 * Throws if the assertion passes or fails with something other than a jest assertion error.
 */
export function failureOf(assertion: () => unknown): string {
  try {
    assertion();
  } catch (error) {
    if (!(error instanceof Error) || !('matcherResult' in error)) throw error;
    return stripVTControlCharacters(error.message);
  }
  throw new Error('expected the assertion to fail, but it passed');
}
