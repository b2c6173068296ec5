import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE } from '../../src/constants';
import { TokenVerificationError, type TokenVerificationErrorCode } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { MAX_TOKEN_LENGTH } from '../../src/verify/decode';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import type { VerifyAiAccessTokenOptions } from '../../src/verify/verify-options';
import { testKey } from '../helpers/keys';
import { b64url, forgeHs256, forgeRs256, thrown, unsigned } from './forge';

const key = testKey('current');
const otherKey = testKey('other');
const ring = new KeyRing(key);
const jwks = ring.jwks();
const ISSUER = 'https://gitlab.example.com';
const MINTED_AT = new Date('2026-01-01T00:00:00Z');
const IAT = MINTED_AT.getTime() / 1000;
const VERIFY_AT = new Date('2026-01-01T00:10:00Z');
const publicPem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const header = { alg: 'RS256', typ: 'JWT', kid: key.kid };
const claims = {
  jti: 'id-1',
  aud: AI_GATEWAY_AUDIENCE,
  iss: ISSUER,
  sub: 'user-42',
  iat: IAT,
  nbf: IAT - 5,
  exp: IAT + 3600,
  gitlab_realm: 'saas',
  scopes: ['code_suggestions'],
};
const options: VerifyAiAccessTokenOptions = { keys: jwks, now: () => VERIFY_AT };

const valid = new AiAccessToken({
  subject: 'user-42',
  scopes: ['code_suggestions'],
  issuer: ISSUER,
  signingKey: key,
  now: () => MINTED_AT,
}).encoded();
const [validHeader, validPayload, validSignature] = valid.split('.') as [string, string, string];

const rs = (h: Record<string, unknown>, p: Record<string, unknown> = claims) =>
  forgeRs256(h, p, key.privateKey);
const withClaims = (changes: Record<string, unknown>) => rs(header, { ...claims, ...changes });
const without = (name: string) =>
  rs(header, Object.fromEntries(Object.entries(claims).filter(([claim]) => claim !== name)));
const flipLastChar = (segment: string) =>
  segment.slice(0, -2) + (segment.at(-2) === 'A' ? 'B' : 'A') + segment.slice(-1);

const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

interface Row {
  name: string;
  token: unknown;
  code: TokenVerificationErrorCode;
  options?: Partial<VerifyAiAccessTokenOptions>;
  message?: RegExp;
}

