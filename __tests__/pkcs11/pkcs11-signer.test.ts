// The PKCS#11 signer against a real SoftHSM2 token: tokens minted with a key that never leaves
// the token verify with this package, with jose and by the gateway's rules (RS256, audience
// gitlab-ai-gateway); concurrent signing, wrong PIN, missing key and token, closed signer.
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import {
  AiAccessTokenIssuer,
  AsyncOnlySignerError,
  AiAccessToken,
  InvalidClaimError,
  KeyRing,
  Pkcs11Error,
  createDiscoveryHandler,
  type DiscoveryHandler,
  type Jwks,
  jwks,
  verifyAiAccessToken,
} from '../../src';
import { openPkcs11Signer, type Pkcs11Signer } from '../../src/pkcs11';
import { loadPkcs11js } from '../../src/pkcs11/load-pkcs11js';
import {
  KEY_LABEL,
  SOFTHSM_MODULE,
  TOKEN_LABEL,
  USER_PIN,
  createSoftHsmToken,
  softHsmIt,
  softHsmMissing,
  type SoftHsmToken,
} from '../helpers/softhsm';
import { runCli } from '../cli/run-cli';

const test = softHsmIt('pkcs11-signer.test.ts');
const NOW = new Date('2026-01-01T00:00:00Z');
const now = () => NOW;
const ISSUER = 'https://gitlab.example.com';
const options = {
  module: SOFTHSM_MODULE,
  tokenLabel: TOKEN_LABEL,
  keyLabel: KEY_LABEL,
  pin: USER_PIN,
};

let token: SoftHsmToken | undefined;

beforeAll(() => {
  if (softHsmMissing === undefined) token = createSoftHsmToken();
});
afterAll(() => token?.remove());

async function expectPkcs11Error(promise: Promise<unknown>, returnValue: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Pkcs11Error);
  expect(error).toMatchObject({ code: 'ERR_PKCS11', returnValue });
  return error as Error;
}

