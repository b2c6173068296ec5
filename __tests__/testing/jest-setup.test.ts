import { expect as globalsExpect } from '@jest/globals';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { frozenClock } from '../../src/testing/frozen-clock';
import { generateTestSigningKey } from '../../src/testing/test-signing-key';
import '../../src/testing/jest-setup';

// What `setupFilesAfterEnv: ['ai-access-token/testing/jest-setup']` does: one import, and every
// matcher is on expect, with no expect.extend in the test file.
describe('jest-setup', () => {
  const signingKey = generateTestSigningKey();
  const now = frozenClock('2026-01-01T00:00:00Z');
  const token = new AiAccessToken({
    subject: 'user-42',
    scopes: ['code_suggestions'],
    issuer: 'https://gitlab.example.com',
    signingKey,
    now,
  });

  test('registers every matcher on the global expect', () => {
    expect(token.encoded()).toBeAiAccessToken({ keys: signingKey, now });
    expect(token).toHaveScopes(['code_suggestions']);
    expect(token).toHaveClaims({ sub: 'user-42', gitlab_realm: 'saas' });
    expect(token).toHaveAudience('gitlab-ai-gateway');
    expect(token).toExpireWithin(3600, { now });
    expect(token).not.toHaveScopes(['duo_chat']);
  });

  test('registers them on expect from @jest/globals too', () => {
    globalsExpect(token).toHaveScopes(['code_suggestions']);
    globalsExpect(token.encoded()).not.toHaveAudience('gitlab-code-suggestions');
    expect(() => {
      globalsExpect(token).toExpireWithin(60, { now });
    }).toThrow(/expect\(token\)\.toExpireWithin\(seconds, options\)/);
  });
});
