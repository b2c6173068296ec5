import { constants, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import {
  AI_GATEWAY_AUDIENCE,
  EXPIRES_IN_SECONDS,
  LEGACY_CODE_SUGGESTIONS_AUDIENCE,
  NOT_BEFORE_SECONDS,
} from '../../src/constants';
import { NoSigningKeyError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import type { AiAccessTokenOptions } from '../../src/token/options';
import { decodeParts, testKey } from '../helpers/keys';

const key = testKey();
const ISSUER = 'https://gitlab.example.com';
// 2026-01-01T00:00:00.750Z: a fraction of a second, to prove iat is truncated.
const NOW = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 750));
const IAT = Date.UTC(2026, 0, 1) / 1000;

function mint(overrides: Partial<AiAccessTokenOptions> = {}): AiAccessToken {
  return new AiAccessToken({
    subject: 'user-42',
    scopes: ['code_suggestions', 'duo_chat'],
    issuer: ISSUER,
    signingKey: key,
    now: () => NOW,
    generateId: () => 'jti-1',
    ...overrides,
  });
}

function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    fn();
  } finally {
    apply(saved);
  }
}

const NO_KEY_ENV = {
  AI_ACCESS_TOKEN_SIGNING_KEY: undefined,
  AI_ACCESS_TOKEN_SIGNING_KEY_FILE: undefined,
};

