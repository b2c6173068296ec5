import { sign } from 'node:crypto';
import { AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE } from '../../src/constants';
import { InvalidClaimError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { SigningKey } from '../../src/keys/signing-key';
import { AiAccessToken } from '../../src/token/ai-access-token';
import type { AiAccessTokenOptions } from '../../src/token/options';
import { frozenClock } from '../../src/testing/frozen-clock';
import type { AiAccessTokenMatchers } from '../../src/testing/jest-matchers';
import { aiAccessTokenMatchers } from '../../src/testing/matchers';
import { generateTestSigningKey } from '../../src/testing/test-signing-key';
import { failureOf } from './matcher-failure';

expect.extend(aiAccessTokenMatchers);

const key = generateTestSigningKey();
const otherKey = SigningKey.generate();
const ISSUER = 'https://gitlab.example.com';
const START = '2026-01-01T00:00:00Z';
const IAT = Date.UTC(2026, 0, 1) / 1000;
const now = frozenClock(START);

function mint(overrides: Partial<AiAccessTokenOptions> = {}): AiAccessToken {
  return new AiAccessToken({
    subject: 'user-42',
    scopes: ['duo_chat', 'code_suggestions'],
    issuer: ISSUER,
    signingKey: key,
    now,
    generateId: () => 'jti-1',
    ...overrides,
  });
}

/** A real RS256 token with exactly these claims, for shapes AiAccessToken refuses to mint. */
function signRaw(claims: Record<string, unknown>): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${part({ alg: 'RS256', typ: 'JWT', kid: key.kid })}.${part(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), key.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

const token = mint();
const encoded = token.encoded();
const unsigned = mint({ signingKey: undefined });

// Values that are not tokens: every claim matcher fails on them, with and without `.not`.
const garbage: [string, unknown][] = [
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
  ['a plain object', { sub: 'user-42' }],
  ['an array', ['duo_chat']],
  ['a non-JWT string', 'not-a-token'],
  ['three segments of junk', 'a.b.c'],
  ['a long non-JWT string', 'x'.repeat(200)],
  [
    'an object whose payload() throws',
    {
      payload: () => {
        throw new Error('boom');
      },
      encoded: () => 'x',
    },
  ],
  ['an object whose payload() is not an object', { payload: () => 'claims', encoded: () => 'x' }],
];

describe.each([
  ['an encoded token', encoded],
  ['an AiAccessToken', token],
])('received as %s', (_name, received) => {
  test('every matcher passes on the right claims', () => {
    expect(received).toBeAiAccessToken({ keys: key, now });
    expect(received).toHaveScopes(['code_suggestions', 'duo_chat']);
    expect(received).toHaveClaims({ sub: 'user-42', iss: ISSUER, exp: IAT + 3600 });
    expect(received).toHaveAudience(AI_GATEWAY_AUDIENCE);
    expect(received).toExpireWithin(3600, { now });
  });

  test('every matcher fails on the wrong claims', () => {
    expect(received).not.toBeAiAccessToken({ keys: otherKey, now });
    expect(received).not.toHaveScopes(['duo_chat']);
    expect(received).not.toHaveClaims({ sub: 'user-1' });
    expect(received).not.toHaveAudience(LEGACY_CODE_SUGGESTIONS_AUDIENCE);
    expect(received).not.toExpireWithin(3599, { now });
  });
});

describe('toBeAiAccessToken', () => {
  test('takes the keys alone: SigningKey, KeyRing, public KeyObject, JWKS document', () => {
    const live = mint({ now: undefined }).encoded();
    expect(live).toBeAiAccessToken(key);
    expect(live).toBeAiAccessToken(new KeyRing(otherKey, [key]));
    expect(live).toBeAiAccessToken(key.publicKey);
    expect(live).toBeAiAccessToken({ keys: [{ ...key.publicJwk() }] });
    expect(live).not.toBeAiAccessToken(otherKey);
  });

  test('takes the verify options, and applies them', () => {
    expect(encoded).toBeAiAccessToken({
      keys: key,
      now,
      issuer: ISSUER,
      requiredScopes: ['duo_chat'],
    });
    expect(encoded).not.toBeAiAccessToken({ keys: key, now, issuer: 'https://elsewhere.example' });
    expect(encoded).not.toBeAiAccessToken({ keys: key, now, requiredScopes: ['other'] });
  });

  test('failure names the error code and reason, never the token', () => {
    const message = failureOf(() => {
      expect(encoded).toBeAiAccessToken({ keys: key, now: frozenClock('2026-01-01T02:00:00Z') });
    });
    expect(message).toBe(
      'expect(token).toBeAiAccessToken(keysOrVerifyOptions)\n\n' +
        'Expected: a token that verifies\n' +
        'Received: rejected with "ERR_TOKEN_EXPIRED": token expired at 2026-01-01T01:00:00.000Z (1 hour ago); mint a new one',
    );
    expect(message).not.toContain(encoded);
  });

  test('failure with the wrong key', () => {
    expect(
      failureOf(() => {
        expect(encoded).toBeAiAccessToken({ keys: otherKey, now });
      }),
    ).toMatch(
      /^expect\(token\)\.toBeAiAccessToken\(keysOrVerifyOptions\)\n\nExpected: a token that verifies\nReceived: rejected with "ERR_TOKEN_\w+": /,
    );
  });

  test('.not failure shows what verified', () => {
    expect(
      failureOf(() => {
        expect(encoded).not.toBeAiAccessToken({ keys: key, now });
      }),
    ).toBe(
      'expect(token).not.toBeAiAccessToken(keysOrVerifyOptions)\n\n' +
        'Expected: a token that does not verify\n' +
        'Received: a token that verifies (audience "gitlab-ai-gateway", scopes ["duo_chat", "code_suggestions"])\n\n' +
        `Received claims: {"aud": "gitlab-ai-gateway", "exp": ${IAT + 3600}, "gitlab_realm": "saas", "iat": ${IAT}, ` +
        `"iss": "https://gitlab.example.com", "jti": "jti-1", "nbf": ${IAT - 5}, "scopes": ["duo_chat", "code_suggestions"], "sub": "user-42"}`,
    );
  });

  test('an AiAccessToken without a signing key fails: it cannot be encoded', () => {
    const saved = [
      process.env.AI_ACCESS_TOKEN_SIGNING_KEY,
      process.env.AI_ACCESS_TOKEN_SIGNING_KEY_FILE,
    ];
    delete process.env.AI_ACCESS_TOKEN_SIGNING_KEY;
    delete process.env.AI_ACCESS_TOKEN_SIGNING_KEY_FILE;
    try {
      expect(
        failureOf(() => {
          expect(unsigned).toBeAiAccessToken(key);
        }),
      ).toMatch(/Received token cannot be encoded: NoSigningKeyError: no signing key/);
      expect(unsigned).not.toBeAiAccessToken(key);
    } finally {
      if (saved[0] !== undefined) process.env.AI_ACCESS_TOKEN_SIGNING_KEY = saved[0];
      if (saved[1] !== undefined) process.env.AI_ACCESS_TOKEN_SIGNING_KEY_FILE = saved[1];
    }
  });

  test.each(garbage)('%s is not an AI access token: fails, and .not passes', (_name, value) => {
    expect(
      failureOf(() => {
        expect(value).toBeAiAccessToken(key);
      }),
    ).toMatch(
      /^expect\(token\)\.toBeAiAccessToken\(keysOrVerifyOptions\)\n\nExpected: a token that verifies\n(Received|Received value|Received token)/,
    );
    expect(value).not.toBeAiAccessToken(key);
  });

  test('bad verify options are a mistake in the test: they throw InvalidClaimError', () => {
    expect(() => {
      expect(encoded).toBeAiAccessToken({ keys: key, clockToleranceSeconds: -1 });
    }).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'clockToleranceSeconds' }),
    );
    expect(() => {
      expect(encoded).toBeAiAccessToken(42 as never);
    }).toThrow(InvalidClaimError);
    // Checked before the received value, so a bad option never hides behind a bad token.
    expect(() => {
      expect('not-a-token').not.toBeAiAccessToken({ keys: key, audiences: [] });
    }).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'audiences' }));
  });
});

