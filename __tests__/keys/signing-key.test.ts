import { createPublicKey, createSecretKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import * as jose from 'jose';
import { InvalidSigningKeyError, NoSigningKeyError } from '../../src/errors';
import { SigningKey } from '../../src/keys/signing-key';
import { rsaKeyPair, testKey } from '../helpers/keys';

const key = testKey();
const pkcs8 = key.toPem();
const pkcs1 = key.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const publicPem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function invalidReason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSigningKeyError);
    const typed = error as InvalidSigningKeyError;
    expect(typed.code).toBe('ERR_INVALID_SIGNING_KEY');
    // Never echo key material back.
    expect(typed.message).not.toMatch(/MII[A-Za-z0-9+/]{8}/);
    return typed.reason;
  }
  throw new Error('expected InvalidSigningKeyError');
}

describe('SigningKey.fromPem', () => {
  it('parses PKCS#8 and PKCS#1 PEM to the same key', () => {
    expect(SigningKey.fromPem(pkcs8).kid).toBe(key.kid);
    expect(SigningKey.fromPem(pkcs1).kid).toBe(key.kid);
  });

  it('decrypts an encrypted PEM with its passphrase', () => {
    const encrypted = key.privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' })
      .toString();
    expect(SigningKey.fromPem(encrypted, { passphrase: 'correct horse' }).kid).toBe(key.kid);
  });

  const rsa1024 = rsaKeyPair(1024).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const ed25519 = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const encrypted = key.privateKey
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right' })
    .toString();
  const encryptedPkcs1 = key.privateKey
    .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right' })
    .toString();

  it.each([
    ['a public key', () => SigningKey.fromPem(publicPem), 'public-key'],
    ['an RSA-1024 key', () => SigningKey.fromPem(rsa1024), 'too-small'],
    ['an EC key', () => SigningKey.fromPem(ec), 'not-rsa'],
    ['an Ed25519 key', () => SigningKey.fromPem(ed25519), 'not-rsa'],
    ['garbage text', () => SigningKey.fromPem('not a key at all'), 'malformed'],
    ['an empty string', () => SigningKey.fromPem(''), 'malformed'],
    ['a truncated PEM', () => SigningKey.fromPem(pkcs8.slice(0, 200)), 'malformed'],
    ['a non-string', () => SigningKey.fromPem(42 as unknown as string), 'malformed'],
    [
      'an encrypted PEM without passphrase',
      () => SigningKey.fromPem(encrypted),
      'passphrase-required',
    ],
    [
      'an encrypted PKCS#1 PEM without passphrase',
      () => SigningKey.fromPem(encryptedPkcs1),
      'passphrase-required',
    ],
    [
      'an encrypted PEM with a wrong passphrase',
      () => SigningKey.fromPem(encrypted, { passphrase: 'wrong' }),
      'wrong-passphrase',
    ],
  ])('refuses %s', (_name, fn, reason) => {
    expect(invalidReason(fn)).toBe(reason);
  });
});

describe('SigningKey.fromKeyObject', () => {
  it('wraps a private RSA KeyObject without re-parsing', () => {
    const wrapped = SigningKey.fromKeyObject(key.privateKey);
    expect(wrapped.privateKey).toBe(key.privateKey);
    expect(wrapped.kid).toBe(key.kid);
  });

  it.each([
    ['a public KeyObject', () => SigningKey.fromKeyObject(createPublicKey(pkcs8)), 'public-key'],
    [
      'a secret KeyObject',
      () => SigningKey.fromKeyObject(createSecretKey(Buffer.alloc(32, 1))),
      'secret-key',
    ],
    [
      'an RSA-1024 KeyObject',
      () => SigningKey.fromKeyObject(rsaKeyPair(1024).privateKey),
      'too-small',
    ],
    [
      'an EC KeyObject',
      () => SigningKey.fromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
      'not-rsa',
    ],
    ['a PEM string', () => SigningKey.fromKeyObject(pkcs8 as never), 'malformed'],
  ])('refuses %s', (_name, fn, reason) => {
    expect(invalidReason(fn)).toBe(reason);
  });
});

