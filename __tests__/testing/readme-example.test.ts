// The complete example test of docs/testing.md, with imports pointed at
// src. Keep the two in step: this proves the example passes.
import type { SigningKey } from '../../src/keys/signing-key';
import type { Clock } from '../../src/time';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { decodeUnverified, frozenClock, generateTestSigningKey } from '../../src/testing';
import '../../src/testing/jest-setup';

// The code under test: what your backend does before it calls the AI gateway.
function mintGatewayToken(userId: string, signingKey: SigningKey, now: Clock): string {
  return new AiAccessToken({
    subject: userId,
    scopes: ['code_suggestions', 'duo_chat'],
    issuer: 'https://gitlab.example.com',
    signingKey,
    now,
  }).encoded();
}

describe('mintGatewayToken', () => {
  const signingKey = generateTestSigningKey(); // RSA-2048, generated once, test-only

  test('grants code suggestions and chat for one hour', () => {
    const now = frozenClock('2026-01-01T00:00:00Z');
    const token = mintGatewayToken('user-42', signingKey, now);

    expect(token).toBeAiAccessToken({
      keys: signingKey,
      issuer: 'https://gitlab.example.com',
      now,
    });
    expect(token).toHaveScopes(['duo_chat', 'code_suggestions']); // any order
    expect(token).toHaveAudience('gitlab-ai-gateway');
    expect(token).toHaveClaims({ sub: 'user-42', gitlab_realm: 'saas', jti: expect.any(String) });
    expect(token).toExpireWithin(3600, { now });
    expect(decodeUnverified(token).header).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: signingKey.kid,
    });
  });

  test('is refused once it has expired', () => {
    const now = frozenClock('2026-01-01T00:00:00Z');
    const token = mintGatewayToken('user-42', signingKey, now);

    now.advance(3600);
    expect(token).not.toBeAiAccessToken({ keys: signingKey, now });
    expect(token).not.toExpireWithin(3600, { now });
  });
});
