import { readFileSync } from 'node:fs';
import type { InvalidSigningKeyError } from '../errors';
import { SigningKey } from '../keys/signing-key';
import { CliFailure } from './cli-errors';

/**
 * The text of the file a flag names.
 *
 * @throws {@link CliFailure} naming the flag, the path and the system error code.
 * @example
 * ```ts
 * const pem = readFlagFile('--key', 'signing-key.pem');
 * ```
 */
export function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    // Node's fs errors always carry a code (ENOENT, EACCES, EISDIR, ERR_INVALID_ARG_VALUE, ...).
    throw new CliFailure(
      `cannot read ${flag} file ${JSON.stringify(path)} (${String((cause as NodeJS.ErrnoException).code)})`,
      { cause },
    );
  }
}

/**
 * The signing key in the PEM file a flag names.
 *
 * @throws {@link CliFailure} when the file cannot be read or is not a usable RSA private key; the
 * message names the flag and the path, never the key.
 * @example
 * ```ts
 * const key = loadSigningKey('--key', 'signing-key.pem');
 * ```
 */
export function loadSigningKey(flag: string, path: string): SigningKey {
  const pem = readFlagFile(flag, path);
  try {
    return SigningKey.fromPem(pem);
  } catch (error) {
    // fromPem fails only with InvalidSigningKeyError, whose message names neither flag nor path.
    const { message } = error as InvalidSigningKeyError;
    throw new CliFailure(`${flag} ${JSON.stringify(path)}: ${message}`, { cause: error });
  }
}