describe('SigningKey.fromEnv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aat-key-'));
  const file = join(dir, 'key.pem');
  writeFileSync(file, pkcs8);

  it('reads PEM text from AI_ACCESS_TOKEN_SIGNING_KEY', () => {
    expect(SigningKey.fromEnv({ AI_ACCESS_TOKEN_SIGNING_KEY: pkcs8 }).kid).toBe(key.kid);
  });

  it('reads a PEM file from AI_ACCESS_TOKEN_SIGNING_KEY_FILE', () => {
    expect(SigningKey.fromEnv({ AI_ACCESS_TOKEN_SIGNING_KEY_FILE: file }).kid).toBe(key.kid);
  });

  it('prefers the PEM text when both are set', () => {
    const other = testKey('other');
    const env = {
      AI_ACCESS_TOKEN_SIGNING_KEY: other.toPem(),
      AI_ACCESS_TOKEN_SIGNING_KEY_FILE: file,
    };
    expect(SigningKey.fromEnv(env).kid).toBe(other.kid);
  });

  it('throws NoSigningKeyError naming both variables when neither is set', () => {
    expect(() => SigningKey.fromEnv({})).toThrow(NoSigningKeyError);
    expect(() => SigningKey.fromEnv({})).toThrow(
      /AI_ACCESS_TOKEN_SIGNING_KEY.*AI_ACCESS_TOKEN_SIGNING_KEY_FILE/,
    );
  });

  it('parses PEM text from the environment once, keeping the 8 most recently parsed', () => {
    const pem = (name: string) => testKey(name).toPem();
    const first = SigningKey.fromEnv({ AI_ACCESS_TOKEN_SIGNING_KEY: pem('cached-0') });
    expect(SigningKey.fromEnv({ AI_ACCESS_TOKEN_SIGNING_KEY: pem('cached-0') })).toBe(first);
    for (let i = 1; i <= 8; i += 1) {
      SigningKey.fromEnv({ AI_ACCESS_TOKEN_SIGNING_KEY: pem(`cached-${i}`) });
    }
    // Eight newer keys pushed the first one out: it is parsed again, to an equal key.
    const again = SigningKey.fromEnv({ AI_ACCESS_TOKEN_SIGNING_KEY: pem('cached-0') });
    expect(again).not.toBe(first);
    expect(again.kid).toBe(first.kid);
    expect(SigningKey.fromEnv({ AI_ACCESS_TOKEN_SIGNING_KEY: pem('cached-8') })).toBe(
      SigningKey.fromEnv({ AI_ACCESS_TOKEN_SIGNING_KEY: pem('cached-8') }),
    );
  });

  it('reports an unreadable key file without leaking its path contents', () => {
    const env = { AI_ACCESS_TOKEN_SIGNING_KEY_FILE: join(dir, 'missing.pem') };
    expect(invalidReason(() => SigningKey.fromEnv(env))).toBe('unreadable-file');
    expect(() => SigningKey.fromEnv(env)).toThrow(/ENOENT/);
  });

  it('refuses an unusable key in the environment', () => {
    expect(
      invalidReason(() => SigningKey.fromEnv({ AI_ACCESS_TOKEN_SIGNING_KEY: publicPem })),
    ).toBe('public-key');
  });
});

describe('SigningKey.generate', () => {
  it('generates a 2048-bit key by default', () => {
    expect(key.modulusLength).toBe(2048);
    expect(key.privateKey.asymmetricKeyType).toBe('rsa');
  });

  it.each([1024, 2047, 2049.5, Number.NaN, 100_000])(
    'refuses modulusLength %p',
    (modulusLength) => {
      expect(() => SigningKey.generate({ modulusLength })).toThrow(InvalidSigningKeyError);
    },
  );
});

describe('kid and public JWK', () => {
  it('is the RFC 7638 thumbprint, as jose computes it', async () => {
    const jwk = await jose.exportJWK(key.publicKey);
    expect(key.kid).toBe(await jose.calculateJwkThumbprint(jwk, 'sha256'));
  });

  it('publishes exactly the public members', () => {
    const jwk = key.publicJwk();
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(jwk).toMatchObject({ kty: 'RSA', e: 'AQAB', alg: 'RS256', use: 'sig', kid: key.kid });
    expect(createPublicKey({ key: { ...jwk }, format: 'jwk' }).equals(key.publicKey)).toBe(true);
  });

  it('never prints private material', () => {
    const shown = [JSON.stringify(key), inspect(key), inspect(key, { showHidden: true })];
    for (const text of shown) {
      expect(text).not.toMatch(/"d"|"p"|"q"|PRIVATE/);
      expect(text).toContain(key.kid);
    }
  });

  it('is immutable', () => {
    expect(Object.isFrozen(key)).toBe(true);
  });
});