describe('toHaveScopes', () => {
  test('ignores order', () => {
    expect(encoded).toHaveScopes(['duo_chat', 'code_suggestions']);
    expect(encoded).toHaveScopes(['code_suggestions', 'duo_chat']);
  });

  test('needs exactly the same scopes: neither a subset nor a superset passes', () => {
    expect(encoded).not.toHaveScopes(['duo_chat']);
    expect(encoded).not.toHaveScopes(['duo_chat', 'code_suggestions', 'other']);
    expect(encoded).not.toHaveScopes([]);
  });

  test('failure shows a sorted diff', () => {
    expect(
      failureOf(() => {
        expect(encoded).toHaveScopes(['duo_chat', 'explain_code']);
      }),
    ).toBe(
      'expect(token).toHaveScopes(scopes)\n\n' +
        'Compared in any order (both sides sorted below).\n\n' +
        '- Expected scopes  - 1\n' +
        '+ Received scopes  + 1\n\n' +
        '  Array [\n' +
        '+   "code_suggestions",\n' +
        '    "duo_chat",\n' +
        '-   "explain_code",\n' +
        '  ]',
    );
  });

  test('.not failure shows both lists', () => {
    expect(
      failureOf(() => {
        expect(token).not.toHaveScopes(['code_suggestions', 'duo_chat']);
      }),
    ).toBe(
      'expect(token).not.toHaveScopes(scopes)\n\n' +
        'Expected scopes: not ["code_suggestions", "duo_chat"]\n' +
        'Received scopes:     ["duo_chat", "code_suggestions"]',
    );
  });

  test('a token without a scopes claim fails, saying so', () => {
    const legacy = signRaw({ sub: 'x', aud: LEGACY_CODE_SUGGESTIONS_AUDIENCE, exp: IAT + 60 });
    expect(
      failureOf(() => {
        expect(legacy).toHaveScopes(['code_suggestions']);
      }),
    ).toBe(
      'expect(token).toHaveScopes(scopes)\n\n' +
        'Expected scopes: ["code_suggestions"]\n' +
        'Received scopes: undefined (the token has no scopes claim)',
    );
    expect(legacy).not.toHaveScopes(['code_suggestions']);
    expect(signRaw({ scopes: 'duo_chat' })).not.toHaveScopes(['duo_chat']);
  });

  test.each<[string, unknown]>([
    ['a string', 'duo_chat'],
    ['an array with a number', ['duo_chat', 1]],
    ['undefined', undefined],
  ])('a bad expected value (%s) throws a matcher error', (_name, scopes) => {
    expect(() => {
      expect(encoded).toHaveScopes(scopes as string[]);
    }).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'scopes' }));
    expect(() => {
      expect(encoded).toHaveScopes(scopes as string[]);
    }).toThrow(/Matcher error: scopes must be an array of strings/);
  });
});

