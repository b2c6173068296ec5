import { InvalidClaimError, TokenVerificationError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import {
  createAiAccessTokenVerifier,
  verifyAiAccessToken,
} from '../../src/verify/verify-ai-access-token';
import type { VerifyAiAccessTokenOptions } from '../../src/verify/verify-options';
import { testKey } from '../helpers/keys';

const key = testKey('verifier');
const NOW = new Date('2026-01-01T00:00:00Z');
const now = (): Date => NOW;
const mint = (scopes: string[]): string =>
  new AiAccessToken({
    subject: 'user-42',
    scopes,
    issuer: 'https://gitlab.example.com',
    signingKey: key,
    now,
  }).encoded();

describe('createAiAccessTokenVerifier', () => {
  const options: VerifyAiAccessTokenOptions = {
    keys: new KeyRing(key).jwks(),
    requiredScopes: ['code_suggestions'],
    now,
  };

  it('verifies exactly as verifyAiAccessToken does', () => {
    const token = mint(['code_suggestions']);
    expect(createAiAccessTokenVerifier(options)(token)).toEqual(
      verifyAiAccessToken(token, options),
    );
  });

  it('rejects with the same code', () => {
    const verify = createAiAccessTokenVerifier(options);
    expect(() => verify(mint(['duo_chat']))).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_SCOPE' }) as Error,
    );
    expect(() => verify(42)).toThrow(TokenVerificationError);
  });

  it('validates its options once, when it is created', () => {
    expect(() => createAiAccessTokenVerifier({ ...options, clockToleranceSeconds: 301 })).toThrow(
      InvalidClaimError,
    );
    const bound = { ...options, requiredScopes: ['code_suggestions'] };
    const verify = createAiAccessTokenVerifier(bound);
    // Later changes to the object it was given do not reach the bound verifier.
    bound.requiredScopes = ['admin'];
    expect(verify(mint(['code_suggestions'])).scopes).toEqual(['code_suggestions']);
  });
});
