import { ENV_PKCS11_PIN, openPkcs11Signer, type Pkcs11Signer } from '../pkcs11/pkcs11-signer';
import { CliUsageError } from './cli-errors';

/** The flags that name a key in a PKCS#11 token; the PIN comes from the environment only. */
export const PKCS11_OPTIONS = {
  'pkcs11-module': { type: 'string' },
  'pkcs11-token': { type: 'string' },
  'pkcs11-key': { type: 'string' },
} as const;

/** The help lines of {@link PKCS11_OPTIONS}. */
export const PKCS11_HELP = `      --pkcs11-module PATH  sign with a key in a PKCS#11 token (an HSM): the module's library
      --pkcs11-token LABEL  the token's label
      --pkcs11-key LABEL    the RSA private key's label; the user PIN is read from
                            $${ENV_PKCS11_PIN} (never a flag)`;

/** The parsed values of {@link PKCS11_OPTIONS}. */
export interface Pkcs11FlagValues {
  'pkcs11-module'?: string | undefined;
  'pkcs11-token'?: string | undefined;
  'pkcs11-key'?: string | undefined;
}

/**
 * The signer the PKCS#11 flags name, or `undefined` when none is given. The PIN is read from
 * `AI_ACCESS_TOKEN_PKCS11_PIN` in `env`: a flag would show it in the process list and history.
 *
 * @throws {@link CliUsageError} when only some of the three flags are given.
 * @example
 * ```ts
 * const signer = await pkcs11SignerFromFlags(values, io.env);
 * ```
 */
export async function pkcs11SignerFromFlags(
  values: Pkcs11FlagValues,
  env: NodeJS.ProcessEnv,
): Promise<Pkcs11Signer | undefined> {
  const module = values['pkcs11-module'];
  const tokenLabel = values['pkcs11-token'];
  const keyLabel = values['pkcs11-key'];
  if (module === undefined && tokenLabel === undefined && keyLabel === undefined) return undefined;
  if (module === undefined || tokenLabel === undefined || keyLabel === undefined) {
    throw new CliUsageError(
      '--pkcs11-module, --pkcs11-token and --pkcs11-key go together: give all three',
    );
  }
  return openPkcs11Signer({ module, tokenLabel, keyLabel, env });
}