describe('toHaveClaims', () => {
  const rich = mint({
    extraClaims: { team: { name: 'ai', size: 3, tags: ['a', 'b'] }, instance_version: '17.0.0' },
  });

  test('matches a subset of the claims, recursively', () => {
    expect(rich).toHaveClaims({ team: { name: 'ai' } });
    expect(rich).toHaveClaims({ sub: 'user-42', team: { tags: ['a', 'b'] }, gitlab_realm: 'saas' });
    expect(rich).toHaveClaims({});
  });

  test('takes asymmetric matchers', () => {
    expect(rich).toHaveClaims({
      jti: expect.any(String),
      exp: expect.any(Number),
      scopes: expect.arrayContaining(['duo_chat']),
      team: expect.objectContaining({ size: 3 }),
    });
    expect(rich).not.toHaveClaims({ iat: expect.any(String) });
  });

  test('compares arrays whole, in order (use expect.arrayContaining for a subset)', () => {
    expect(rich).not.toHaveClaims({ scopes: ['duo_chat'] });
    expect(rich).not.toHaveClaims({ scopes: ['code_suggestions', 'duo_chat'] });
    expect(rich).toHaveClaims({ scopes: ['duo_chat', 'code_suggestions'] });
  });

  test('a missing claim does not match, not even undefined', () => {
    expect(rich).not.toHaveClaims({ missing: 'x' });
  });

  test('failure diffs only the claims the test named', () => {
    expect(
      failureOf(() => {
        expect(rich).toHaveClaims({ sub: 'user-1', team: { name: 'ai', size: 4 }, extra: 1 });
      }),
    ).toBe(
      'expect(token).toHaveClaims(claims)\n\n' +
        '- Expected claims  - 3\n' +
        '+ Received claims  + 2\n\n' +
        '  Object {\n' +
        '-   "extra": 1,\n' +
        '-   "sub": "user-1",\n' +
        '+   "sub": "user-42",\n' +
        '    "team": Object {\n' +
        '      "name": "ai",\n' +
        '-     "size": 4,\n' +
        '+     "size": 3,\n' +
        '    },\n' +
        '  }',
    );
  });

  test('.not failure shows the expected and every received claim', () => {
    expect(
      failureOf(() => {
        expect(encoded).not.toHaveClaims({ sub: 'user-42' });
      }),
    ).toBe(
      'expect(token).not.toHaveClaims(claims)\n\n' +
        'Expected claims: not {"sub": "user-42"}\n' +
        `Received claims:     {"aud": "gitlab-ai-gateway", "exp": ${IAT + 3600}, "gitlab_realm": "saas", "iat": ${IAT}, ` +
        `"iss": "https://gitlab.example.com", "jti": "jti-1", "nbf": ${IAT - 5}, "scopes": ["duo_chat", "code_suggestions"], "sub": "user-42"}`,
    );
  });

  test.each<[string, unknown]>([
    ['null', null],
    ['an array', ['sub']],
    ['a string', 'sub'],
  ])('a bad expected value (%s) throws a matcher error', (_name, claims) => {
    expect(() => {
      expect(encoded).toHaveClaims(claims as Record<string, unknown>);
    }).toThrow(/Matcher error: claims must be an object of claims/);
  });
});

