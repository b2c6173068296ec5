import { CODE_SUGGESTIONS_SCOPE } from '../../constants';
import { TokenVerificationError } from '../../errors';
import { jwks } from '../../keys/key-ring';
import { SigningKey } from '../../keys/signing-key';
import { AiAccessToken } from '../../token/ai-access-token';
import { decodeJwt } from '../../verify/decode';
import { verifyAiAccessToken } from '../../verify/verify-ai-access-token';
import { COMMON_OPTIONS, noPositionals, parseCommandArgs } from '../args';
import { printMembers } from '../claims-view';
import { CliFailure } from '../cli-errors';
import type { CliCommand } from '../command';
import { EXIT_OK } from '../exit-codes';

const OPTIONS = { ...COMMON_OPTIONS } as const;
const ISSUER = 'https://gitlab.example.com';

/**
 * `ai-access-token demo` (what `npm start` runs): the whole round trip with an ephemeral key.
 *
 * @example
 * ```sh
 * npx ai-access-token demo
 * ```
 */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Mint, decode and verify a token with an ephemeral key, on one screen',
  help: `Usage: ai-access-token demo

Generate an ephemeral RSA-2048 key, mint a token for user-42 with the code_suggestions scope,
decode its header and claims, and verify it against the key's JWKS (and show that a tampered
copy is rejected). Nothing is written to disk.

Options:
  -h, --help        show this help`,

  run(argv, { out, now }) {
    const { positionals } = parseCommandArgs('demo', argv, OPTIONS);
    noPositionals('demo', positionals);
    const signingKey = SigningKey.generate();
    const token = new AiAccessToken({
      subject: 'user-42',
      scopes: [CODE_SUGGESTIONS_SCOPE],
      issuer: ISSUER,
      signingKey,
      now,
    });
    const encoded = token.encoded();
    const at = now();
    out.line(
      out.paint(
        'bold',
        `1. Minted a token with an ephemeral RSA-2048 key (kid ${signingKey.kid}):`,
      ),
    );
    out.line(encoded);
    out.line();
    const { header, payload } = decodeJwt(encoded);
    out.line(
      out.paint('bold', '2. Decoded (anyone can read a JWT; the signature proves who wrote it):'),
    );
    printMembers(out, 'Header', header, at);
    printMembers(out, 'Claims', payload, at);
    out.line();
    out.line(out.paint('bold', '3. Verified against the JWKS { keys: [ its public key ] }:'));
    const keys = jwks(signingKey);
    const result = verifyAiAccessToken(encoded, {
      keys,
      issuer: ISSUER,
      requiredScopes: [CODE_SUGGESTIONS_SCOPE],
      now,
    });
    out.line(
      out.paint(
        'green',
        `   ✔ valid: subject ${String(result.subject)}, scopes ${result.scopes.join(', ')}, audience ${result.audience}, realm ${result.gitlabRealm}`,
      ),
    );
    const rejection = rejectionOf(() =>
      verifyAiAccessToken(tamperedCopy(encoded, payload), { keys, issuer: ISSUER, now }),
    );
    out.line(
      out.paint(
        'green',
        `   ✔ the same token with sub changed to "admin": rejected, ${rejection.code}`,
      ),
    );
    return Promise.resolve(EXIT_OK);
  },
};

// The signed header and signature with other claims: what an attacker who edits a token sends.
function tamperedCopy(encoded: string, claims: object): string {
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
  return `${encoded.slice(0, encoded.indexOf('.'))}.${forged}${encoded.slice(encoded.lastIndexOf('.'))}`;
}

// The demo checks the library as it shows it: a tampered token that verifies is a bug, reported
// as a failure rather than printed as a success.
function rejectionOf(verify: () => unknown): TokenVerificationError {
  try {
    verify();
  } catch (error) {
    if (error instanceof TokenVerificationError) return error;
    throw error;
  }
  throw new CliFailure('the same token with sub changed to "admin" was ACCEPTED (this is a bug)');
}
