import { jwks } from '../../keys/key-ring';
import { COMMON_OPTIONS, noPositionals, parseCommandArgs, required } from '../args';
import type { CliCommand } from '../command';
import { EXIT_OK } from '../exit-codes';
import { loadSigningKey } from '../key-files';
import { PKCS11_HELP, PKCS11_OPTIONS, pkcs11SignerFromFlags } from '../pkcs11-flags';
import type { Signer } from '../../keys/signer';

const OPTIONS = {
  ...COMMON_OPTIONS,
  key: { type: 'string', short: 'k', multiple: true },
  ...PKCS11_OPTIONS,
} as const;

/**
 * `ai-access-token jwks`: the JWKS document to publish for one or more signing keys.
 *
 * @example
 * ```sh
 * ai-access-token jwks --key current.pem --key previous.pem > jwks.json
 * ```
 */
export const jwksCommand: CliCommand = {
  name: 'jwks',
  summary: 'Print the JWKS document (public keys) for signing keys',
  help: `Usage: ai-access-token jwks --key FILE [--key FILE ...]

Print the JSON Web Key Set to publish at your jwks_uri: the public half of each PEM private key,
in the order given (the first is the current signing key), without duplicates.

Options:
  -k, --key FILE    a PEM private key; repeat for the keys still in use (required unless a
                    PKCS#11 key is given)
${PKCS11_HELP}
  -h, --help        show this help

Example:
  ai-access-token jwks --key current.pem --key previous.pem > jwks.json`,

  async run(argv, { io, out }) {
    const { values, positionals } = parseCommandArgs('jwks', argv, OPTIONS);
    noPositionals('jwks', positionals);
    const usesPkcs11 = Object.keys(PKCS11_OPTIONS).some(
      (flag) => values[flag as keyof typeof PKCS11_OPTIONS] !== undefined,
    );
    const keys: Signer[] = (usesPkcs11 ? (values.key ?? []) : required('--key', values.key)).map(
      (path) => loadSigningKey('--key', path),
    );
    const signer = await pkcs11SignerFromFlags(values, io.env);
    try {
      // The token's key first: it is the one that signs.
      out.json(jwks(...(signer === undefined ? keys : [signer, ...keys])));
    } finally {
      await signer?.close();
    }
    return EXIT_OK;
  },
};