describe('toHaveAudience', () => {
  const multi = mint({ audience: [AI_GATEWAY_AUDIENCE, 'another-service'] });

  test('a string passes when aud is it, or holds it', () => {
    expect(encoded).toHaveAudience(AI_GATEWAY_AUDIENCE);
    expect(multi).toHaveAudience('another-service');
    expect(multi).not.toHaveAudience('third');
  });

  test('an array passes when aud holds exactly those audiences, in any order', () => {
    expect(multi).toHaveAudience(['another-service', AI_GATEWAY_AUDIENCE]);
    expect(encoded).toHaveAudience([AI_GATEWAY_AUDIENCE]);
    expect(multi).not.toHaveAudience([AI_GATEWAY_AUDIENCE]);
  });

  test('failure with a string', () => {
    expect(
      failureOf(() => {
        expect(encoded).toHaveAudience(LEGACY_CODE_SUGGESTIONS_AUDIENCE);
      }),
    ).toBe(
      'expect(token).toHaveAudience(audience)\n\n' +
        'Expected audience: "gitlab-code-suggestions" (alone or among others)\n' +
        'Received audience: "gitlab-ai-gateway"',
    );
  });

  test('failure with an array shows a sorted diff', () => {
    expect(
      failureOf(() => {
        expect(multi).toHaveAudience([AI_GATEWAY_AUDIENCE, 'third']);
      }),
    ).toBe(
      'expect(token).toHaveAudience(audience)\n\n' +
        'Compared in any order (both sides sorted below).\n\n' +
        '- Expected audience  - 1\n' +
        '+ Received audience  + 1\n\n' +
        '  Array [\n' +
        '+   "another-service",\n' +
        '    "gitlab-ai-gateway",\n' +
        '-   "third",\n' +
        '  ]',
    );
  });

  test('.not failure', () => {
    expect(
      failureOf(() => {
        expect(token).not.toHaveAudience(AI_GATEWAY_AUDIENCE);
      }),
    ).toBe(
      'expect(token).not.toHaveAudience(audience)\n\n' +
        'Expected audience: not "gitlab-ai-gateway"\n' +
        'Received audience:     "gitlab-ai-gateway"',
    );
  });

  test('a token without aud fails, saying so', () => {
    expect(
      failureOf(() => {
        expect(signRaw({ sub: 'x' })).toHaveAudience('x');
      }),
    ).toMatch(/Received audience: undefined \(the token has no aud claim\)$/);
    expect(signRaw({ aud: 42 })).not.toHaveAudience('42');
  });

  test.each<[string, unknown]>([
    ['an empty string', ''],
    ['an empty array', []],
    ['a number', 42],
    ['an array with a number', ['a', 1]],
  ])('a bad expected value (%s) throws a matcher error', (_name, audience) => {
    expect(() => {
      expect(encoded).toHaveAudience(audience as string);
    }).toThrow(
      /Matcher error: audience must be a non-empty string or a non-empty array of strings/,
    );
  });
});

