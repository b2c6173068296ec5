// Any Signer (here a key held behind an asynchronous sign(), like a KMS) is taken wherever a
// SigningKey is: tokens, issuers, rings, schedules, jwks() and verification keys. Real RSA keys,
// real signatures.
import { sign as cryptoSign } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import {
  AiAccessToken,
  AiAccessTokenIssuer,
  AsyncOnlySignerError,
  InvalidSigningKeyError,
  KeyRing,
  KeySchedule,
  MissingDependencyError,
  NoSigningKeyError,
  SignerError,
  createAiAccessTokenVerifier,
  jwks,
  verifyAiAccessToken,
  type PublicJwk,
  type Signer,
} from '../../src';
import { loadPkcs11js } from '../../src/pkcs11/load-pkcs11js';
import { testKey } from '../helpers/keys';

const NOW = new Date('2026-01-01T00:00:00Z');
const now = () => NOW;
const ISSUER = 'https://gitlab.example.com';

/** A signer whose private key is out of reach: only an async sign(), counted. */
function remoteSigner(name: string, override: Partial<Signer> = {}): Signer & { calls: number } {
  const key = testKey(name);
  const signer = {
    calls: 0,
    kid: key.kid,
    publicJwk: (): PublicJwk => key.publicJwk(),
    sign(input: Uint8Array): Promise<Uint8Array> {
      signer.calls += 1;
      return new Promise((resolve, reject) => {
        cryptoSign('sha256', input, key.privateKey, (error, signature) => {
          if (error === null) resolve(signature);
          else reject(error);
        });
      });
    },
    ...override,
  };
  return signer;
}

const options = (signingKey: unknown) => ({
  subject: 'user-42',
  scopes: ['duo_chat'],
  issuer: ISSUER,
  signingKey: signingKey as Signer,
  now,
});

