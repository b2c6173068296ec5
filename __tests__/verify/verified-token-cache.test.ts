// The verified-token cache of createAiAccessTokenVerifier: a hit skips the signature check (counted
// on the real jsonwebtoken, which still verifies every miss) but never the time rules or the key.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { TokenVerificationError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { KeySchedule } from '../../src/keys/key-schedule';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { createAiAccessTokenVerifier } from '../../src/verify/verify-ai-access-token';
import { testKey } from '../helpers/keys';
import { forgeRs256 } from './forge';

const alpha = testKey('cache-alpha');
const beta = testKey('cache-beta');
const T0 = Date.parse('2026-01-01T00:00:00Z');
let ms = T0;
const now = (): Date => new Date(ms);
const at = (seconds: number): void => {
  ms = T0 + seconds * 1000;
};
const mint = (signingKey = alpha, scopes = ['code_suggestions']): string =>
  new AiAccessToken({
    subject: 'user-42',
    scopes,
    issuer: 'https://gitlab.example.com',
    signingKey,
    now,
  }).encoded();

let signatureChecks: { mock: { calls: unknown[] }; mockRestore(): void };
beforeEach(() => {
  at(0);
  signatureChecks = jest.spyOn(jwt, 'verify');
});
afterEach(() => {
  signatureChecks.mockRestore();
});

const codeOf = (verify: () => unknown): string | undefined => {
  try {
    verify();
  } catch (error) {
    if (error instanceof TokenVerificationError) return error.code;
    throw error;
  }
  return undefined;
};

