import { jwks } from '../../keys/key-ring';
import { COMMON_OPTIONS, noPositionals, parseCommandArgs, required } from '../args';
import type { CliCommand } from '../command';
import { EXIT_OK } from '../exit-codes';
import { loadSigningKey } from '../key-files';

const OPTIONS = {
  ...COMMON_OPTIONS,
  key: { type: 'string', short: 'k', multiple: true },
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
  -k, --key FILE    a PEM private key; repeat for the keys still in use (required)
  -h, --help        show this help

Example:
  ai-access-token jwks --key current.pem --key previous.pem > jwks.json`,

  run(argv, { out }) {
    const { values, positionals } = parseCommandArgs('jwks', argv, OPTIONS);
    noPositionals('jwks', positionals);
    const keys = required('--key', values.key).map((path) => loadSigningKey('--key', path));
    out.json(jwks(...keys));
    return Promise.resolve(EXIT_OK);
  },
};
