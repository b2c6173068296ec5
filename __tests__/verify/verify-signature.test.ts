import jwt from 'jsonwebtoken';
import { TokenVerificationError } from '../../src/errors';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { decodeJwt } from '../../src/verify/decode';
import { verifySignature } from '../../src/verify/verify-signature';
import { testKey } from '../helpers/keys';

const key = testKey('signer');
const other = testKey('other');
const token = new AiAccessToken({
  subject: 'user-42',
  scopes: ['code_suggestions'],
  issuer: 'https://gitlab.example.com',
  signingKey: key,
}).encoded();

describe('verifySignature', () => {
  it('accepts the signing key among several candidates', () => {
    expect(() => {
      verifySignature(decodeJwt(token), [other.publicKey, key.publicKey]);
    }).not.toThrow();
  });

  it("translates jsonwebtoken's error into ERR_TOKEN_SIGNATURE, keeping it as cause", () => {
    let caught: unknown;
    try {
      verifySignature(decodeJwt(token), [other.publicKey]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TokenVerificationError);
    expect((caught as TokenVerificationError).code).toBe('ERR_TOKEN_SIGNATURE');
    expect((caught as Error).cause).toBeInstanceOf(jwt.JsonWebTokenError);
    expect(((caught as Error).cause as Error).message).toBe('invalid signature');
  });

  it('names how many trusted keys were tried', () => {
    const third = testKey('third');
    expect(() => {
      verifySignature(decodeJwt(token), [other.publicKey, third.publicKey]);
    }).toThrow(/does not verify with any of the 2 trusted keys/);
    expect(() => {
      verifySignature(decodeJwt(token), [other.publicKey]);
    }).toThrow(/does not verify with the trusted key:/);
  });

  it('refuses an empty signature before trying any key', () => {
    const [header, payload] = token.split('.');
    expect(() => {
      verifySignature(decodeJwt(`${header!}.${payload!}.`), [key.publicKey]);
    }).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_SIGNATURE' }) as Error);
  });
});