describe('createAiAccessTokenVerifier({ cache })', () => {
  it('verifies a token once and answers later calls with the same frozen result', () => {
    const verify = createAiAccessTokenVerifier({
      keys: new KeyRing(alpha),
      now,
      cache: { maxEntries: 10 },
    });
    const token = mint();
    const first = verify(token);
    expect(Object.isFrozen(first)).toBe(true);
    expect(verify(token)).toBe(first);
    // A copy of the string (as each request brings) is the same key.
    expect(verify(`${token} `.trimEnd())).toBe(first);
    expect(signatureChecks.mock.calls).toHaveLength(1);
  });

  it('verifies every time without the option', () => {
    const verify = createAiAccessTokenVerifier({ keys: new KeyRing(alpha), now });
    const token = mint();
    expect(verify(token)).not.toBe(verify(token));
    expect(signatureChecks.mock.calls).toHaveLength(2);
  });

  it('checks exp again on every hit, with the clock tolerance', () => {
    const verify = createAiAccessTokenVerifier({
      keys: new KeyRing(alpha),
      now,
      clockToleranceSeconds: 60,
      cache: { maxEntries: 10 },
    });
    const token = mint(); // exp = T0 + 3600
    const first = verify(token);
    at(3659);
    expect(verify(token)).toBe(first);
    at(3660);
    expect(codeOf(() => verify(token))).toBe('ERR_TOKEN_EXPIRED');
    // The rejection is not remembered either: the token is checked in full again.
    const checks = signatureChecks.mock.calls.length;
    expect(codeOf(() => verify(token))).toBe('ERR_TOKEN_EXPIRED');
    expect(signatureChecks.mock.calls.length).toBeGreaterThan(checks);
  });

  it('checks nbf again on every hit (a clock set back)', () => {
    const verify = createAiAccessTokenVerifier({
      keys: new KeyRing(alpha),
      now,
      cache: { maxEntries: 10 },
    });
    const token = mint(); // nbf = T0 - 5
    const first = verify(token);
    at(-5);
    expect(verify(token)).toBe(first);
    at(-6);
    expect(codeOf(() => verify(token))).toBe('ERR_TOKEN_NOT_YET_VALID');
    at(0);
    expect(verify(token)).toEqual(first);
  });

  it('does not remember rejections', () => {
    const verify = createAiAccessTokenVerifier({
      keys: new KeyRing(alpha),
      now,
      requiredScopes: ['duo_chat'],
      cache: { maxEntries: 10 },
    });
    const token = mint(alpha, ['code_suggestions']);
    expect(codeOf(() => verify(token))).toBe('ERR_TOKEN_SCOPE');
    const checks = signatureChecks.mock.calls.length;
    expect(codeOf(() => verify(token))).toBe('ERR_TOKEN_SCOPE');
    expect(signatureChecks.mock.calls.length).toBeGreaterThan(checks);

    // A token not yet valid, then valid: the first answer was not kept.
    const early = forgeRs256(
      { alg: 'RS256', typ: 'JWT', kid: alpha.kid },
      {
        aud: 'gitlab-ai-gateway',
        scopes: ['duo_chat'],
        nbf: T0 / 1000 + 100,
        exp: T0 / 1000 + 3600,
      },
      alpha.privateKey,
    );
    expect(codeOf(() => verify(early))).toBe('ERR_TOKEN_NOT_YET_VALID');
    at(100);
    expect(verify(early).scopes).toEqual(['duo_chat']);
    // Tampered tokens stay rejected, whatever was verified before.
    const tampered = `${early.slice(0, -4)}AAAA`;
    expect(codeOf(() => verify(tampered))).toBe('ERR_TOKEN_SIGNATURE');
    expect(codeOf(() => verify(tampered))).toBe('ERR_TOKEN_SIGNATURE');
  });

  it('keeps at most maxEntries tokens, forgetting the least recently used', () => {
    const verify = createAiAccessTokenVerifier({
      keys: new KeyRing(alpha),
      now,
      cache: { maxEntries: 2 },
    });
    const [a, b, c] = [mint(), mint(), mint()] as [string, string, string];
    const first = verify(a);
    verify(b);
    expect(verify(a)).toBe(first); // a is now the most recently used
    verify(c); // evicts b
    expect(verify(a)).toBe(first);
    const checks = signatureChecks.mock.calls.length;
    verify(b);
    expect(signatureChecks.mock.calls.length).toBe(checks + 1);
  });

  it('drops a token when the KeySchedule retires the key that verified it', () => {
    // alpha signs from T0, beta from T0 + 1 h; alpha stays published 10 minutes longer.
    const schedule = new KeySchedule(
      [
        { key: alpha, activatesAt: new Date(T0) },
        { key: beta, activatesAt: new Date(T0 + 3600_000) },
      ],
      { publishLeadSeconds: 0, retireAfterSeconds: 600, now },
    );
    const verify = createAiAccessTokenVerifier({ keys: schedule, now, cache: { maxEntries: 10 } });
    at(3000);
    const token = new AiAccessToken({
      subject: 'user-42',
      scopes: ['duo_chat'],
      issuer: 'https://gitlab.example.com',
      signingKey: alpha,
      now,
      expiresIn: 7200,
    }).encoded();
    const first = verify(token);
    at(3600 + 599); // beta signs, alpha still published
    expect(verify(token)).toBe(first);
    at(3600 + 600); // alpha retired, the token not yet expired
    expect(codeOf(() => verify(token))).toBe('ERR_TOKEN_SIGNATURE');
  });

  it('does not remember a rejection by a key the schedule has not published yet', () => {
    const schedule = new KeySchedule(
      [
        { key: alpha, activatesAt: new Date(T0) },
        { key: beta, activatesAt: new Date(T0 + 3600_000) },
      ],
      { publishLeadSeconds: 600, now },
    );
    const verify = createAiAccessTokenVerifier({ keys: schedule, now, cache: { maxEntries: 10 } });
    const early = new AiAccessToken({
      subject: 'user-42',
      scopes: ['duo_chat'],
      issuer: 'https://gitlab.example.com',
      signingKey: beta,
      now,
    }).encoded();
    expect(codeOf(() => verify(early))).toBe('ERR_TOKEN_SIGNATURE');
    at(3000); // beta published
    expect(verify(early).header.kid).toBe(beta.kid);
  });

  it.each([
    ['not an object', 10],
    ['no maxEntries', {}],
    ['zero', { maxEntries: 0 }],
    ['a fraction', { maxEntries: 1.5 }],
    ['too many', { maxEntries: 1_000_001 }],
    ['an unknown member', { maxEntries: 10, ttl: 5 }],
  ])('refuses a cache option that is %s, naming the option', (_, cache) => {
    expect(() =>
      createAiAccessTokenVerifier({ keys: new KeyRing(alpha), cache: cache as never }),
    ).toThrow(expect.objectContaining({ option: 'cache' }));
  });
});
