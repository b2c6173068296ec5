import { decodeJwt } from '../../verify/decode';
import { COMMON_OPTIONS, parseCommandArgs } from '../args';
import { isoTimes, printMembers } from '../claims-view';
import type { CliCommand } from '../command';
import { EXIT_OK } from '../exit-codes';
import { readTokenArgument } from '../token-input';

const OPTIONS = { ...COMMON_OPTIONS, json: { type: 'boolean' } } as const;

/**
 * `ai-access-token decode`: a token's header and claims, NOT verified.
 *
 * @example
 * ```sh
 * pbpaste | ai-access-token decode -
 * ```
 */
export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: "Show a token's header and claims without verifying it",
  help: `Usage: ai-access-token decode TOKEN|- [--json]

Print a token's header and claims WITHOUT checking its signature, with iat, nbf and exp also
as ISO times and relative to now. Use "verify" to know whether the token can be trusted.

TOKEN may start with "Bearer "; "-" reads the token from stdin.

Options:
      --json        print { header, claims, times, signatureVerified: false } as JSON
  -h, --help        show this help

Example:
  ai-access-token decode "Bearer eyJhbGciOiJSUzI1NiIs…"`,

  async run(argv, { io, out, now }) {
    const { values, positionals } = parseCommandArgs('decode', argv, OPTIONS);
    const token = await readTokenArgument('decode', positionals, io.stdin);
    const { header, payload } = decodeJwt(token);
    if (values.json === true) {
      out.json({ header, claims: payload, times: isoTimes(payload), signatureVerified: false });
      return EXIT_OK;
    }
    const at = now();
    out.line(out.paint(['bold', 'yellow'], '⚠ signature NOT verified: these claims are untrusted'));
    out.line();
    printMembers(out, 'Header', header, at);
    out.line();
    printMembers(out, 'Claims', payload, at);
    return EXIT_OK;
  },
};