const rows: Row[] = [
  // algorithm confusion
  {
    name: 'alg none without signature',
    token: unsigned({ alg: 'none' }, claims),
    code: 'ERR_TOKEN_ALGORITHM',
    message: /unsigned/,
  },
  {
    name: 'alg none with a (real RS256) signature',
    token: `${b64url({ alg: 'none', kid: key.kid })}.${validPayload}.${validSignature}`,
    code: 'ERR_TOKEN_ALGORITHM',
  },
  {
    name: 'alg "None" (case variant)',
    token: unsigned({ alg: 'None' }, claims),
    code: 'ERR_TOKEN_ALGORITHM',
  },
  {
    name: 'HS256 signed with the public key PEM as HMAC secret',
    token: forgeHs256({ alg: 'HS256', typ: 'JWT', kid: key.kid }, claims, publicPem),
    code: 'ERR_TOKEN_ALGORITHM',
  },
  {
    name: 'HS256 with the public key as secret, PEM keys option',
    token: forgeHs256({ alg: 'HS256', typ: 'JWT' }, claims, publicPem),
    options: { keys: publicPem },
    code: 'ERR_TOKEN_ALGORITHM',
  },
  { name: 'RS384', token: rs({ ...header, alg: 'RS384' }), code: 'ERR_TOKEN_ALGORITHM' },
  { name: 'PS256', token: rs({ ...header, alg: 'PS256' }), code: 'ERR_TOKEN_ALGORITHM' },
  {
    name: 'ES256',
    token: forgeRs256({ alg: 'ES256' }, claims, ecKey),
    code: 'ERR_TOKEN_ALGORITHM',
  },
  { name: 'EdDSA', token: rs({ ...header, alg: 'EdDSA' }), code: 'ERR_TOKEN_ALGORITHM' },
  { name: 'unknown alg', token: rs({ ...header, alg: 'XY999' }), code: 'ERR_TOKEN_ALGORITHM' },
  { name: 'alg missing', token: rs({ typ: 'JWT', kid: key.kid }), code: 'ERR_TOKEN_ALGORITHM' },
  {
    name: 'alg as an array',
    token: rs({ ...header, alg: ['RS256'] }),
    code: 'ERR_TOKEN_ALGORITHM',
  },
  // header parameters the verifier refuses
  {
    name: 'crit naming an extension',
    token: rs({ ...header, crit: ['exp'] }),
    code: 'ERR_TOKEN_MALFORMED',
    message: /crit/,
  },
  { name: 'crit empty', token: rs({ ...header, crit: [] }), code: 'ERR_TOKEN_MALFORMED' },
  {
    name: 'b64 false with crit',
    token: rs({ ...header, b64: false, crit: ['b64'] }),
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'jku',
    token: rs({ ...header, jku: 'https://attacker.example/jwks' }),
    code: 'ERR_TOKEN_MALFORMED',
    message: /jku/,
  },
  {
    name: 'x5u',
    token: rs({ ...header, x5u: 'https://attacker.example/cert' }),
    code: 'ERR_TOKEN_MALFORMED',
    message: /x5u/,
  },
  {
    name: 'embedded jwk',
    token: rs({ ...header, jwk: otherKey.publicJwk() }),
    code: 'ERR_TOKEN_MALFORMED',
    message: /jwk/,
  },
  { name: 'x5c', token: rs({ ...header, x5c: ['MIIB'] }), code: 'ERR_TOKEN_MALFORMED' },
  { name: 'kid not a string', token: rs({ ...header, kid: 7 }), code: 'ERR_TOKEN_MALFORMED' },
  // keys and signatures
  {
    name: 'unknown kid',
    token: rs({ ...header, kid: 'not-a-known-kid' }),
    code: 'ERR_TOKEN_SIGNATURE',
    message: /not-a-known-kid/,
  },
  {
    name: "another key's signature under the trusted kid",
    token: forgeRs256(header, claims, otherKey.privateKey),
    code: 'ERR_TOKEN_SIGNATURE',
  },
  {
    name: "another key's signature without kid",
    token: forgeRs256({ alg: 'RS256' }, claims, otherKey.privateKey),
    code: 'ERR_TOKEN_SIGNATURE',
  },
  {
    name: 'tampered payload (scopes widened)',
    token: `${validHeader}.${b64url({ ...claims, scopes: ['code_suggestions', 'duo_chat'] })}.${validSignature}`,
    code: 'ERR_TOKEN_SIGNATURE',
  },
  {
    name: 'tampered signature',
    token: `${validHeader}.${validPayload}.${flipLastChar(validSignature)}`,
    code: 'ERR_TOKEN_SIGNATURE',
  },
  {
    name: 'truncated signature',
    token: `${validHeader}.${validPayload}.${validSignature.slice(0, 40)}`,
    code: 'ERR_TOKEN_SIGNATURE',
  },
  {
    name: 'RS256 header with empty signature',
    token: `${validHeader}.${validPayload}.`,
    code: 'ERR_TOKEN_SIGNATURE',
  },
  // structure
  { name: '1 segment', token: validHeader, code: 'ERR_TOKEN_MALFORMED' },
  { name: '2 segments', token: `${validHeader}.${validPayload}`, code: 'ERR_TOKEN_MALFORMED' },
  { name: '4 segments', token: `${valid}.${validSignature}`, code: 'ERR_TOKEN_MALFORMED' },
  {
    name: '5 segments (JWE shape)',
    token: `${validHeader}..${validPayload}.${validSignature}.x`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'bad base64url character in payload',
    token: `${validHeader}.${validPayload.slice(0, 5)}*${validPayload.slice(6)}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'standard base64 (+ /) in header',
    token: `${validHeader.replace(/.$/, '+')}.${validPayload}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'padding =',
    token: `${validHeader}=.${validPayload}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'whitespace inside',
    token: `${validHeader}. ${validPayload}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'Bearer prefix left on',
    token: `Bearer ${valid}`,
    code: 'ERR_TOKEN_MALFORMED',
    message: /Bearer/,
  },
  {
    name: 'empty header segment',
    token: `.${validPayload}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'non-JSON header',
    token: `${b64url('{alg: RS256}')}.${validPayload}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
    message: /header/,
  },
  {
    name: 'non-JSON payload',
    token: `${validHeader}.${b64url('not json')}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
    message: /payload/,
  },
  {
    name: 'header is a JSON array',
    token: `${b64url(['RS256'])}.${validPayload}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'payload is JSON null',
    token: `${validHeader}.${b64url('null')}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'payload is a JSON string',
    token: `${validHeader}.${b64url('"claims"')}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'payload not UTF-8',
    token: `${validHeader}.${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
  },
  {
    name: 'oversized token',
    token: `${validHeader}.${'A'.repeat(MAX_TOKEN_LENGTH)}.${validSignature}`,
    code: 'ERR_TOKEN_MALFORMED',
    message: /at most 8192/,
  },
  {
    name: 'a megabyte of garbage',
    token: '\u0000'.repeat(1024 * 1024),
    code: 'ERR_TOKEN_MALFORMED',
  },
  { name: 'empty string', token: '', code: 'ERR_TOKEN_MALFORMED' },
  // not strings
  { name: 'undefined', token: undefined, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'null', token: null, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'a number', token: 42, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'an object', token: { token: valid }, code: 'ERR_TOKEN_MALFORMED' },
  { name: 'a Buffer', token: Buffer.from(valid), code: 'ERR_TOKEN_MALFORMED' },
  // audience
  {
    name: 'wrong audience',
    token: withClaims({ aud: 'some-other-service' }),
    code: 'ERR_TOKEN_AUDIENCE',
    message: /some-other-service/,
  },
  {
    name: 'missing audience',
    token: without('aud'),
    code: 'ERR_TOKEN_AUDIENCE',
    message: /no aud/,
  },
  { name: 'empty audience array', token: withClaims({ aud: [] }), code: 'ERR_TOKEN_AUDIENCE' },
  {
    name: 'empty audience string',
    token: withClaims({ aud: '' }),
    code: 'ERR_TOKEN_AUDIENCE',
    message: /token aud is ""/,
  },
  {
    name: 'legacy audience when only the new one is accepted',
    token: withClaims({ aud: LEGACY_CODE_SUGGESTIONS_AUDIENCE }),
    options: { audiences: [AI_GATEWAY_AUDIENCE] },
    code: 'ERR_TOKEN_AUDIENCE',
  },
  { name: 'aud a number', token: withClaims({ aud: 1 }), code: 'ERR_TOKEN_CLAIMS' },
  // time
  {
    name: 'expired',
    token: valid,
    options: { now: () => new Date('2026-01-01T03:00:00Z') },
    code: 'ERR_TOKEN_EXPIRED',
    message: /expired at 2026-01-01T01:00:00\.000Z \(2 hours ago\)/,
  },
  {
    name: 'expired exactly now',
    token: valid,
    options: { now: () => new Date('2026-01-01T01:00:00Z') },
    code: 'ERR_TOKEN_EXPIRED',
  },
  {
    name: 'not yet valid',
    token: valid,
    options: { now: () => new Date('2025-12-31T23:50:00Z') },
    code: 'ERR_TOKEN_NOT_YET_VALID',
    message: /not valid before 2025-12-31T23:59:55\.000Z/,
  },
  {
    name: 'exp as a string',
    token: withClaims({ exp: String(IAT + 3600) }),
    code: 'ERR_TOKEN_CLAIMS',
    message: /exp/,
  },
  { name: 'missing exp', token: without('exp'), code: 'ERR_TOKEN_CLAIMS', message: /no exp/ },
  {
    name: 'exp 1e400 (JSON.parse makes it Infinity)',
    token: forgeRs256(
      JSON.stringify(header),
      JSON.stringify(claims).replace(/"exp":\d+/, '"exp":1e400'),
      key.privateKey,
    ),
    code: 'ERR_TOKEN_CLAIMS',
  },
  { name: 'exp null', token: withClaims({ exp: null }), code: 'ERR_TOKEN_CLAIMS' },
  { name: 'nbf as a string', token: withClaims({ nbf: 'yesterday' }), code: 'ERR_TOKEN_CLAIMS' },
  { name: 'iat as a boolean', token: withClaims({ iat: true }), code: 'ERR_TOKEN_CLAIMS' },
  // other claims
  { name: 'sub a number', token: withClaims({ sub: 42 }), code: 'ERR_TOKEN_CLAIMS' },
  { name: 'iss an object', token: withClaims({ iss: { url: ISSUER } }), code: 'ERR_TOKEN_CLAIMS' },
  { name: 'scopes a string', token: withClaims({ scopes: 'duo_chat' }), code: 'ERR_TOKEN_CLAIMS' },
  {
    name: 'scopes with a number',
    token: withClaims({ scopes: ['duo_chat', 1] }),
    code: 'ERR_TOKEN_CLAIMS',
  },
  {
    name: 'unknown gitlab_realm',
    token: withClaims({ gitlab_realm: 'on-prem' }),
    code: 'ERR_TOKEN_CLAIMS',
  },
  {
    name: 'missing required scope',
    token: valid,
    options: { requiredScopes: ['duo_chat'] },
    code: 'ERR_TOKEN_SCOPE',
    message: /"duo_chat"/,
  },
  {
    name: 'legacy token asked for a new scope',
    token: withClaims({ aud: LEGACY_CODE_SUGGESTIONS_AUDIENCE, scopes: ['duo_chat'] }),
    options: { requiredScopes: ['duo_chat'] },
    code: 'ERR_TOKEN_SCOPE',
  },
  {
    name: 'pinned issuer mismatch',
    token: withClaims({ iss: 'https://attacker.example' }),
    options: { issuer: ISSUER },
    code: 'ERR_TOKEN_ISSUER',
    message: /attacker\.example/,
  },
  {
    name: 'pinned issuer, token without iss',
    token: without('iss'),
    options: { issuer: [ISSUER, 'https://other.example'] },
    code: 'ERR_TOKEN_ISSUER',
  },
];

describe('verifyAiAccessToken refuses hostile and malformed tokens', () => {
  it('accepts the untouched token the rows are built from', () => {
    expect(verifyAiAccessToken(valid, options).subject).toBe('user-42');
    expect(verifyAiAccessToken(rs(header), options).subject).toBe('user-42');
  });

  it.each(rows)('$name → $code', ({ token, code, options: overrides, message }) => {
    const error = thrown(() => verifyAiAccessToken(token, { ...options, ...overrides }));
    expect(error).toBeInstanceOf(TokenVerificationError);
    expect(error.code).toBe(code);
    expect(error.name).toBe('TokenVerificationError');
    if (message !== undefined) expect(error.message).toMatch(message);
    // Never echo the credential back.
    if (typeof token === 'string' && token.length > 20) {
      expect(error.message).not.toContain(token);
      expect(error.message).not.toContain(validSignature);
    }
  });

  it('refuses an oversized token by its length alone', () => {
    // Past the limit even a perfectly valid prefix is not looked at.
    const error = thrown(() =>
      verifyAiAccessToken(`${valid}${'.'.repeat(MAX_TOKEN_LENGTH)}`, options),
    );
    expect(error).toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
    expect(error.message).toMatch(/characters long; at most 8192/);
  });

  it('rejects alg none even when the keys are a bare public key', () => {
    const error = thrown(() =>
      verifyAiAccessToken(unsigned({ alg: 'none' }, claims), { keys: createPublicKey(publicPem) }),
    );
    expect(error).toMatchObject({ code: 'ERR_TOKEN_ALGORITHM' });
  });
});