describe('toExpireWithin', () => {
  test('passes when exp - now <= seconds, up to the boundary', () => {
    expect(encoded).toExpireWithin(3600, { now });
    expect(encoded).toExpireWithin(86_400, { now });
    expect(encoded).not.toExpireWithin(3599, { now });
  });

  test('counts whole seconds, as verification does', () => {
    const clock = frozenClock('2026-01-01T00:00:00.900Z');
    expect(encoded).toExpireWithin(3600, { now: clock });
    expect(encoded).not.toExpireWithin(3599, { now: clock });
  });

  test('an expired token fails whatever the window, from the second exp is reached', () => {
    const clock = frozenClock(START);
    clock.advance(3599);
    expect(encoded).toExpireWithin(1, { now: clock });
    clock.advance(1);
    expect(encoded).not.toExpireWithin(1, { now: clock });
    expect(encoded).not.toExpireWithin(1_000_000, { now: clock });
  });

  test('failure: expires too late', () => {
    expect(
      failureOf(() => {
        expect(encoded).toExpireWithin(60, { now });
      }),
    ).toBe(
      'expect(token).toExpireWithin(seconds, options)\n\n' +
        'Expected: expires within 60 s of 2026-01-01T00:00:00.000Z\n' +
        'Received: expires at 2026-01-01T01:00:00.000Z (in 1 hour), 3600 s from now',
    );
  });

  test('failure: already expired', () => {
    const later = frozenClock('2026-01-01T03:00:00Z');
    expect(
      failureOf(() => {
        expect(token).toExpireWithin(60, { now: later });
      }),
    ).toBe(
      'expect(token).toExpireWithin(seconds, options)\n\n' +
        'Expected: expires within 60 s of 2026-01-01T03:00:00.000Z\n' +
        'Received: expired at 2026-01-01T01:00:00.000Z (2 hours ago)',
    );
  });

  test('.not failure', () => {
    expect(
      failureOf(() => {
        expect(encoded).not.toExpireWithin(3600, { now });
      }),
    ).toBe(
      'expect(token).not.toExpireWithin(seconds, options)\n\n' +
        'Expected: not to expire within 3600 s of 2026-01-01T00:00:00.000Z\n' +
        'Received: expires at 2026-01-01T01:00:00.000Z (in 1 hour), 3600 s from now',
    );
  });

  test('now defaults to the real clock', () => {
    const live = mint({ now: undefined, expiresIn: 120 });
    expect(live).toExpireWithin(120);
    expect(live).not.toExpireWithin(60);
  });

  test('a token without exp fails, saying so', () => {
    const forever = signRaw({ sub: 'x', aud: AI_GATEWAY_AUDIENCE });
    expect(
      failureOf(() => {
        expect(forever).toExpireWithin(60, { now });
      }),
    ).toBe(
      'expect(token).toExpireWithin(seconds, options)\n\n' +
        'Expected: expires within 60 s of 2026-01-01T00:00:00.000Z\n' +
        'Received: exp undefined (the token has no exp claim)',
    );
    expect(forever).not.toExpireWithin(60, { now });
    expect(signRaw({ exp: '1767229200' })).not.toExpireWithin(1e9, { now });
  });

  test.each<[string, unknown]>([
    ['negative', -1],
    ['NaN', Number.NaN],
    ['a string', '1h'],
  ])('bad seconds (%s) throw a matcher error', (_name, seconds) => {
    expect(() => {
      expect(encoded).toExpireWithin(seconds as number, { now });
    }).toThrow(/Matcher error: seconds must be a finite number of seconds, 0 or more/);
  });

  test.each<[string, unknown]>([
    ['null', null],
    ['a clock passed bare', () => new Date()],
    ['a Date as now', { now: new Date() }],
  ])('bad options (%s) throw a matcher error', (_name, options) => {
    expect(() => {
      expect(encoded).toExpireWithin(60, options as never);
    }).toThrow(/Matcher error: options must be \{ now\?: \(\) => Date \}/);
  });

  test('a clock that returns no valid Date throws InvalidClaimError naming now', () => {
    expect(() => {
      expect(encoded).toExpireWithin(60, { now: () => new Date(Number.NaN) });
    }).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'now' }));
  });
});

