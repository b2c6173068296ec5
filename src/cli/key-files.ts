import { readFileSync } from 'node:fs';
import { InvalidSigningKeyError } from '../errors';
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
    throw new CliFailure(
      `cannot read ${flag} file ${JSON.stringify(path)} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
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
    if (error instanceof InvalidSigningKeyError) {
      throw new CliFailure(`${flag} ${JSON.stringify(path)}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
