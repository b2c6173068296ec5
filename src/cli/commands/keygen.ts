import { SigningKey } from '../../keys/signing-key';
import { describe } from '../../time';
import { COMMON_OPTIONS, noPositionals, parseCommandArgs } from '../args';
import { CliUsageError } from '../cli-errors';
import type { CliCommand } from '../command';
import type { Output } from '../output';
import { EXIT_OK } from '../exit-codes';
import { activationTime, leadWarning, prepareScheduleAppend } from '../schedule-append';
import { makeStdoutFilePrivate, writePrivateKeyFile } from '../private-key-file';

const OPTIONS = {
  ...COMMON_OPTIONS,
  bits: { type: 'string' },
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean', short: 'f' },
  schedule: { type: 'string' },
  'activates-at': { type: 'string' },
  'activates-in': { type: 'string' },
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
       ai-access-token keygen --out FILE --schedule SCHEDULE_FILE (--activates-in 48h | --activates-at ISO)

Generate an RSA private key for signing tokens, as PKCS#8 PEM.

Without --out the PEM goes to stdout and the kid to stderr, so the key can be piped (a file
stdout is redirected to is set to mode 0600).
With --out the key is written to a new file of mode 0600, which is then renamed to FILE, and the
kid goes to stdout.

Options:
      --bits N      RSA modulus length: 2048 (default), 3072 or 4096
  -o, --out FILE    write the key to FILE; refuses to overwrite an existing file
  -f, --force       with --out: replace FILE if it exists (a symlink is replaced, not followed)
      --schedule SCHEDULE_FILE
                    with --out: append the key to this key schedule (created if missing)
      --activates-in DURATION
                    when the key starts signing, from now: 48h, 2d, 1d12h (units d, h, m, s);
                    at least 25h ahead, so receivers that cache the JWKS a day know it first
      --activates-at ISO
                    when the key starts signing, as an ISO 8601 time with a zone
  -h, --help        show this help

Examples:
  ai-access-token keygen --out signing-key.pem
  ai-access-token keygen --out keys/next.pem --schedule key-schedule.json --activates-in 48h`,

  run(argv, { io, out, err, now }) {
    const { values, positionals } = parseCommandArgs('keygen', argv, OPTIONS);
    noPositionals('keygen', positionals);
    const bits = values.bits ?? '2048';
    if (!BITS.includes(bits)) {
      throw new CliUsageError(`--bits must be 2048, 3072 or 4096; got ${describe(bits)}`);
    }
    if (values.force === true && values.out === undefined) {
      throw new CliUsageError('--force only applies with --out FILE');
    }
    const scheduled = scheduleStep(values, now());
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
      scheduled?.(values.out, err);
      out.line(key.kid);
    }
    return Promise.resolve(EXIT_OK);
  },
};

// The schedule step, checked before a key is generated; `undefined` without --schedule.
function scheduleStep(
  values: {
    out?: string | undefined;
    schedule?: string | undefined;
    'activates-at'?: string | undefined;
    'activates-in'?: string | undefined;
  },
  now: Date,
): ((keyPath: string, err: Output) => void) | undefined {
  const { schedule } = values;
  const at = values['activates-at'];
  const within = values['activates-in'];
  if (schedule === undefined) {
    if (at !== undefined || within !== undefined) {
      throw new CliUsageError('--activates-at and --activates-in need --schedule SCHEDULE_FILE');
    }
    return undefined;
  }
  if (values.out === undefined) {
    throw new CliUsageError('--schedule needs --out FILE: the schedule names the key file');
  }
  if (at === undefined && within === undefined) {
    throw new CliUsageError('--schedule needs --activates-in DURATION or --activates-at ISO');
  }
  const activatesAt = activationTime({ at, in: within }, now);
  const append = prepareScheduleAppend(schedule, activatesAt);
  return (keyPath, err) => {
    const entry = append(keyPath);
    err.line(
      `added it to ${schedule} as ${JSON.stringify(entry.file)}: it activates at ${entry.activatesAt}`,
    );
    const warning = leadWarning(activatesAt, now);
    if (warning !== undefined) err.line(err.paint('yellow', warning));
  };
}
