// Regression (review finding): the issuer cache stored its keys through a UTF-8 round trip, which
// turns a lone surrogate into U+FFFD, so a request for subject "user-\uD800" was answered, from
// the cache, with the token minted for "user-\uFFFD" (and the same through extraClaims).
import { describe, expect, it } from '@jest/globals';
import { AiAccessTokenIssuer } from '../../src/issuer/ai-access-token-issuer';
import { flatString } from '../../src/issuer/flat-string';
import { decodeJwt } from '../../src/verify/decode';
import { testKey } from '../helpers/keys';

const NOW = new Date('2026-01-01T00:00:00Z');
const issuerFor = () =>
  new AiAccessTokenIssuer({
    issuer: 'https://gitlab.example.com',
    signingKey: testKey('cache-key-collisions'),
    now: () => NOW,
  });

describe('AiAccessTokenIssuer cache keys', () => {
  it('keep a lone surrogate apart from U+FFFD in a subject', () => {
    const issuer = issuerFor();
    const lone = issuer.issue({ subject: 'user-\uD800', scopes: ['duo_chat'] });
    const replacement = issuer.issue({ subject: 'user-\uFFFD', scopes: ['duo_chat'] });
    expect(replacement).not.toBe(lone);
    expect(decodeJwt(replacement).payload.sub).toBe('user-\uFFFD');
    expect(issuer.stats()).toMatchObject({ hits: 0, misses: 2 });
    expect(issuer.issue({ subject: 'user-\uD800', scopes: ['duo_chat'] })).toBe(lone);
  });

  it('keep a lone surrogate apart from U+FFFD in extra claims', () => {
    const issuer = issuerFor();
    const request = (team: string) => ({
      subject: 'user-1',
      scopes: ['duo_chat'],
      extraClaims: { team },
    });
    const lone = issuer.issue(request('a\uDC00'));
    const replacement = issuer.issue(request('a\uFFFD'));
    expect(replacement).not.toBe(lone);
    expect(decodeJwt(replacement).payload['team']).toBe('a\uFFFD');
  });
});

describe('flatString', () => {
  it.each([
    ['ASCII', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln'],
    ['Latin-1', 'caf\u00e9'],
    ['wider text', 'ключ 鍵'],
    ['an astral character', '\u{1F511}'],
    ['lone surrogates', 'a\uD800b\uDC00'],
    ['empty', ''],
  ])('copies %s exactly', (_name, text) => {
    expect(flatString(text)).toBe(text);
  });
});
