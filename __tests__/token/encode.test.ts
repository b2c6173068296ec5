import { generateKeyPairSync, verify } from 'node:crypto';
import * as jose from 'jose';
import jwt from 'jsonwebtoken';
import { NoSigningKeyError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { headerFor, signCompact, signCompactAsync, signingInput } from '../../src/token/encode';
import type { AiAccessTokenOptions } from '../../src/token/options';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { decodeParts, testKey } from '../helpers/keys';

const key = testKey();
const otherKey = testKey('other');
const ISSUER = 'https://gitlab.example.com';
const NOW = new Date('2026-01-01T00:00:00Z');

function mint(overrides: Partial<AiAccessTokenOptions> = {}): AiAccessToken {
  return new AiAccessToken({
    subject: 'user-42',
    scopes: ['code_suggestions', 'duo_chat'],
    issuer: ISSUER,
    signingKey: key,
    now: () => NOW,
    ...overrides,
  });
}

async function withoutEnvKey<T>(fn: () => Promise<T>): Promise<T> {
  const names = ['AI_ACCESS_TOKEN_SIGNING_KEY', 'AI_ACCESS_TOKEN_SIGNING_KEY_FILE'];
  const saved = names.map((name) => process.env[name]);
  for (const name of names) Reflect.deleteProperty(process.env, name);
  try {
    return await fn();
  } finally {
    names.forEach((name, index) => {
      const value = saved[index];
      if (value !== undefined) process.env[name] = value;
    });
  }
}

// The reference signer named by the core issue; our encoder must produce its exact bytes.
function referenceToken(token: AiAccessToken, signingKey = key): string {
  return jwt.sign(token.payload(), signingKey.privateKey, {
    algorithm: 'RS256',
    keyid: signingKey.kid,
  });
}

const cases: [string, Partial<AiAccessTokenOptions>][] = [
  ['the defaults', {}],
  [
    'an audience list and the self-managed realm',
    { audience: ['a', 'b'], gitlabRealm: 'self-managed' },
  ],
  [
    'nested, non-ASCII extra claims',
    { extraClaims: { team: 'ü-ai ✓', tier: 3, beta: true, tags: ['x', null], nested: { a: 1.5 } } },
  ],
  ['a one-day lifetime', { expiresIn: 86_400 }],
];

describe('encoded(): byte-identical to jsonwebtoken', () => {
  it.each(cases)('for %s', (_name, overrides) => {
    const token = mint(overrides);
    expect(token.encoded()).toBe(referenceToken(token));
  });

  it('for a KeyRing, with the current key', () => {
    const token = mint({ signingKey: new KeyRing(otherKey, [key]) });
    expect(token.encoded()).toBe(referenceToken(token, otherKey));
    expect(decodeParts(token.encoded()).header).toStrictEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: otherKey.kid,
    });
  });

  it('writes the header keys in the order alg, typ, kid', () => {
    const [segment] = mint().encoded().split('.');
    expect(Buffer.from(segment!, 'base64url').toString('utf8')).toBe(
      `{"alg":"RS256","typ":"JWT","kid":"${key.kid}"}`,
    );
  });

  it('is not affected by mutating what payload() returned', () => {
    const token = mint({ extraClaims: { tags: ['a'] } });
    const payload = token.payload();
    payload.scopes.push('evil');
    (payload.tags as string[]).push('evil');
    expect(decodeParts(token.encoded()).payload).toMatchObject({
      scopes: ['code_suggestions', 'duo_chat'],
      tags: ['a'],
    });
  });
});

