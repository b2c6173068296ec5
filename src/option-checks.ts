// Option checks shared by the factories that validate their options once, at the edge.
import { InvalidClaimError } from './errors';
import { describe } from './time';

/**
 * Checks that `options` is an object naming only `known` options: a typo such as `cooldown` for
 * `cooldownSeconds` would otherwise silently keep the default.
 *
 * @throws {@link InvalidClaimError} naming the option.
 */
export function assertKnownOptions(options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidClaimError('options', `options must be an object; got ${describe(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new InvalidClaimError(
        name,
        `unknown option ${JSON.stringify(name)}; expected one of ${known.join(', ')}`,
      );
    }
  }
}

/**
 * `value`, or `fallback` when it is `undefined`, checked to be a whole number from `min` to `max`.
 *
 * @throws {@link InvalidClaimError} naming `option`.
 */
export function wholeNumberOption(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  unit: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidClaimError(
      option,
      `${option} must be a whole number of ${unit} from ${min} to ${max}; got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * `value` when it is a function, `undefined` when it is `undefined`.
 *
 * @throws {@link InvalidClaimError} naming `option` otherwise.
 */
export function functionOption<T extends (...args: never[]) => unknown>(
  option: string,
  value: T | undefined,
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw new InvalidClaimError(option, `${option} must be a function; got ${describe(value)}`);
  }
  return value;
}
