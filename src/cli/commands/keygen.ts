import { SigningKey } from '../../keys/signing-key';
import { describe } from '../../time';
import { COMMON_OPTIONS, noPositionals, parseCommandArgs } from '../args';
import { CliUsageError } from '../cli-errors';
import type { CliCommand } from '../command';
import { EXIT_OK } from '../exit-codes';
import { makeStdoutFilePrivate, writePrivateKeyFile } from '../private-key-file';

const OPTIONS = {
  ...COMMON_OPTIONS,
  bits: { type: 'string' },
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean', short: 'f' },
} as const;

const BITS = ['2048', '3072', '4096'];

/**
 * `ai-access-token keygen`: a new RSA signing key as PKCS#8 PEM.
 *
 * @example
 * ```sh
 * ai-access-token keygen --bits 3072 --out signing-key.pem   # prints the kid
 * ```
 */
export const keygenCommand: CliCommand = {
  name: 'keygen',
  summary: 'Generate an RSA signing key (PKCS#8 PEM) and print its kid',
  help: `Usage: ai-access-token keygen [--bits 2048|3072|4096] [--out FILE [--force]]

Generate an RSA private key for signing tokens, as PKCS#8 PEM.

Without --out the PEM goes to stdout and the kid to stderr, so the key can be piped (a file
stdout is redirected to is set to mode 0600).
With --out the key is written to a new file of mode 0600, which is then renamed to FILE, and the
kid goes to stdout.

Options:
      --bits N      RSA modulus length: 2048 (default), 3072 or 4096
  -o, --out FILE    write the key to FILE; refuses to overwrite an existing file
  -f, --force       with --out: replace FILE if it exists (a symlink is replaced, not followed)
  -h, --help        show this help

Example:
  ai-access-token keygen --out signing-key.pem`,

  run(argv, { io, out, err }) {
    const { values, positionals } = parseCommandArgs('keygen', argv, OPTIONS);
    noPositionals('keygen', positionals);
    const bits = values.bits ?? '2048';
    if (!BITS.includes(bits)) {
      throw new CliUsageError(`--bits must be 2048, 3072 or 4096; got ${describe(bits)}`);
    }
    if (values.force === true && values.out === undefined) {
      throw new CliUsageError('--force only applies with --out FILE');
    }
    const key = SigningKey.generate({ modulusLength: Number(bits) });
    if (values.out === undefined) {
      makeStdoutFilePrivate(io.stdout);
      out.line(key.toPem().trimEnd());
      err.line(`kid: ${key.kid}`);
    } else {
      writePrivateKeyFile(values.out, key.toPem(), {
        flag: '--out',
        overwrite: values.force === true,
      });
      err.line(`wrote an RSA-${bits} private key to ${values.out} (mode 0600)`);
      out.line(key.kid);
    }
    return Promise.resolve(EXIT_OK);
  },
};
