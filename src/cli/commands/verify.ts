import { InvalidClaimError } from '../../errors';
import type { VerifiedAiAccessToken } from '../../verify/verified-token';
import { verifyAiAccessToken } from '../../verify/verify-ai-access-token';
import type { VerificationKeys } from '../../verify/verification-keys';
import { COMMON_OPTIONS, commaList, parseCommandArgs } from '../args';
import { printMembers } from '../claims-view';
import { CliFailure, CliUsageError } from '../cli-errors';
import type { CliCommand } from '../command';
import { EXIT_OK } from '../exit-codes';
import { readFlagFile } from '../key-files';
import { asFlagError } from '../library-errors';
import type { Output } from '../output';
import { escapeForTerminal } from '../terminal-text';
import { readTokenArgument } from '../token-input';

const OPTIONS = {
  ...COMMON_OPTIONS,
  jwks: { type: 'string' },
  key: { type: 'string', short: 'k' },
  issuer: { type: 'string', multiple: true },
  'require-scope': { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

const FLAGS = { issuer: '--issuer', requiredScopes: '--require-scope' };

/**
 * `ai-access-token verify`: checks a token's signature and claims; exit 0 when valid, exit 1 and
 * one line `ERR_TOKEN_…: reason` when not.
 *
 * @example
 * ```sh
 * ai-access-token verify "$TOKEN" --jwks jwks.json --require-scope duo_chat
 * ```
 */
export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: "Verify a token's signature and claims (exit 1 with the reason if rejected)",
  help: `Usage: ai-access-token verify TOKEN|- (--jwks FILE | --key FILE) [options]

Verify a token as the AI gateway does, strictly: RS256 only, signature by a trusted key (chosen
by kid), exp and aud required, audience gitlab-ai-gateway or the legacy gitlab-code-suggestions.
Valid: exit 0 and the verified claims. Rejected: exit 1 and one line "ERR_TOKEN_…: reason" on
stderr.

TOKEN may start with "Bearer "; "-" reads the token from stdin.

Options:
      --jwks FILE           trust the keys of this JWKS document (JSON)
  -k, --key FILE            trust this PEM key: a public key, or a private key file (its public
                            half is used)
      --issuer ISS          iss must be ISS; repeat to accept several issuers
      --require-scope S     the token must grant scope S; repeatable, or comma-separated
      --json                print the verification result as JSON
  -h, --help                show this help

Example:
  ai-access-token verify - --key signing-key.pem --require-scope code_suggestions < token.txt`,

  async run(argv, { io, out, now }) {
    const { values, positionals } = parseCommandArgs('verify', argv, OPTIONS);
    const token = await readTokenArgument('verify', positionals, io.stdin);
    const [flag, path] = keySource(values.jwks, values.key);
    const keys = readKeys(flag, path);
    const requiredScopes = commaList(values['require-scope']);
    let result: VerifiedAiAccessToken;
    try {
      result = verifyAiAccessToken(token, {
        keys,
        issuer: values.issuer,
        requiredScopes,
        now,
      });
    } catch (error) {
      if (error instanceof InvalidClaimError && error.option === 'keys') {
        throw new CliFailure(`${flag} ${JSON.stringify(path)}: ${error.message}`, { cause: error });
      }
      throw asFlagError(error, FLAGS);
    }
    if (values.json === true) {
      out.json({ valid: true, ...result });
    } else {
      printVerified(out, result, now());
    }
    return EXIT_OK;
  },
};

function keySource(jwks: string | undefined, key: string | undefined): [string, string] {
  if (jwks !== undefined && key !== undefined) {
    throw new CliUsageError('pass either --jwks FILE or --key FILE, not both');
  }
  if (jwks !== undefined) return ['--jwks', jwks];
  if (key !== undefined) return ['--key', key];
  throw new CliUsageError('--jwks FILE or --key FILE is required: the keys to trust');
}

function readKeys(flag: string, path: string): VerificationKeys {
  const text = readFlagFile(flag, path);
  // PEM text is passed as is: the verifier takes a public key, certificate or private key.
  if (flag === '--key') return text;
  try {
    return JSON.parse(text) as VerificationKeys;
  } catch (cause) {
    throw new CliFailure(`--jwks ${JSON.stringify(path)} is not JSON`, { cause });
  }
}

/**
 * The human-readable result of a successful verification: a summary line, then the header and
 * claims.
 *
 * @example
 * ```ts
 * printVerified(out, verifyAiAccessToken(token, { keys }), new Date());
 * ```
 */
export function printVerified(out: Output, result: VerifiedAiAccessToken, now: Date): void {
  const legacy = result.legacy ? ' (legacy audience: scopes taken as code_suggestions)' : '';
  // Every value here comes from the token (verified, but still chosen by whoever minted it).
  const shown = (text: string): string => escapeForTerminal(text);
  out.line(
    out.paint(
      ['bold', 'green'],
      `✔ valid: signature and claims verified for audience ${shown(result.audience)}${legacy}`,
    ),
  );
  out.line(
    `  subject ${result.subject === undefined ? '(none)' : shown(result.subject)}, scopes ${shown(result.scopes.join(', ')) || '(none)'}, realm ${shown(result.gitlabRealm)}`,
  );
  out.line();
  printMembers(out, 'Header', result.header, now);
  out.line();
  printMembers(out, 'Claims', result.claims, now);
}
