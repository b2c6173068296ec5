import { claimsKey, normaliseRequest } from '../../src/issuer/cache-key';

describe('normaliseRequest', () => {
  const key = (request: Parameters<typeof normaliseRequest>[1], kid = 'kid-1') =>
    normaliseRequest(kid, request).cacheKey;

  it('is the same for equal requests and differs for each field and for the kid', () => {
    const base = { subject: 'u', scopes: ['b', 'a'] };
    const keys = [
      key(base),
      key(base, 'kid-2'),
      key({ ...base, subject: 'v' }),
      key({ ...base, scopes: ['a'] }),
      key({ ...base, gitlabRealm: 'self-managed' }),
      key({ ...base, audience: 'other' }),
      key({ ...base, audience: ['gitlab-ai-gateway'] }),
      key({ ...base, extraClaims: { a: 1 } }),
      key({ ...base, extraClaims: { a: '1' } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(key({ subject: 'u', scopes: ['a', 'b'], audience: 'gitlab-ai-gateway' })).toBe(keys[0]);
  });

  it('cannot be confused by separators inside values', () => {
    expect(key({ subject: 'a b', scopes: ['c'] })).not.toBe(key({ subject: 'a', scopes: ['b c'] }));
    expect(key({ subject: 'a', scopes: ['b,c'] })).not.toBe(
      key({ subject: 'a', scopes: ['b', 'c'] }),
    );
  });

  it('applies the defaults and sorts the scopes without touching the input', () => {
    const scopes = ['duo_chat', 'code_suggestions'];
    expect(normaliseRequest('k', { subject: 'u', scopes })).toMatchObject({
      scopes: ['code_suggestions', 'duo_chat'],
      gitlabRealm: 'saas',
      audience: 'gitlab-ai-gateway',
      extraClaims: undefined,
    });
    expect(scopes).toStrictEqual(['duo_chat', 'code_suggestions']);
  });
});

describe('claimsKey', () => {
  const key = (value: unknown) => claimsKey(value, ['extraClaims']);

  it('ignores object key order at every depth and keeps array order', () => {
    expect(key({ b: [2, 1], a: { d: null, c: true } })).toBe(
      key({ a: { c: true, d: null }, b: [2, 1] }),
    );
    expect(key({ b: [2, 1] })).not.toBe(key({ b: [1, 2] }));
  });

  it('gives different values different keys', () => {
    const values: unknown[] = [
      {},
      [],
      '',
      'a',
      '1',
      1,
      1.5,
      true,
      false,
      null,
      [null],
      ['a', 'b'],
      ['ab'],
      { a: 'b' },
      { 'a"': 'b' },
      { a: { b: 1 } },
      { 'a.b': 1 },
      { a: ['1'] },
      { a: [1] },
      { a: 1, b: 2 },
      { a: '1:b2' },
    ];
    const keys = values.map(key);
    expect(new Set(keys).size).toBe(values.length);
  });

  it.each([
    ['extraClaims.when', { when: new Date(0) }],
    ['extraClaims.list[1]', { list: [1, undefined] }],
    ['extraClaims.n', { n: Number.POSITIVE_INFINITY }],
    ['extraClaims.big', { big: 1n }],
    ['extraClaims.f', { f: () => 1 }],
  ])('refuses what JSON cannot carry, naming %s', (option, value) => {
    expect(() => key(value)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option }),
    );
  });

  it('refuses cycles through its depth limit', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => key(cyclic)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CLAIM' }));
  });

  it('accepts an object without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.a = 1;
    expect(key(bare)).toBe(key({ a: 1 }));
  });
});
