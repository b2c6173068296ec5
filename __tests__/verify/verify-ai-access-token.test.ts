import { createPrivateKey, generateKeySync } from 'node:crypto';
import { AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE } from '../../src/constants';
import { InvalidClaimError, TokenVerificationError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import type { AiAccessTokenOptions } from '../../src/token/options';
import { decodeJwt } from '../../src/verify/decode';
import { resolveVerificationKeys } from '../../src/verify/verification-keys';
import {
  candidateKeys,
  checkHeader,
  guardVerification,
  resolveVerifyOptions,
  verifyAiAccessToken,
  verifyDecoded,
} from '../../src/verify/verify-ai-access-token';
import type { VerifyAiAccessTokenOptions } from '../../src/verify/verify-options';
import { ecKeyPair, rsaKeyPair, testKey } from '../helpers/keys';
import { forgeRs256, thrown } from './forge';

const key = testKey('current');
const previous = testKey('previous');
const ring = new KeyRing(key, [previous]);
const ISSUER = 'https://gitlab.example.com';
const MINTED_AT = new Date('2026-01-01T00:00:00Z');
const IAT = MINTED_AT.getTime() / 1000;
const at = (iso: string) => () => new Date(iso);
const now = at('2026-01-01T00:10:00Z');

function mint(overrides: Partial<AiAccessTokenOptions> = {}): string {
  return new AiAccessToken({
    subject: 'user-42',
    scopes: ['code_suggestions', 'duo_chat'],
    issuer: ISSUER,
    signingKey: key,
    now: () => MINTED_AT,
    generateId: () => 'id-1',
    ...overrides,
  }).encoded();
}

const baseClaims = {
  aud: AI_GATEWAY_AUDIENCE,
  iss: ISSUER,
  sub: 'user-42',
  iat: IAT,
  nbf: IAT - 5,
  exp: IAT + 3600,
};

describe('verifyAiAccessToken: accepted tokens', () => {
  it('verifies a new-audience token and returns its facts', () => {
    const result = verifyAiAccessToken(mint(), { keys: ring.jwks(), issuer: ISSUER, now });
    expect(result).toEqual({
      header: { alg: 'RS256', typ: 'JWT', kid: key.kid },
      claims: {
        jti: 'id-1',
        aud: AI_GATEWAY_AUDIENCE,
        iss: ISSUER,
        sub: 'user-42',
        iat: IAT,
        nbf: IAT - 5,
        exp: IAT + 3600,
        gitlab_realm: 'saas',
        scopes: ['code_suggestions', 'duo_chat'],
      },
      subject: 'user-42',
      issuer: ISSUER,
      gitlabRealm: 'saas',
      scopes: ['code_suggestions', 'duo_chat'],
      audience: AI_GATEWAY_AUDIENCE,
      legacy: false,
    });
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.claims)).toBe(true);
    expect(Object.isFrozen(result.header)).toBe(true);
    expect(Object.isFrozen(result.scopes)).toBe(true);
  });

  it('reports gitlab_realm self-managed, and saas when the claim is absent', () => {
    const selfManaged = mint({ gitlabRealm: 'self-managed' });
    expect(verifyAiAccessToken(selfManaged, { keys: key, now }).gitlabRealm).toBe('self-managed');
    const noRealm = forgeRs256({ alg: 'RS256' }, baseClaims, key.privateKey);
    expect(verifyAiAccessToken(noRealm, { keys: key, now }).gitlabRealm).toBe('saas');
  });

  it('grants no scopes to a new-audience token without a scopes claim', () => {
    const token = forgeRs256({ alg: 'RS256' }, baseClaims, key.privateKey);
    expect(verifyAiAccessToken(token, { keys: key, now }).scopes).toEqual([]);
  });

  it('treats a legacy token as code_suggestions, whatever its scopes claim says', () => {
    const legacy = mint({ audience: LEGACY_CODE_SUGGESTIONS_AUDIENCE, scopes: ['duo_chat'] });
    const result = verifyAiAccessToken(legacy, { keys: ring, now });
    expect(result).toMatchObject({
      audience: LEGACY_CODE_SUGGESTIONS_AUDIENCE,
      legacy: true,
      scopes: ['code_suggestions'],
    });
    const noScopes = forgeRs256(
      { alg: 'RS256', typ: 'JWT' },
      { ...baseClaims, aud: LEGACY_CODE_SUGGESTIONS_AUDIENCE },
      key.privateKey,
    );
    expect(verifyAiAccessToken(noScopes, { keys: ring, now }).scopes).toEqual(['code_suggestions']);
    expect(
      verifyAiAccessToken(noScopes, { keys: ring, now, requiredScopes: ['code_suggestions'] })
        .legacy,
    ).toBe(true);
  });

  describe('rollout mode: a dual-audience token', () => {
    const dual = mint({
      audience: [AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE],
      scopes: ['code_suggestions', 'duo_chat'],
    });

    it('is accepted by an old receiver that checks only the legacy audience', () => {
      const result = verifyAiAccessToken(dual, {
        keys: ring.jwks(),
        audiences: [LEGACY_CODE_SUGGESTIONS_AUDIENCE],
        requiredScopes: ['code_suggestions'],
        now,
      });
      expect(result).toMatchObject({
        audience: LEGACY_CODE_SUGGESTIONS_AUDIENCE,
        legacy: true,
        scopes: ['code_suggestions'],
      });
    });

    it('is accepted by a new receiver, under the new audience, with its own scopes', () => {
      const result = verifyAiAccessToken(dual, { keys: ring.jwks(), now });
      expect(result).toMatchObject({
        audience: AI_GATEWAY_AUDIENCE,
        legacy: false,
        scopes: ['code_suggestions', 'duo_chat'],
      });
    });

    it('is accepted by a receiver that dropped the legacy audience', () => {
      const result = verifyAiAccessToken(dual, {
        keys: ring.jwks(),
        audiences: [AI_GATEWAY_AUDIENCE],
        now,
      });
      expect(result.audience).toBe(AI_GATEWAY_AUDIENCE);
    });
  });

  it('tries audiences in the order of options.audiences, not of aud', () => {
    const token = mint({ audience: ['b', 'a'] });
    expect(verifyAiAccessToken(token, { keys: key, audiences: ['a', 'b'], now }).audience).toBe(
      'a',
    );
    expect(verifyAiAccessToken(token, { keys: key, audiences: ['c', 'b'], now }).audience).toBe(
      'b',
    );
  });

  it('accepts any of several pinned issuers', () => {
    const result = verifyAiAccessToken(mint(), {
      keys: key,
      issuer: ['https://other.example', ISSUER],
      now,
    });
    expect(result.issuer).toBe(ISSUER);
  });

  describe('clockToleranceSeconds', () => {
    const token = mint(); // exp 01:00:00, nbf 23:59:55
    it.each([
      ['expired 30 s ago, tolerance 60', '2026-01-01T01:00:30Z', 60, null],
      ['expired 30 s ago, tolerance 10', '2026-01-01T01:00:30Z', 10, 'ERR_TOKEN_EXPIRED'],
      ['expired 1 s before tolerance ends', '2026-01-01T01:00:59Z', 60, null],
      ['expired exactly when tolerance ends', '2026-01-01T01:01:00Z', 60, 'ERR_TOKEN_EXPIRED'],
      ['valid 20 s from now, tolerance 30', '2025-12-31T23:59:35Z', 30, null],
      ['valid 20 s from now, tolerance 0', '2025-12-31T23:59:35Z', 0, 'ERR_TOKEN_NOT_YET_VALID'],
      ['valid exactly now', '2025-12-31T23:59:55Z', 0, null],
    ])('%s', (_name, time, clockToleranceSeconds, code) => {
      const verify = () =>
        verifyAiAccessToken(token, { keys: key, clockToleranceSeconds, now: at(time) });
      if (code === null) expect(verify().subject).toBe('user-42');
      else expect(thrown(verify)).toMatchObject({ code });
    });

    it('says in the message that a tolerance applied', () => {
      const error = thrown(() =>
        verifyAiAccessToken(token, {
          keys: key,
          clockToleranceSeconds: 10,
          now: at('2026-01-01T01:05:00Z'),
        }),
      );
      expect(error.message).toBe(
        'token expired at 2026-01-01T01:00:00.000Z (5 minutes ago) (clock tolerance 10 s); mint a new one',
      );
    });
  });

  it('accepts fractional NumericDates from lenient issuers', () => {
    const token = forgeRs256(
      { alg: 'RS256' },
      { ...baseClaims, iat: IAT + 0.5, nbf: IAT - 4.5, exp: IAT + 3600.25 },
      key.privateKey,
    );
    expect(verifyAiAccessToken(token, { keys: key, now }).claims.exp).toBe(IAT + 3600.25);
  });

  it('tries a kid-less token against every key', () => {
    const byPrevious = forgeRs256({ alg: 'RS256', typ: 'JWT' }, baseClaims, previous.privateKey);
    expect(verifyAiAccessToken(byPrevious, { keys: ring, now }).subject).toBe('user-42');
    expect(verifyAiAccessToken(byPrevious, { keys: ring.jwks(), now }).subject).toBe('user-42');
    const error = thrown(() => verifyAiAccessToken(byPrevious, { keys: new KeyRing(key), now }));
    expect(error).toMatchObject({ code: 'ERR_TOKEN_SIGNATURE' });
    expect(error.message).toMatch(/the trusted key/);
  });
});

