import { CODE_SUGGESTIONS_SCOPE } from '../../constants';
import { TokenVerificationError } from '../../errors';
import { jwks } from '../../keys/key-ring';
import { SigningKey } from '../../keys/signing-key';
import { AiAccessToken } from '../../token/ai-access-token';
import { decodeJwt } from '../../verify/decode';
import { verifyAiAccessToken } from '../../verify/verify-ai-access-token';
import { COMMON_OPTIONS, noPositionals, parseCommandArgs } from '../args';
import { printMembers } from '../claims-view';
import type { CliCommand } from '../command';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes';

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
        `   ✔ valid: subject ${result.subject ?? '(none)'}, scopes ${result.scopes.join(', ')}, audience ${result.audience}, realm ${result.gitlabRealm}`,
      ),
    );
    const rejection = rejectionOf(() =>
      verifyAiAccessToken(tamperedCopy(encoded), { keys, issuer: ISSUER, now }),
    );
    out.line(
      out.paint(
        rejection === undefined ? 'red' : 'green',
        `   ✔ the same token with sub changed to "admin": ${rejection ?? 'ACCEPTED (this is a bug)'}`,
      ),
    );
    return Promise.resolve(rejection === undefined ? EXIT_FAILURE : EXIT_OK);
  },
};

function tamperedCopy(encoded: string): string {
  const [header = '', payload = '', signature = ''] = encoded.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object;
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
  return `${header}.${forged}.${signature}`;
}

function rejectionOf(verify: () => unknown): string | undefined {
  try {
    verify();
    return undefined;
  } catch (error) {
    if (error instanceof TokenVerificationError) return `rejected, ${error.code}`;
    throw error;
  }
}
