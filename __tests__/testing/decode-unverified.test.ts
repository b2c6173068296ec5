import jwt from 'jsonwebtoken';
import { TokenVerificationError } from '../../src/errors';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { decodeUnverified } from '../../src/testing/decode-unverified';
import { generateTestSigningKey } from '../../src/testing/test-signing-key';

const key = generateTestSigningKey();
// A token no AiAccessToken would mint (no exp, no aud, odd claims): decodeUnverified must not care.
const looseToken = signLoose();

function signLoose(): string {
  return jwt.sign({ sub: 'someone', custom: { nested: [1, 2] } }, key.privateKey, {
    algorithm: 'RS256',
    noTimestamp: true,
  });
}

describe('decodeUnverified', () => {
  test('returns the header and claims of a minted token', () => {
    const token = new AiAccessToken({
      subject: 'user-42',
      scopes: ['duo_chat'],
      issuer: 'https://gitlab.example.com',
      signingKey: key,
      now: () => new Date('2026-01-01T00:00:00Z'),
      generateId: () => 'jti-1',
    });
    expect(decodeUnverified(token.encoded())).toEqual({
      header: { alg: 'RS256', typ: 'JWT', kid: key.kid },
      payload: token.payload(),
    });
  });

  test('does not verify: any signature, any claims', () => {
    expect(decodeUnverified(looseToken)).toEqual({
      header: { alg: 'RS256', typ: 'JWT' },
      payload: { sub: 'someone', custom: { nested: [1, 2] } },
    });
    const [header, payload] = looseToken.split('.');
    expect(decodeUnverified(`${header}.${payload}.`).payload).toEqual({
      sub: 'someone',
      custom: { nested: [1, 2] },
    });
  });

  test.each<[string, unknown]>([
    ['a non-JWT string', 'not a token'],
    ['two segments', 'eyJhbGciOiJSUzI1NiJ9.e30'],
    ['a header that is not JSON', 'bm9wZQ.e30.'],
    ['a payload that is an array', 'eyJhbGciOiJSUzI1NiJ9.W10.'],
    ['an empty string', ''],
    ['a Bearer header value', `Bearer ${'a'.repeat(10)}.b.c`],
    ['a number', 42],
    ['null', null],
    ['an AiAccessToken object (decode its encoded() string instead)', { payload: () => ({}) }],
  ])('refuses %s with TokenVerificationError ERR_TOKEN_MALFORMED', (_name, value) => {
    let caught: unknown;
    try {
      decodeUnverified(value as string);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TokenVerificationError);
    expect(caught).toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
  });
});