describe('verifyAiAccessToken: every form of keys', () => {
  const token = mint();
  const publicPem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const pkcs1PublicPem = key.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const jwkWithPrivate = { ...key.privateKey.export({ format: 'jwk' }), kid: key.kid };

  it.each<[string, VerifyAiAccessTokenOptions['keys']]>([
    ['a JWKS from KeyRing.jwks()', ring.jwks()],
    ['a JWKS parsed from JSON', JSON.parse(JSON.stringify(ring.jwks()))],
    ['a KeyRing', ring],
    ['a SigningKey', key],
    ['a public KeyObject', key.publicKey],
    ['a private KeyObject (its public half is used)', key.privateKey],
    ['an SPKI public PEM', publicPem],
    ['a PKCS#1 public PEM', pkcs1PublicPem],
    ['a private PEM (its public half is used)', key.toPem()],
    [
      'a JWKS entry without kid (tried for every token)',
      { keys: [{ kty: 'RSA', n: key.publicJwk().n, e: 'AQAB' }] },
    ],
    ['a JWK with private members (only n and e are read)', { keys: [jwkWithPrivate] }],
  ])('%s', (_name, keys) => {
    expect(verifyAiAccessToken(token, { keys, now }).subject).toBe('user-42');
  });

  it('skips JWKS entries it cannot use for RS256 and uses the rest', () => {
    const small = rsaKeyPair(1024).publicKey.export({ format: 'jwk' });
    const ec = ecKeyPair().publicKey.export({ format: 'jwk' });
    const jwk = key.publicJwk();
    const document = {
      keys: [
        null,
        'garbage',
        { ...ec, kid: key.kid },
        { kty: 'oct', k: 'c2VjcmV0', kid: key.kid },
        { ...small, kid: key.kid },
        { ...jwk, use: 'enc' },
        { ...jwk, alg: 'RS512' },
        { ...jwk, key_ops: ['encrypt'] },
        { ...jwk, n: 'not base64!' },
        { kty: 'RSA', kid: key.kid },
        jwk,
      ],
    };
    expect(resolveVerificationKeys(document)).toHaveLength(1);
    expect(verifyAiAccessToken(token, { keys: document as never, now }).subject).toBe('user-42');
  });

  it('parses keys once per keys object or PEM text', () => {
    const document = ring.jwks();
    const first = resolveVerificationKeys(document);
    expect(resolveVerificationKeys(document)).toBe(first);
    expect(resolveVerificationKeys(publicPem)).toBe(resolveVerificationKeys(publicPem));
    expect(resolveVerificationKeys(ring)).toBe(resolveVerificationKeys(ring));
    // A JWKS whose keys array is replaced is read again.
    const mutable = { keys: [key.publicJwk()] };
    const before = resolveVerificationKeys(mutable);
    mutable.keys = [previous.publicJwk()];
    expect(resolveVerificationKeys(mutable)).not.toBe(before);
    expect(resolveVerificationKeys(mutable)[0]?.kid).toBe(previous.kid);
  });
});