describe('received values that are not tokens', () => {
  const claimAssertions: Record<string, (assertion: AiAccessTokenMatchers<void>) => void> = {
    toHaveScopes: (assertion) => {
      assertion.toHaveScopes(['duo_chat']);
    },
    toHaveClaims: (assertion) => {
      assertion.toHaveClaims({ sub: 'user-42' });
    },
    toHaveAudience: (assertion) => {
      assertion.toHaveAudience(AI_GATEWAY_AUDIENCE);
    },
    toExpireWithin: (assertion) => {
      assertion.toExpireWithin(60, { now });
    },
  };

  describe.each(Object.entries(claimAssertions))('%s', (matcher, call) => {
    test.each(garbage)('fails on %s, with and without .not, never throwing', (_name, value) => {
      const plain = failureOf(() => {
        call(expect(value));
      });
      const negated = failureOf(() => {
        call(expect(value).not);
      });
      expect(plain).toMatch(new RegExp(`^expect\\(token\\)\\.${matcher}\\(`));
      expect(negated).toMatch(new RegExp(`^expect\\(token\\)\\.not\\.${matcher}\\(`));
      expect(plain).toMatch(/Received (value|token)/);
      expect(plain).not.toContain('x'.repeat(33));
    });
  });

  test('messages say what is wrong', () => {
    expect(
      failureOf(() => {
        expect(42).toHaveScopes(['a']);
      }),
    ).toBe(
      'expect(token).toHaveScopes(scopes)\n\n' +
        'Received value must be an encoded JWT (string) or an AiAccessToken\n\n' +
        'Received: 42',
    );
    expect(
      failureOf(() => {
        expect('x'.repeat(200)).toHaveScopes(['a']);
      }),
    ).toBe(
      'expect(token).toHaveScopes(scopes)\n\n' +
        'Received value is not a JWT: ERR_TOKEN_MALFORMED: token must have 3 dot-separated segments (header.payload.signature); got 1',
    );
    expect(
      failureOf(() => {
        expect({ sub: 'x' }).toHaveClaims({ sub: 'x' });
      }),
    ).toMatch(
      /Received value must be an encoded JWT \(string\) or an AiAccessToken\n\nReceived: \{"sub": "x"\}$/,
    );
  });
});

describe('an AiAccessToken without a signing key', () => {
  test('works with every claim matcher, read through payload()', () => {
    expect(unsigned).toHaveScopes(['duo_chat', 'code_suggestions']);
    expect(unsigned).toHaveClaims({ sub: 'user-42' });
    expect(unsigned).toHaveAudience(AI_GATEWAY_AUDIENCE);
    expect(unsigned).toExpireWithin(3600, { now });
  });
});

describe('promises', () => {
  test('.resolves works, with the promise in the hint', async () => {
    await expect(Promise.resolve(encoded)).resolves.toHaveScopes(['duo_chat', 'code_suggestions']);
    await expect(
      expect(Promise.resolve(encoded)).resolves.toHaveScopes(['duo_chat']),
    ).rejects.toThrow(/expect\(token\)\.resolves\.toHaveScopes\(scopes\)/);
  });
});
