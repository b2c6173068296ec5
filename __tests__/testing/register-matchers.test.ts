import { registerMatchers } from '../../src/testing/register-matchers';

describe('registerMatchers', () => {
  test('extends the expect it finds in the given scope', () => {
    const extended: unknown[] = [];
    registerMatchers({ expect: { extend: (matchers: unknown) => extended.push(matchers) } });
    expect(extended).toHaveLength(1);
    expect(Object.keys(extended[0] as object).sort()).toEqual([
      'toBeAiAccessToken',
      'toExpireWithin',
      'toHaveAudience',
      'toHaveClaims',
      'toHaveScopes',
    ]);
  });

  test('without a global expect (injectGlobals: false), uses the expect of @jest/globals', () => {
    registerMatchers({});
    // Without registration this would be a TypeError: toHaveScopes is not a function.
    expect(() => {
      expect(42).toHaveScopes(['duo_chat']);
    }).toThrow(/Received value must be an encoded JWT/);
  });
});