describe('verifyAiAccessToken: options are validated (a programmer error, not a bad token)', () => {
  const token = mint();
  const ec = ecKeyPair();
  it.each<[string, Record<string, unknown>, string]>([
    ['keys missing', { keys: undefined }, 'keys'],
    ['keys a number', { keys: 1 }, 'keys'],
    ['keys garbage text', { keys: 'not a pem' }, 'keys'],
    ['keys an EC public key', { keys: ec.publicKey }, 'keys'],
    ['keys an EC PEM', { keys: ec.publicKey.export({ type: 'spki', format: 'pem' }) }, 'keys'],
    ['keys a secret KeyObject', { keys: generateKeySync('hmac', { length: 256 }) }, 'keys'],
    ['keys RSA-1024', { keys: rsaKeyPair(1024).publicKey }, 'keys'],
    ['keys a JWKS with no usable key', { keys: { keys: [{ kty: 'EC' }] } }, 'keys'],
    ['keys an object without keys', { keys: { jwks_uri: 'https://x' } }, 'keys'],
    ['clockToleranceSeconds negative', { clockToleranceSeconds: -1 }, 'clockToleranceSeconds'],
    ['clockToleranceSeconds 301', { clockToleranceSeconds: 301 }, 'clockToleranceSeconds'],
    ['clockToleranceSeconds fractional', { clockToleranceSeconds: 1.5 }, 'clockToleranceSeconds'],
    ['clockToleranceSeconds a string', { clockToleranceSeconds: '5' }, 'clockToleranceSeconds'],
    ['audiences empty', { audiences: [] }, 'audiences'],
    ['audiences a string', { audiences: AI_GATEWAY_AUDIENCE }, 'audiences'],
    ['audiences with an empty string', { audiences: [''] }, 'audiences'],
    ['issuer empty', { issuer: '' }, 'issuer'],
    ['issuer an empty array', { issuer: [] }, 'issuer'],
    ['issuer a number', { issuer: 5 }, 'issuer'],
    ['requiredScopes a string', { requiredScopes: 'duo_chat' }, 'requiredScopes'],
    ['requiredScopes with a number', { requiredScopes: [1] }, 'requiredScopes'],
    ['now not a function', { now: new Date() }, 'now'],
    ['now returning an invalid Date', { now: () => new Date(NaN) }, 'now'],
    ['an unknown option (typo)', { audience: AI_GATEWAY_AUDIENCE }, 'audience'],
  ])('%s → InvalidClaimError naming %s', (_name, overrides, option) => {
    const error = thrown(() => verifyAiAccessToken(token, { keys: key, now, ...overrides }));
    expect(error).toBeInstanceOf(InvalidClaimError);
    expect(error).not.toBeInstanceOf(TokenVerificationError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_CLAIM', option });
    expect(error.message).not.toContain('not a pem');
  });

  it('refuses options that are not an object', () => {
    expect(thrown(() => verifyAiAccessToken(token, null as never))).toMatchObject({
      code: 'ERR_INVALID_CLAIM',
      option: 'options',
    });
  });

  it('checks options even when the token is garbage', () => {
    expect(thrown(() => verifyAiAccessToken(42, { keys: 1 as never }))).toBeInstanceOf(
      InvalidClaimError,
    );
  });

  it('refuses an encrypted private PEM (there is no passphrase option) without echoing it', () => {
    const encrypted = createPrivateKey(key.toPem())
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    const error = thrown(() => verifyAiAccessToken(token, { keys: encrypted, now }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_CLAIM', option: 'keys' });
    expect(error.message).not.toContain('ENCRYPTED');
  });
});

describe('the pipeline steps an asynchronous verifier reuses', () => {
  it('decodeJwt → checkHeader → candidateKeys → verifyDecoded gives the same result', () => {
    const token = mint();
    const options = resolveVerifyOptions({ keys: ring.jwks(), now });
    const decoded = decodeJwt(token);
    const { kid } = checkHeader(decoded.header);
    expect(kid).toBe(key.kid);
    const candidates = candidateKeys(kid, options.keys);
    expect(candidates).toHaveLength(1);
    expect(verifyDecoded(decoded, candidates, options)).toEqual(
      verifyAiAccessToken(token, { keys: ring.jwks(), now }),
    );
  });

  it('verifyDecoded re-checks the header, so a caller cannot skip it', () => {
    const decoded = decodeJwt(
      forgeRs256({ alg: 'RS256', jku: 'https://x' }, baseClaims, key.privateKey),
    );
    const options = resolveVerifyOptions({ keys: key, now });
    expect(thrown(() => verifyDecoded(decoded, [key.publicKey], options))).toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
    });
  });

  it('guardVerification wraps anything but TokenVerificationError, keeping the cause', () => {
    const bug = new TypeError('boom');
    const error = thrown(() =>
      guardVerification(() => {
        throw bug;
      }),
    );
    expect(error).toBeInstanceOf(TokenVerificationError);
    expect(error).toMatchObject({ code: 'ERR_TOKEN_MALFORMED', cause: bug });
    const original = new TokenVerificationError('ERR_TOKEN_EXPIRED', 'x');
    expect(
      thrown(() =>
        guardVerification(() => {
          throw original;
        }),
      ),
    ).toBe(original);
  });
});

describe('fractional times', () => {
  it('compares fractional exp with the exact time, not a truncated one', () => {
    const token = forgeRs256({ alg: 'RS256' }, { ...baseClaims, exp: IAT + 100.5 }, key.privateKey);
    const at100_4 = () => new Date((IAT + 100.4) * 1000);
    const at100_6 = () => new Date((IAT + 100.6) * 1000);
    expect(verifyAiAccessToken(token, { keys: key, now: at100_4 }).subject).toBe('user-42');
    expect(thrown(() => verifyAiAccessToken(token, { keys: key, now: at100_6 }))).toMatchObject({
      code: 'ERR_TOKEN_EXPIRED',
    });
  });
});
