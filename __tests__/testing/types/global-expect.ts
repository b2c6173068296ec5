// Type test, compiled (never run) by ../types.test.ts: the matchers are typed on the global
// `expect` of @types/jest once anything is imported from `ai-access-token/testing`.
import { KeyRing } from '../../../src/keys/key-ring';
import { aiAccessTokenMatchers, frozenClock, generateTestSigningKey } from '../../../src/testing';

expect.extend(aiAccessTokenMatchers);

export async function assertions(token: string): Promise<void> {
  const signingKey = generateTestSigningKey();
  const now = frozenClock('2026-01-01T00:00:00Z');

  expect(token).toBeAiAccessToken(signingKey);
  expect(token).toBeAiAccessToken(signingKey.publicKey);
  expect(token).toBeAiAccessToken(new KeyRing(signingKey).jwks());
  expect(token).toBeAiAccessToken({ keys: new KeyRing(signingKey) });
  expect(token).toBeAiAccessToken({ keys: signingKey, issuer: 'https://gitlab.example.com', now });
  expect(token).not.toBeAiAccessToken(signingKey);
  expect(token).toHaveScopes(['duo_chat', 'code_suggestions']);
  expect(token).not.toHaveScopes(['duo_chat']);
  expect(token).toHaveClaims({ sub: 'user-42', scopes: expect.arrayContaining(['duo_chat']) });
  expect(token).toHaveAudience('gitlab-ai-gateway');
  expect(token).toHaveAudience(['gitlab-ai-gateway', 'gitlab-code-suggestions']);
  expect(token).toExpireWithin(3600);
  expect(token).toExpireWithin(3600, { now });
  expect(token).toExpireWithin(3600, { now: () => new Date() });
  await expect(Promise.resolve(token)).resolves.toHaveScopes(['duo_chat']);

  // @ts-expect-error -- scopes is an array, not one string
  expect(token).toHaveScopes('duo_chat');
  // @ts-expect-error -- claims is an object
  expect(token).toHaveClaims('sub');
  // @ts-expect-error -- audience is a string or an array of strings
  expect(token).toHaveAudience(42);
  // @ts-expect-error -- seconds is a number
  expect(token).toExpireWithin('1h');
  // @ts-expect-error -- now is a clock, not a Date
  expect(token).toExpireWithin(60, { now: new Date() });
  // @ts-expect-error -- the keys (or verify options) are required
  expect(token).toBeAiAccessToken();
  // @ts-expect-error -- a misspelt matcher does not exist
  expect(token).toHaveScope(['duo_chat']);
}