describe('Signer', () => {
  it('SigningKey satisfies it: sign() gives the RS256 signature encoded() writes', async () => {
    const key = testKey('a');
    const signer: Signer = key;
    const token = new AiAccessToken(options(key));
    const encoded = token.encoded();
    const input = encoded.slice(0, encoded.lastIndexOf('.'));
    const signature = await signer.sign(Buffer.from(input));
    expect(Buffer.from(signature).toString('base64url')).toBe(encoded.split('.')[2]);
  });

  it('an async-only signer mints with encodedAsync(); encoded() and signingKey() say to', async () => {
    const signer = remoteSigner('b');
    const token = new AiAccessToken(options(signer));
    expect(() => token.encoded()).toThrow(AsyncOnlySignerError);
    expect(() => token.encoded()).toThrow(/use encodedAsync\(\) instead of encoded\(\)/);
    expect(() => token.signingKey()).toThrow(AsyncOnlySignerError);
    expect(token.signer()).toBe(signer);
    const [a, b] = await Promise.all([token.encodedAsync(), token.encodedAsync()]);
    expect(a).toBe(b);
    expect(signer.calls).toBe(1);
    expect(token.encoded()).toBe(a); // signed once: the sync path returns the same token
    const { payload } = await jwtVerify(a, createLocalJWKSet({ keys: [signer.publicJwk()] }), {
      algorithms: ['RS256'],
      audience: 'gitlab-ai-gateway',
      currentDate: NOW,
    });
    expect(payload.sub).toBe('user-42');
    expect(verifyAiAccessToken(a, { keys: jwks(signer), issuer: ISSUER, now }).header.kid).toBe(
      signer.kid,
    );
  });

  it('a signature of the wrong length, or a failing sign(), is a SignerError; typed errors pass', async () => {
    const short = remoteSigner('c', { sign: () => Promise.resolve(new Uint8Array(10)) });
    await expect(new AiAccessToken(options(short)).encodedAsync()).rejects.toThrow(
      /returned 10 bytes; an RS256 signature of its key is 256 bytes/,
    );
    const nothing = remoteSigner('c', {
      sign: () => Promise.resolve('nope' as unknown as Uint8Array),
    });
    await expect(new AiAccessToken(options(nothing)).encodedAsync()).rejects.toThrow(/no bytes/);
    const failing = remoteSigner('c', { sign: () => Promise.reject(new Error('throttled')) });
    const error = await new AiAccessToken(options(failing)).encodedAsync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignerError);
    expect(error).toMatchObject({ code: 'ERR_SIGNER', kid: failing.kid });
    expect((error as Error).cause).toEqual(new Error('throttled'));
    const typed = remoteSigner('c', {
      sign: () => Promise.reject(new NoSigningKeyError('gone')),
    });
    await expect(new AiAccessToken(options(typed)).encodedAsync()).rejects.toThrow(
      NoSigningKeyError,
    );
  });

  it.each([
    ['an empty kid', { kid: '' }, /kid must not be empty/],
    ['a non-RSA JWK', { publicJwk: () => ({ kty: 'EC' }) as unknown as PublicJwk }, /RSA JWK/],
    [
      'a kid that is not its JWK’s',
      { kid: 'other' },
      /alg 'RS256', use 'sig' and the signer's kid/,
    ],
  ])('refuses a signer with %s at construction', (_, override, message) => {
    const signer = remoteSigner('d', override);
    expect(() => new AiAccessToken(options(signer))).toThrow(InvalidSigningKeyError);
    expect(() => new AiAccessToken(options(signer))).toThrow(message);
  });

  it('refuses an RSA key under 2048 bits', () => {
    const jwk = { ...testKey('d').publicJwk() };
    const small = { ...jwk, n: Buffer.alloc(128, 1).toString('base64url') };
    const signer = remoteSigner('d', { publicJwk: () => small });
    expect(() => new AiAccessToken(options(signer))).toThrow(/RSA-1024/);
  });

  it('KeyRing, KeySchedule and jwks() take signers; verification takes a ring of them', async () => {
    const current = remoteSigner('e');
    const previous = remoteSigner('f');
    const ring = new KeyRing<Signer>(current, [previous, current]);
    expect(ring.keys).toEqual([current, previous]);
    expect(jwks(ring, testKey('a')).keys.map((jwk) => jwk.kid)).toEqual([
      current.kid,
      previous.kid,
      testKey('a').kid,
    ]);
    expect(() => jwks({ kid: 'x' } as unknown as Signer)).toThrow(InvalidSigningKeyError);
    expect(() => new KeyRing({ kid: 'x' } as unknown as Signer)).toThrow(InvalidSigningKeyError);
    expect(() => new KeyRing(current, [{} as Signer])).toThrow(/previous keys/);
    const encoded = await new AiAccessToken(options(ring)).encodedAsync();
    expect(verifyAiAccessToken(encoded, { keys: ring, issuer: ISSUER, now }).header.kid).toBe(
      current.kid,
    );

    const schedule = new KeySchedule<Signer>(
      [
        { key: previous, activatesAt: '2025-01-01T00:00:00Z' },
        { key: current, activatesAt: '2026-06-01T00:00:00Z' },
      ],
      { now },
    );
    expect(schedule.signingKeyAt(NOW)).toBe(previous);
    const scheduled = await new AiAccessToken(options(schedule)).encodedAsync();
    expect(verifyAiAccessToken(scheduled, { keys: ring, issuer: ISSUER, now }).header.kid).toBe(
      previous.kid,
    );
    // The schedule itself verifies its signers' tokens (review finding: it read a SigningKey's
    // publicKey, which a Signer does not have, and so rejected every token).
    expect(verifyAiAccessToken(scheduled, { keys: schedule, issuer: ISSUER, now }).header.kid).toBe(
      previous.kid,
    );
    const cached = createAiAccessTokenVerifier({
      keys: schedule,
      issuer: ISSUER,
      now,
      cache: { maxEntries: 10 },
    });
    expect(cached(scheduled).subject).toBe(cached(scheduled).subject);
    expect(
      () => new KeySchedule([{ key: { kid: 'x' } as unknown as Signer, activatesAt: NOW }]),
    ).toThrow(/must be a SigningKey or a Signer/);
  });

  it('AiAccessTokenIssuer: issueAsync signs once per flight; a function source may return a signer', async () => {
    const signer = remoteSigner('g');
    const issuer = new AiAccessTokenIssuer({ issuer: ISSUER, signingKey: () => signer, now });
    const request = { subject: 'user-1', scopes: ['duo_chat'] };
    const tokens = await Promise.all([1, 2, 3].map(() => issuer.issueAsync(request)));
    expect(new Set(tokens).size).toBe(1);
    expect(signer.calls).toBe(1);
    expect(() => issuer.issue({ subject: 'user-2', scopes: ['duo_chat'] })).toThrow(
      AsyncOnlySignerError,
    );
    const bad = new AiAccessTokenIssuer({
      issuer: ISSUER,
      signingKey: () => ({ kid: '' }) as unknown as Signer,
      now,
    });
    await expect(bad.issueAsync(request)).rejects.toThrow(/must return a SigningKey, a Signer/);
    const empty = new AiAccessTokenIssuer({
      issuer: ISSUER,
      signingKey: () => remoteSigner('g', { kid: '' }),
      now,
    });
    await expect(empty.issueAsync(request)).rejects.toThrow(/kid must not be empty/);
  });

  it('loading pkcs11js: a missing or wrong package is a MissingDependencyError', () => {
    const notFound = Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' });
    expect(() =>
      loadPkcs11js(() => {
        throw notFound;
      }),
    ).toThrow(/pkcs11js is not installed; .*npm install pkcs11js@2/);
    expect(() =>
      loadPkcs11js(() => {
        throw new Error('bad ELF');
      }),
    ).toThrow(/cannot be loaded/);
    expect(() => loadPkcs11js(() => ({}))).toThrow(MissingDependencyError);
  });
});
