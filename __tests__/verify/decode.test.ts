import { TokenVerificationError } from '../../src/errors';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { decodeJwt, MAX_TOKEN_LENGTH } from '../../src/verify/decode';
import { decodeParts, testKey } from '../helpers/keys';
import { b64url, thrown, unsigned } from './forge';

const key = testKey();
const token = new AiAccessToken({
  subject: 'user-42',
  scopes: ['duo_chat'],
  issuer: 'https://gitlab.example.com',
  signingKey: key,
  now: () => new Date('2026-01-01T00:00:00Z'),
}).encoded();

describe('decodeJwt', () => {
  it('splits a token into header, payload, signing input and signature without verifying', () => {
    const decoded = decodeJwt(token);
    const independent = decodeParts(token);
    expect(decoded).toEqual(independent);
    expect(decoded.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(decoded.payload.sub).toBe('user-42');
    expect(decoded.signature).toHaveLength(256);
  });

  it('decodes an unsigned token (empty signature) for inspection', () => {
    const decoded = decodeJwt(unsigned({ alg: 'none' }, { sub: 'x' }));
    expect(decoded.header).toEqual({ alg: 'none' });
    expect(decoded.signature).toHaveLength(0);
  });

  it('keeps __proto__ as an ordinary own claim', () => {
    const decoded = decodeJwt(
      `${b64url({ alg: 'RS256' })}.${b64url('{"__proto__":{"admin":true}}')}.`,
    );
    expect(Object.getPrototypeOf(decoded.payload)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded.payload, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('measures the length before anything else', () => {
    // Grow the header until the filler needed is a whole number of base64url bytes.
    let padded = '';
    for (let extra = 0; padded === ''; extra += 1) {
      const prefix = `${b64url({ alg: 'RS256', pad: 'x'.repeat(extra) })}.${b64url({ sub: 'user-42' })}.`;
      const filler = MAX_TOKEN_LENGTH - prefix.length;
      if (filler % 4 !== 1) padded = prefix + 'A'.repeat(filler);
    }
    expect(padded).toHaveLength(MAX_TOKEN_LENGTH);
    // At the limit the token is parsed (and its signature segment accepted as base64url)...
    expect(decodeJwt(padded).payload.sub).toBe('user-42');
    // ...one character more and it is refused by its length alone.
    const error = thrown(() => decodeJwt(`${padded}A`));
    expect(error).toBeInstanceOf(TokenVerificationError);
    expect(error.message).toMatch(/8193 characters long; at most 8192/);
  });

  const [header, payload, signature] = token.split('.') as [string, string, string];
  it.each([
    ['a number', 1],
    ['null', null],
    ['an array', [token]],
    ['too many segments', `${token}.`],
    ['too few segments', `${header}.${payload}`],
    // 'Q' = 010000: the trailing 4 bits of a 2-character group must be zero.
    [
      'non-canonical base64url (non-zero padding bits)',
      `${header}.${payload}.${signature.slice(0, -3)}AQ`,
    ],
    ['a base64url length that cannot be whole bytes', `${header}.${payload}.${signature}AAA`],
    ['padding', `${header}.${payload}.${signature}==`],
    ['a header that is JSON but not an object', `${b64url('1')}.${payload}.${signature}`],
    ['an empty payload segment', `${header}..${signature}`],
    ['a leading space', ` ${token}`],
  ])('refuses %s with ERR_TOKEN_MALFORMED', (_name, input) => {
    const error = thrown(() => decodeJwt(input));
    expect(error).toBeInstanceOf(TokenVerificationError);
    expect(error.code).toBe('ERR_TOKEN_MALFORMED');
  });

  it('keeps the JSON parser error as cause', () => {
    const error = thrown(() => decodeJwt(`${b64url('{')}.${payload}.${signature}`));
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });
});
