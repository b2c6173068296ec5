import { SigningKey } from '../keys/signing-key';

let testSigningKey: SigningKey | undefined;

/**
 * **For tests only.** An RSA-2048 {@link SigningKey} generated on first use and returned again on
 * every later call in the same process (in jest: the same test file, since each file gets its own
 * module registry). Generation takes about a tenth of a second, so tests share one key instead of
 * making their own.
 *
 * The key lives only in memory and is never written anywhere, but it is shared by every caller in
 * the process: never sign a token a real service will accept with it, and never load this module
 * from production code (the main `ai-access-token` entry does not).
 *
 * @example
 * ```ts
 * import { AiAccessToken } from 'ai-access-token';
 * import { generateTestSigningKey } from 'ai-access-token/testing';
 *
 * const signingKey = generateTestSigningKey();
 * const token = new AiAccessToken({ subject: 'user-42', scopes: ['duo_chat'], issuer, signingKey });
 * expect(token.encoded()).toBeAiAccessToken(signingKey);
 * ```
 */
export function generateTestSigningKey(): SigningKey {
  testSigningKey ??= SigningKey.generate();
  return testSigningKey;
}
