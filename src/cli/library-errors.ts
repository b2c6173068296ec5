import { InvalidClaimError, NoSigningKeyError } from '../errors';
import { CliUsageError } from './cli-errors';

/**
 * Rewrites a library error about an option into a {@link CliUsageError} about the flag that set
 * it, e.g. `expiresIn must be …` into `--ttl must be …`. Other errors are returned unchanged.
 *
 * @param flags - Library option name → flag, e.g. `{ expiresIn: '--ttl' }`.
 * @example
 * ```ts
 * try { new AiAccessToken(options); } catch (error) { throw asFlagError(error, MINT_FLAGS); }
 * ```
 */
export function asFlagError(error: unknown, flags: Readonly<Record<string, string>>): unknown {
  if (error instanceof InvalidClaimError) {
    // `extraClaims.team` or `scopes[1]` is about the flag of `extraClaims` / `scopes`.
    const option = error.option.replace(/[.[][\s\S]*$/, '');
    const flag = flags[option];
    if (flag !== undefined) {
      return new CliUsageError(error.message.replace(new RegExp(`\\b${option}\\b`, 'g'), flag), {
        cause: error,
      });
    }
  }
  if (error instanceof NoSigningKeyError && flags.signingKey !== undefined) {
    return new CliUsageError(error.message.replace(/\bsigningKey\b/g, flags.signingKey), {
      cause: error,
    });
  }
  return error;
}