describe('openPkcs11Signer on SoftHSM2', () => {
  // First, while nothing of this process is logged in to the token: a login by another signer
  // would make the token's session state logged in for every session of the process.
  test('a wrong PIN rejects with CKR_PIN_INCORRECT and never shows the PIN', async () => {
    const error = await expectPkcs11Error(
      openPkcs11Signer({ ...options, pin: 'wrong-pin-0000' }),
      'CKR_PIN_INCORRECT',
    );
    expect(error.message).not.toContain('wrong-pin-0000');
    expect(inspect(error)).not.toContain('wrong-pin-0000');
  });

  test('a missing key rejects with CKR_KEY_HANDLE_INVALID; a missing token with CKR_TOKEN_NOT_PRESENT', async () => {
    const noKey = await expectPkcs11Error(
      openPkcs11Signer({ ...options, keyLabel: 'no-such-key' }),
      'CKR_KEY_HANDLE_INVALID',
    );
    expect(noKey.message).toContain('"no-such-key"');
    const noToken = await expectPkcs11Error(
      openPkcs11Signer({ ...options, tokenLabel: 'no-such-token' }),
      'CKR_TOKEN_NOT_PRESENT',
    );
    expect(noToken.message).toContain('"no-such-token"');
    expect(noKey.message + noToken.message).not.toContain(USER_PIN);
  });

  test('no PIN given or in the environment is an InvalidClaimError naming the variable', async () => {
    await expect(openPkcs11Signer({ ...options, pin: undefined, env: {} })).rejects.toThrow(
      InvalidClaimError,
    );
    await expect(openPkcs11Signer({ ...options, pin: undefined, env: {} })).rejects.toThrow(
      /AI_ACCESS_TOKEN_PKCS11_PIN/,
    );
    await expect(openPkcs11Signer({ ...options, sessions: 0 })).rejects.toThrow(/sessions/);
  });

  test('an unloadable module rejects with CKR_GENERAL_ERROR', async () => {
    await expectPkcs11Error(
      openPkcs11Signer({ ...options, module: '/nonexistent/libpkcs11.so' }),
      'CKR_GENERAL_ERROR',
    );
  });

  describe('with the key opened (PIN from the environment)', () => {
    let signer: Pkcs11Signer;
    beforeAll(async () => {
      if (softHsmMissing !== undefined) return;
      signer = await openPkcs11Signer({
        module: SOFTHSM_MODULE,
        tokenLabel: TOKEN_LABEL,
        keyLabel: KEY_LABEL,
        env: { AI_ACCESS_TOKEN_PKCS11_PIN: USER_PIN },
      });
    });
    afterAll(async () => {
      if (softHsmMissing === undefined) await signer.close();
    });

    test('publishes the token’s public key with its RFC 7638 thumbprint as kid', async () => {
      const jwk = signer.publicJwk();
      expect(jwk).toMatchObject({
        kty: 'RSA',
        e: 'AQAB',
        alg: 'RS256',
        use: 'sig',
        kid: signer.kid,
      });
      expect(signer.modulusLength).toBe(2048);
      expect(await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n, e: jwk.e }, 'sha256')).toBe(
        signer.kid,
      );
      // The public key pkcs11-tool reads from the token is the one published.
      const der = token?.tool(['--read-object', '--type', 'pubkey', '--label', KEY_LABEL]);
      expect(der).toBeDefined();
      expect(inspect(signer)).toBe(`Pkcs11Signer { kid: '${signer.kid}', modulusLength: 2048 }`);
      expect(JSON.stringify(signer)).toBe(JSON.stringify(jwk));
    });

    test('mints tokens that verify with this package, jose and the gateway’s rules', async () => {
      const minted = new AiAccessToken({
        subject: 'instance-7f3a',
        scopes: ['code_suggestions', 'duo_chat'],
        issuer: ISSUER,
        signingKey: signer,
        now,
      });
      expect(() => minted.encoded()).toThrow(AsyncOnlySignerError);
      expect(() => minted.encoded()).toThrow(/encodedAsync\(\)/);
      const encoded = await minted.encodedAsync();
      expect(minted.header()).toEqual({ alg: 'RS256', typ: 'JWT', kid: signer.kid });

      const published = jwks(signer);
      const verified = verifyAiAccessToken(encoded, { keys: published, issuer: ISSUER, now });
      expect(verified.claims).toMatchObject({
        sub: 'instance-7f3a',
        scopes: ['code_suggestions', 'duo_chat'],
      });

      // The gateway: RS256 only, audience gitlab-ai-gateway, any key of its issuers' JWKS.
      const { payload, protectedHeader } = await jwtVerify(
        encoded,
        createLocalJWKSet({ keys: [...published.keys] }),
        {
          algorithms: ['RS256'],
          audience: 'gitlab-ai-gateway',
          issuer: ISSUER,
          currentDate: NOW,
        },
      );
      expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: signer.kid });
      expect(Object.keys(payload)).toEqual([
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

    test('signs concurrently: 200 signatures over 4 sessions at once (the module must be initialised for threads), every one valid', async () => {
      const publicKey = createPublicKey({ key: { ...signer.publicJwk() }, format: 'jwk' });
      const inputs = Array.from({ length: 200 }, (_, index) => Buffer.from(`input-${index}`));
      const signatures = await Promise.all(inputs.map((input) => signer.sign(input)));
      signatures.forEach((signature, index) => {
        expect(signature).toHaveLength(256);
        expect(cryptoVerify('sha256', inputs[index] as Buffer, publicKey, signature)).toBe(true);
      });
    });

    test('AiAccessTokenIssuer.issueAsync: single flight and cache; issue() says to use issueAsync', async () => {
      const issuer = new AiAccessTokenIssuer({ issuer: ISSUER, signingKey: signer, now });
      const request = { subject: 'user-42', scopes: ['duo_chat'] };
      const [a, b] = await Promise.all([issuer.issueAsync(request), issuer.issueAsync(request)]);
      expect(a).toBe(b);
      expect(await issuer.issueAsync(request)).toBe(a);
      expect(issuer.stats()).toMatchObject({ misses: 1, hits: 2, size: 1 });
      expect(issuer.issue(request)).toBe(a); // cached: no signature needed
      expect(() => issuer.issue({ subject: 'user-43', scopes: ['duo_chat'] })).toThrow(
        /issueAsync/,
      );
      const many = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          issuer.issueAsync({ subject: `user-${index}`, scopes: ['duo_chat'] }),
        ),
      );
      for (const encoded of many) {
        expect(
          verifyAiAccessToken(encoded, { keys: jwks(signer), issuer: ISSUER, now }).header.kid,
        ).toBe(signer.kid);
      }
    });

    test('KeyRing and the discovery handler publish it over HTTP', async () => {
      const ring = new KeyRing(signer);
      expect(ring.jwks()).toEqual({ keys: [signer.publicJwk()] });
      let handler: DiscoveryHandler | undefined;
      const server = createServer((req, res) => handler?.(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        handler = createDiscoveryHandler({ issuer, keys: ring });
        const published = (await (await fetch(`${issuer}/oauth/discovery/keys`)).json()) as Jwks;
        expect(published).toEqual({ keys: [signer.publicJwk()] });
        const minted = await new AiAccessToken({
          subject: 's',
          scopes: ['duo_chat'],
          issuer,
          signingKey: ring,
          now,
        }).encodedAsync();
        expect(verifyAiAccessToken(minted, { keys: published, issuer, now }).header.kid).toBe(
          signer.kid,
        );
        expect(verifyAiAccessToken(minted, { keys: ring, issuer, now }).header.kid).toBe(
          signer.kid,
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  test('close() waits for signatures in flight; later calls reject with CKR_SESSION_CLOSED', async () => {
    const signer = await openPkcs11Signer({ ...options, sessions: 1 });
    const inFlight = [signer.sign(Buffer.from('a')), signer.sign(Buffer.from('b'))];
    const closing = signer.close();
    const settled = await Promise.allSettled(inFlight);
    await closing;
    // The first had its session; the one queued behind it is refused by the close.
    expect(settled[0]?.status).toBe('fulfilled');
    expect(settled[1]).toMatchObject({
      status: 'rejected',
      reason: { returnValue: 'CKR_SESSION_CLOSED' },
    });
    await expectPkcs11Error(signer.sign(Buffer.from('c')), 'CKR_SESSION_CLOSED');
    const minted = new AiAccessToken({
      subject: 's',
      scopes: ['duo_chat'],
      issuer: ISSUER,
      signingKey: signer,
      now,
    });
    await expectPkcs11Error(minted.encodedAsync(), 'CKR_SESSION_CLOSED');
    await signer.close(); // idempotent
  });

  describe('the CLI: mint and jwks with --pkcs11-*', () => {
    const flags = [
      '--pkcs11-module',
      SOFTHSM_MODULE,
      '--pkcs11-token',
      TOKEN_LABEL,
      '--pkcs11-key',
      KEY_LABEL,
    ];
    const env = { AI_ACCESS_TOKEN_PKCS11_PIN: USER_PIN };

    test('jwks publishes the token’s key; mint signs a token that verifies with it', async () => {
      const published = await runCli(['jwks', ...flags], { env });
      expect(published).toMatchObject({ code: 0, stderr: '' });
      const set = JSON.parse(published.stdout) as Jwks;
      expect(set.keys).toHaveLength(1);
      const minted = await runCli(
        ['mint', '--subject', 'user-42', '--scopes', 'duo_chat', '--issuer', ISSUER, ...flags],
        { env, now },
      );
      expect(minted).toMatchObject({ code: 0, stderr: '' });
      const verified = verifyAiAccessToken(minted.stdout.trim(), {
        keys: set,
        issuer: ISSUER,
        now,
      });
      expect(verified.header.kid).toBe(set.keys[0]?.kid);
      expect(minted.stdout + published.stdout).not.toContain(USER_PIN);
    });

    test('a wrong PIN, a partial set of flags, or --key with them fail without showing the PIN', async () => {
      const partial = await runCli(['jwks', '--pkcs11-token', TOKEN_LABEL], { env });
      expect(partial.code).not.toBe(0);
      expect(partial.stderr).toContain('give all three');
      const both = await runCli(
        ['mint', '--subject', 's', '--scopes', 'duo_chat', '--key', 'k.pem', ...flags],
        { env },
      );
      expect(both.stderr).toContain('not both');
      const noPin = await runCli(['jwks', ...flags], { env: {} });
      expect(noPin.code).not.toBe(0);
      expect(noPin.stderr).toContain('AI_ACCESS_TOKEN_PKCS11_PIN');
    });
  });

  describe('edges', () => {
    test('options are checked before anything is loaded', async () => {
      await expect(openPkcs11Signer(null as unknown as typeof options)).rejects.toThrow(
        /options object/,
      );
      await expect(openPkcs11Signer({ ...options, tokenLabel: '' })).rejects.toThrow(
        /tokenLabel must be a non-empty string/,
      );
      await expect(
        openPkcs11Signer({ ...options, pin: 'x', extra: 1 } as unknown as typeof options),
      ).rejects.toThrow(InvalidClaimError);
    });

    test('an RSA key under 2048 bits is refused with CKR_KEY_SIZE_RANGE', async () => {
      token?.tool(['--keypairgen', '--key-type', 'rsa:1024', '--label', 'small', '--id', '02']);
      await expectPkcs11Error(
        openPkcs11Signer({ ...options, keyLabel: 'small' }),
        'CKR_KEY_SIZE_RANGE',
      );
    });

    test('a key deleted from the token while open: sign rejects with a CKR_… error', async () => {
      token?.tool(['--keypairgen', '--key-type', 'rsa:2048', '--label', 'doomed', '--id', '03']);
      const signer = await openPkcs11Signer({ ...options, keyLabel: 'doomed', sessions: 1 });
      try {
        token?.tool(['--delete-object', '--type', 'privkey', '--label', 'doomed']);
        const error = await signer.sign(Buffer.from('x')).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(Pkcs11Error);
        expect((error as Pkcs11Error).returnValue).toMatch(/^CKR_(KEY|OBJECT)_HANDLE_INVALID$/);
      } finally {
        await signer.close();
      }
    });

    test('two signers share the module and the login; two keys with one label are refused', async () => {
      const first = await openPkcs11Signer(options);
      const second = await openPkcs11Signer({ ...options, sessions: 1 });
      expect(second.kid).toBe(first.kid);
      await first.close();
      // The module stays initialised and the token logged in while the second is open.
      expect((await second.sign(Buffer.from('x'))).length).toBe(256);
      await second.close();
      token?.tool(['--keypairgen', '--key-type', 'rsa:2048', '--label', 'twin', '--id', '04']);
      token?.tool(['--keypairgen', '--key-type', 'rsa:2048', '--label', 'twin', '--id', '05']);
      const twins = await expectPkcs11Error(
        openPkcs11Signer({ ...options, keyLabel: 'twin' }),
        'CKR_KEY_HANDLE_INVALID',
      );
      expect(twins.message).toContain('label one key uniquely');
    });

    test('a module another part of the process initialised is used and left initialised', async () => {
      const pkcs11js = loadPkcs11js();
      const other = new pkcs11js.PKCS11();
      other.load(SOFTHSM_MODULE);
      other.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
      try {
        const signer = await openPkcs11Signer(options);
        expect((await signer.sign(Buffer.from('x'))).length).toBe(256);
        await signer.close();
        // Still initialised: finalising it is the other user's business.
        expect(other.C_GetSlotList(true).length).toBeGreaterThan(0);
      } finally {
        other.C_Finalize();
      }
    });
  });
});
