import { InvalidClaimError, InvalidSigningKeyError } from '../../src/errors';
import { AiAccessToken } from '../../src/token/ai-access-token';
import type { AiAccessTokenOptions } from '../../src/token/options';
import { testKey } from '../helpers/keys';

const valid: AiAccessTokenOptions = {
  subject: 'user-42',
  scopes: ['code_suggestions'],
  issuer: 'https://gitlab.example.com',
  signingKey: testKey(),
};

function withOption(name: string, value: unknown): AiAccessTokenOptions {
  return { ...valid, [name]: value };
}

const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;
let deep: Record<string, unknown> = {};
for (let i = 0; i < 40; i += 1) deep = { deep };

// [description, options, option named in the error, message pattern]
const invalid: [string, AiAccessTokenOptions, string, RegExp][] = [
  ['no options', undefined as never, 'options', /options must be an object; got undefined/],
  [
    'missing subject',
    withOption('subject', undefined),
    'subject',
    /subject must be a non-empty string/,
  ],
  [
    'empty subject',
    withOption('subject', ''),
    'subject',
    /subject must be a non-empty string; got ""/,
  ],
  [
    'numeric subject',
    withOption('subject', 42),
    'subject',
    /subject must be a non-empty string; got 42/,
  ],
  [
    'missing scopes',
    withOption('scopes', undefined),
    'scopes',
    /scopes must be a non-empty array of strings; got undefined/,
  ],
  [
    'empty scopes',
    withOption('scopes', []),
    'scopes',
    /^scopes must be a non-empty array of strings; got \[\]$/,
  ],
  [
    'a string as scopes',
    withOption('scopes', 'duo_chat'),
    'scopes',
    /scopes must be a non-empty array/,
  ],
  [
    'an empty scope',
    withOption('scopes', ['duo_chat', '']),
    'scopes',
    /scopes\[1\] is "", not a non-empty string/,
  ],
  ['a numeric scope', withOption('scopes', [1]), 'scopes', /scopes\[0\] is 1/],
  ['duplicate scopes', withOption('scopes', ['a', 'a']), 'scopes', /"a" appears twice/],
  ['empty issuer', withOption('issuer', ''), 'issuer', /issuer must be a non-empty string/],
  [
    'unknown realm',
    withOption('gitlabRealm', 'dedicated'),
    'gitlabRealm',
    /gitlabRealm must be 'saas' or 'self-managed'; got "dedicated"/,
  ],
  ['empty audience', withOption('audience', ''), 'audience', /audience must be a non-empty string/],
  [
    'empty audience list',
    withOption('audience', []),
    'audience',
    /audience must be a non-empty array/,
  ],
  [
    'numeric audience',
    withOption('audience', 7),
    'audience',
    /audience must be a non-empty string or a non-empty array/,
  ],
  [
    'zero expiresIn',
    withOption('expiresIn', 0),
    'expiresIn',
    /expiresIn must be a whole number of seconds from 1 to 86400; got 0/,
  ],
  [
    'too long expiresIn',
    withOption('expiresIn', 86_401),
    'expiresIn',
    /from 1 to 86400; got 86401/,
  ],
  ['fractional expiresIn', withOption('expiresIn', 1.5), 'expiresIn', /got 1.5/],
  ['string expiresIn', withOption('expiresIn', '3600'), 'expiresIn', /got "3600"/],
  ['NaN expiresIn', withOption('expiresIn', Number.NaN), 'expiresIn', /got NaN/],
  [
    'array extraClaims',
    withOption('extraClaims', []),
    'extraClaims',
    /extraClaims must be a plain JSON object/,
  ],
  ['class instance extraClaims', withOption('extraClaims', new Map()), 'extraClaims', /got a Map/],
  [
    'reserved extra claim',
    withOption('extraClaims', { scopes: ['admin'] }),
    'extraClaims.scopes',
    /must not set "scopes"/,
  ],
  [
    'reserved extra claim exp',
    withOption('extraClaims', { exp: 1 }),
    'extraClaims.exp',
    /must not set "exp"/,
  ],
  [
    'function in extraClaims',
    withOption('extraClaims', { f: () => 1 }),
    'extraClaims.f',
    /extraClaims.f must be JSON/,
  ],
  [
    'undefined in extraClaims',
    withOption('extraClaims', { u: undefined }),
    'extraClaims.u',
    /must be JSON/,
  ],
  [
    'Infinity in extraClaims',
    withOption('extraClaims', { n: [Infinity] }),
    'extraClaims.n[0]',
    /JSON cannot represent/,
  ],
  [
    'a Date in extraClaims',
    withOption('extraClaims', { d: new Date(0) }),
    'extraClaims.d',
    /must be JSON/,
  ],
  ['a bigint in extraClaims', withOption('extraClaims', { b: 1n }), 'extraClaims.b', /got 1n/],
  ['cyclic extraClaims', withOption('extraClaims', cyclic), 'extraClaims.self', /refers to itself/],
  [
    'too deep extraClaims',
    withOption('extraClaims', deep),
    `extraClaims${'.deep'.repeat(33)}`,
    /nested deeper than 32/,
  ],
  ['non-function now', withOption('now', new Date()), 'now', /now must be a function/],
  [
    'now returning garbage',
    withOption('now', () => 'today'),
    'now',
    /now must return a valid Date; got "today"/,
  ],
  [
    'now returning Invalid Date',
    withOption('now', () => new Date(Number.NaN)),
    'now',
    /got Invalid Date/,
  ],
  [
    'non-function generateId',
    withOption('generateId', 'id'),
    'generateId',
    /generateId must be a function/,
  ],
  [
    'generateId returning empty',
    withOption('generateId', () => ''),
    'generateId',
    /must return a non-empty string/,
  ],
  ['a misspelt option', withOption('scope', ['duo_chat']), 'scope', /unknown option "scope"/],
];

describe('AiAccessToken option validation', () => {
  it.each(invalid)('refuses %s with InvalidClaimError', (_name, options, option, message) => {
    let caught: unknown;
    try {
      new AiAccessToken(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidClaimError);
    const error = caught as InvalidClaimError;
    expect(error.code).toBe('ERR_INVALID_CLAIM');
    expect(error.name).toBe('InvalidClaimError');
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  it('refuses a missing issuer, naming the environment variable', () => {
    const saved = process.env.AI_ACCESS_TOKEN_ISSUER;
    delete process.env.AI_ACCESS_TOKEN_ISSUER;
    try {
      expect(() => new AiAccessToken(withOption('issuer', undefined))).toThrow(
        /issuer must be a non-empty string; pass issuer or set AI_ACCESS_TOKEN_ISSUER/,
      );
    } finally {
      if (saved !== undefined) process.env.AI_ACCESS_TOKEN_ISSUER = saved;
    }
  });

  it('refuses an unusable signing key at construction', () => {
    expect(() => new AiAccessToken(withOption('signingKey', 'not a pem'))).toThrow(
      InvalidSigningKeyError,
    );
    expect(() => new AiAccessToken(withOption('signingKey', testKey().publicKey))).toThrow(
      expect.objectContaining({ reason: 'public-key' }) as Error,
    );
  });
});
