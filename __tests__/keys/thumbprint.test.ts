import { createPublicKey } from 'node:crypto';
import { rsaPublicComponents, rsaThumbprint } from '../../src/keys/thumbprint';
import { ecKeyPair } from '../helpers/keys';

// RFC 7638, section 3.1: the example RSA key and its SHA-256 thumbprint.
const RFC7638_N =
  '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

describe('RFC 7638 thumbprint', () => {
  it('matches the RFC test vector', () => {
    expect(rsaThumbprint({ kty: 'RSA', n: RFC7638_N, e: 'AQAB' })).toBe(RFC7638_THUMBPRINT);
  });

  it('matches the RFC test vector when computed from a real KeyObject', () => {
    const key = createPublicKey({ key: { kty: 'RSA', n: RFC7638_N, e: 'AQAB' }, format: 'jwk' });
    expect(rsaThumbprint(rsaPublicComponents(key))).toBe(RFC7638_THUMBPRINT);
  });

  it('refuses a key that is not RSA', () => {
    const { publicKey } = ecKeyPair();
    expect(() => rsaPublicComponents(publicKey)).toThrow('expected an RSA key');
  });
});