describe('AiAccessToken payload', () => {
  it('has exactly the claim set, in order, with whole-second times', () => {
    expect(mint().payload()).toStrictEqual({
      jti: 'jti-1',
      aud: AI_GATEWAY_AUDIENCE,
      iss: ISSUER,
      sub: 'user-42',
      iat: IAT,
      nbf: IAT - NOT_BEFORE_SECONDS,
      exp: IAT + EXPIRES_IN_SECONDS,
      gitlab_realm: 'saas',
      scopes: ['code_suggestions', 'duo_chat'],
    });
    expect(Object.keys(mint().payload())).toEqual([
      'jti',
      'aud',
      'iss',
      'sub',
      'iat',
      'nbf',
      'exp',
      'gitlab_realm',
      'scopes',
    ]);
  });

  it('exposes the times as Dates: nbf = iat - 5 s, exp = iat + expiresIn', () => {
    const token = mint({ expiresIn: 120 });
    expect(token.issuedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(token.notBefore.toISOString()).toBe('2025-12-31T23:59:55.000Z');
    expect(token.expiresAt.toISOString()).toBe('2026-01-01T00:02:00.000Z');
    expect(token.payload().exp).toBe(IAT + 120);
    expect(token.id).toBe('jti-1');
  });

  it('honours realm, audience list and extra claims', () => {
    const payload = mint({
      gitlabRealm: 'self-managed',
      audience: [AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE],
      extraClaims: { instance_version: '17.0.0', limits: { daily: 10 }, beta: [true, null] },
    }).payload();
    expect(payload).toMatchObject({
      gitlab_realm: 'self-managed',
      aud: [AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE],
      instance_version: '17.0.0',
      limits: { daily: 10 },
      beta: [true, null],
    });
  });

  it('defaults jti to a random UUID v4 and the clock to the real one', () => {
    const before = Math.floor(Date.now() / 1000);
    const a = new AiAccessToken({ subject: 's', scopes: ['duo_chat'], issuer: ISSUER });
    const b = new AiAccessToken({ subject: 's', scopes: ['duo_chat'], issuer: ISSUER });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.payload().iat).toBeGreaterThanOrEqual(before);
    expect(a.payload().iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('reads the issuer from AI_ACCESS_TOKEN_ISSUER when not given', () => {
    withEnv({ AI_ACCESS_TOKEN_ISSUER: 'https://from-env.example.com' }, () => {
      expect(mint({ issuer: undefined }).payload().iss).toBe('https://from-env.example.com');
    });
  });

  it('is immutable: callers cannot change the token through what they are given', () => {
    const scopes = ['duo_chat'];
    const extraClaims = { team: { name: 'ai' } };
    const token = mint({ scopes, extraClaims });
    scopes.push('evil');
    extraClaims.team.name = 'changed';
    const payload = token.payload();
    payload.scopes.push('evil');
    (payload as Record<string, unknown>).sub = 'changed';
    expect(token.payload().scopes).toEqual(['duo_chat']);
    expect(token.payload().team).toEqual({ name: 'ai' });
    expect(token.payload().sub).toBe('user-42');
    expect(token.scopes).toEqual(['duo_chat']);
    expect(token.subject).toBe('user-42');
  });

  it('works without any signing key', () => {
    withEnv(NO_KEY_ENV, () => {
      expect(mint({ signingKey: undefined }).payload().sub).toBe('user-42');
    });
  });

  it('serialises as its claims, never as the signed token', () => {
    const token = mint();
    expect(JSON.parse(JSON.stringify(token))).toEqual(token.payload());
    expect(JSON.stringify(token)).not.toContain(token.encoded());
  });
});

describe('AiAccessToken#encoded', () => {
  it('produces an RS256 JWT with header { alg, typ, kid } and the payload', () => {
    const token = mint();
    const { header, payload } = decodeParts(token.encoded());
    expect(header).toStrictEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(token.header()).toStrictEqual(header);
    expect(payload).toStrictEqual(token.payload());
  });

  it("has a signature Node's crypto.verify accepts with the public key", () => {
    const { signingInput, signature } = decodeParts(mint().encoded());
    const publicKey = createPublicKey(key.publicKey.export({ type: 'spki', format: 'pem' }));
    expect(
      verify(
        'sha256',
        Buffer.from(signingInput),
        { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
        signature,
      ),
    ).toBe(true);
    const tampered = Buffer.from(signingInput.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(verify('sha256', tampered, publicKey, signature)).toBe(false);
  });

  it('verifies with an independent implementation (jose) against the published JWKS', async () => {
    const token = mint({ now: () => new Date() });
    const keySet = jose.createLocalJWKSet(new KeyRing(key).jwks() as unknown as jose.JSONWebKeySet);
    const { payload, protectedHeader } = await jose.jwtVerify(token.encoded(), keySet, {
      algorithms: ['RS256'],
      audience: AI_GATEWAY_AUDIENCE,
      issuer: ISSUER,
    });
    expect(protectedHeader.kid).toBe(key.kid);
    expect(payload.scopes).toEqual(['code_suggestions', 'duo_chat']);
  });

  it('returns the same token on every call (same jti, same signature)', () => {
    const token = mint({ generateId: undefined });
    expect(token.encoded()).toBe(token.encoded());
    expect(decodeParts(token.encoded()).payload.jti).toBe(token.id);
  });

  it('signs with the current key of a KeyRing', () => {
    const previous = testKey('previous');
    const { header } = decodeParts(mint({ signingKey: new KeyRing(key, [previous]) }).encoded());
    expect(header.kid).toBe(key.kid);
  });

  it('accepts PEM text and a private KeyObject as signingKey', () => {
    expect(decodeParts(mint({ signingKey: key.toPem() }).encoded()).header.kid).toBe(key.kid);
    expect(decodeParts(mint({ signingKey: key.privateKey }).encoded()).header.kid).toBe(key.kid);
  });

  it('uses the key from AI_ACCESS_TOKEN_SIGNING_KEY or AI_ACCESS_TOKEN_SIGNING_KEY_FILE', () => {
    const envKey = testKey('env');
    const file = join(mkdtempSync(join(tmpdir(), 'aat-env-')), 'key.pem');
    writeFileSync(file, envKey.toPem());
    withEnv({ ...NO_KEY_ENV, AI_ACCESS_TOKEN_SIGNING_KEY: envKey.toPem() }, () => {
      expect(decodeParts(mint({ signingKey: undefined }).encoded()).header.kid).toBe(envKey.kid);
    });
    withEnv({ ...NO_KEY_ENV, AI_ACCESS_TOKEN_SIGNING_KEY_FILE: file }, () => {
      expect(decodeParts(mint({ signingKey: undefined }).encoded()).header.kid).toBe(envKey.kid);
    });
  });

  it('reads AI_ACCESS_TOKEN_SIGNING_KEY_FILE once per path, not once per token', () => {
    const first = testKey('file-first');
    const file = join(mkdtempSync(join(tmpdir(), 'aat-env-once-')), 'key.pem');
    writeFileSync(file, first.toPem());
    withEnv({ ...NO_KEY_ENV, AI_ACCESS_TOKEN_SIGNING_KEY_FILE: file }, () => {
      expect(decodeParts(mint({ signingKey: undefined }).encoded()).header.kid).toBe(first.kid);
      writeFileSync(file, testKey('file-second').toPem());
      expect(decodeParts(mint({ signingKey: undefined }).encoded()).header.kid).toBe(first.kid);
    });
  });

  it('throws NoSigningKeyError at encode time when no key is given or configured', () => {
    withEnv(NO_KEY_ENV, () => {
      const token = mint({ signingKey: undefined });
      expect(() => token.encoded()).toThrow(NoSigningKeyError);
      expect(() => token.encoded()).toThrow(
        expect.objectContaining({ code: 'ERR_NO_SIGNING_KEY' }) as Error,
      );
      expect(() => token.header()).toThrow(NoSigningKeyError);
    });
  });
});