describe('encodedAsync()', () => {
  it.each(cases)('gives the same token as encoded() for %s', async (_name, overrides) => {
    const first = mint(overrides);
    const asyncFirst = await first.encodedAsync();
    expect(first.encoded()).toBe(asyncFirst);
    expect(asyncFirst).toBe(referenceToken(first));

    const second = mint(overrides);
    const syncFirst = second.encoded();
    await expect(second.encodedAsync()).resolves.toBe(syncFirst);
  });

  it('shares one signature between concurrent calls', async () => {
    const token = mint();
    const calls = Array.from({ length: 8 }, () => token.encodedAsync());
    expect(new Set(calls).size).toBe(1);
    const results = await Promise.all(calls);
    expect(new Set(results).size).toBe(1);
    expect(token.encoded()).toBe(results[0]);
  });

  it('returns the token encoded() produced while a signature was in flight', async () => {
    const token = mint();
    const pending = token.encodedAsync();
    const sync = token.encoded();
    await expect(pending).resolves.toBe(sync);
  });

  it('rejects, never throws, with NoSigningKeyError when there is no key', async () => {
    await withoutEnvKey(async () => {
      const token = mint({ signingKey: undefined });
      let promise: Promise<string> | undefined;
      expect(() => {
        promise = token.encodedAsync();
      }).not.toThrow();
      expect(promise).toBeInstanceOf(Promise);
      await expect(promise).rejects.toBeInstanceOf(NoSigningKeyError);
      await expect(token.encodedAsync()).rejects.toMatchObject({ code: 'ERR_NO_SIGNING_KEY' });
      expect(() => token.encoded()).toThrow(NoSigningKeyError);
    });
  });

  it('does not remember a failure: a key configured later is used', async () => {
    const token = mint({ signingKey: undefined });
    await withoutEnvKey(async () => {
      await expect(token.encodedAsync()).rejects.toBeInstanceOf(NoSigningKeyError);
    });
    const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const saved = process.env.AI_ACCESS_TOKEN_SIGNING_KEY;
    process.env.AI_ACCESS_TOKEN_SIGNING_KEY = pem;
    try {
      await expect(token.encodedAsync()).resolves.toBe(referenceToken(token));
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.env, 'AI_ACCESS_TOKEN_SIGNING_KEY');
      else process.env.AI_ACCESS_TOKEN_SIGNING_KEY = saved;
    }
  });

  it('verifies with jose (jwtVerify + createLocalJWKSet)', async () => {
    const token = mint({ now: () => new Date() });
    const keySet = jose.createLocalJWKSet(
      new KeyRing(key, [otherKey]).jwks() as unknown as jose.JSONWebKeySet,
    );
    const { payload, protectedHeader } = await jose.jwtVerify(await token.encodedAsync(), keySet, {
      algorithms: ['RS256'],
      audience: 'gitlab-ai-gateway',
      issuer: ISSUER,
    });
    expect(protectedHeader).toStrictEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(payload).toStrictEqual(token.payload());
  });

  it('verifies with verifyAiAccessToken', async () => {
    const token = mint({ now: () => new Date() });
    const verified = verifyAiAccessToken(await token.encodedAsync(), {
      keys: new KeyRing(key).jwks(),
      issuer: ISSUER,
    });
    expect(verified).toMatchObject({
      subject: 'user-42',
      scopes: ['code_suggestions', 'duo_chat'],
    });
  });
});

describe('encode internals', () => {
  const payload = { sub: 'user-42', n: 1 };

  it('builds base64url(JSON(header)).base64url(JSON(payload))', () => {
    const input = signingInput(key, payload);
    const [header, body] = input.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8'))).toStrictEqual(
      headerFor(key),
    );
    expect(JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'))).toStrictEqual(payload);
    expect(signingInput(otherKey, payload).split('.')[0]).not.toBe(header);
  });

  it('signs the input with RSASSA-PKCS1-v1_5 SHA-256, sync and async alike', async () => {
    const input = signingInput(key, payload);
    const token = signCompact(input, key.privateKey);
    await expect(signCompactAsync(input, key.privateKey)).resolves.toBe(token);
    const { signingInput: signed, signature } = decodeParts(token);
    expect(signed).toBe(input);
    expect(verify('sha256', Buffer.from(input), key.publicKey, signature)).toBe(true);
  });

  it('signCompactAsync rejects rather than throws when crypto refuses the key', async () => {
    let promise: Promise<string> | undefined;
    expect(() => {
      promise = signCompactAsync('a.b', key.publicKey);
    }).not.toThrow();
    // Node's own error, code included (it comes from Node's realm, not the test's).
    await expect(promise).rejects.toMatchObject({
      code: 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE',
      message: 'Invalid key object type public, expected private.',
    });
  });

  it('signCompactAsync rejects when signing fails in the thread pool', async () => {
    // An Ed25519 key passes the argument checks but cannot sign a SHA-256 digest.
    const { privateKey } = generateKeyPairSync('ed25519');
    await expect(signCompactAsync('a.b', privateKey)).rejects.toThrow(/invalid digest/);
  });
});
