// Issue 14: each remote key verifies only the tokens of the issuer it was fetched from, and a
// remote https issuer cannot make the verifier fetch from its own loopback over plain http.
import { createRemoteKeySet } from '../../src/discovery/remote-key-set';
import { InvalidClaimError, JwksFetchError, TokenVerificationError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { verifyAiAccessTokenAsync } from '../../src/verify/verify-ai-access-token-async';
import { testKey } from '../helpers/keys';
import {
  forge,
  frozenClock,
  gatedFetch,
  mint,
  rejection,
  startIssuer,
  startJwksIssuer,
} from './remote-fixtures';
import { closeAllServers, startServer } from './servers';

const alpha = testKey('alpha');
const beta = testKey('beta');
const { now } = frozenClock();

afterEach(closeAllServers);

async function twoIssuers() {
  const a = await startIssuer(() => new KeyRing(alpha));
  const b = await startIssuer(() => new KeyRing(beta));
  const counter = gatedFetch();
  const keys = createRemoteKeySet({ issuers: [a.origin, b.origin], fetch: counter.fetch, now });
  // Both issuers' keys are cached: any acceptance below would come from the wrong issuer's key.
  await keys.refresh();
  expect(keys.status().keyCount).toBe(2);
  return { a: a.origin, b: b.origin, keys, counter };
}

describe('regression (issue 14): keys verify only the tokens of their own issuer', () => {
  it("refuses a token signed by issuer B's key that claims iss A, even with issuer A pinned", async () => {
    const { a, keys } = await twoIssuers();
    const forged = mint(a, beta, now); // iss A, kid and signature of B's key
    for (const options of [
      { keys, now },
      { keys, issuer: a, now },
    ]) {
      const error = await rejection(verifyAiAccessTokenAsync(forged, options));
      expect(error).toBeInstanceOf(TokenVerificationError);
      expect(error.code).toBe('ERR_TOKEN_SIGNATURE');
    }
    // Without a kid, every key of A is tried, and none of B's.
    const kidless = forge({}, { iss: a }, beta, now);
    expect(await rejection(verifyAiAccessTokenAsync(kidless, { keys, now }))).toMatchObject({
      code: 'ERR_TOKEN_SIGNATURE',
    });
  });

  it("refuses B's key for iss A even when both publish the same kid", async () => {
    const a = await startJwksIssuer({ keys: [{ ...alpha.publicJwk(), kid: 'shared' }] });
    const b = await startJwksIssuer({ keys: [{ ...beta.publicJwk(), kid: 'shared' }] });
    const keys = createRemoteKeySet({ issuers: [a.origin, b.origin], now });
    await keys.refresh();
    const signedByB = (iss: string) => forge({ kid: 'shared' }, { iss }, beta, now);
    expect(
      await rejection(verifyAiAccessTokenAsync(signedByB(a.origin), { keys, now })),
    ).toMatchObject({ code: 'ERR_TOKEN_SIGNATURE' });
    await expect(
      verifyAiAccessTokenAsync(signedByB(b.origin), { keys, now }),
    ).resolves.toMatchObject({ issuer: b.origin });
  });

  it('refuses an iss that is none of the issuers with ERR_TOKEN_ISSUER, before any fetch', async () => {
    const a = await startIssuer(() => new KeyRing(alpha));
    const counter = gatedFetch();
    const keys = createRemoteKeySet({ issuers: [a.origin], fetch: counter.fetch, now });
    const cases: [unknown, string][] = [
      ['https://attacker.invalid', 'token iss is "https://attacker.invalid"'],
      [`${a.origin}/`, `token iss is "${a.origin}/"`],
      [undefined, 'token has no iss claim'],
      [42, 'token iss is 42'],
      ['x'.repeat(5000), 'token iss is (a string of 5000 characters)'],
    ];
    for (const [iss, said] of cases) {
      // Signed with a key the issuer really publishes: only the claim is wrong.
      const error = await rejection(
        verifyAiAccessTokenAsync(forge({}, { iss }, alpha, now), { keys, now }),
      );
      expect(error).toBeInstanceOf(TokenVerificationError);
      expect(error.code).toBe('ERR_TOKEN_ISSUER');
      expect(error.message).toBe(
        `${said}; expected "${a.origin}": a remote key set verifies a token only with the keys of the issuer its iss names`,
      );
    }
    expect(counter.urls).toEqual([]);
  });

  it('reports only a configured issuer as result.issuer', async () => {
    const { a, b, keys } = await twoIssuers();
    const results = await Promise.all([
      verifyAiAccessTokenAsync(mint(a, alpha, now), { keys, now }),
      verifyAiAccessTokenAsync(mint(b, beta, now), { keys, now }),
    ]);
    expect(results.map((result) => result.issuer)).toEqual([a, b]);
    // The same token the README example used to accept: a real key of A, a made-up issuer.
    const error = await rejection(
      verifyAiAccessTokenAsync(mint('https://attacker.invalid', alpha, now), { keys, now }),
    );
    expect(error).toMatchObject({ code: 'ERR_TOKEN_ISSUER' });
    expect(error.message).toContain(`expected one of "${a}", "${b}"`);
  });

  it('narrows the issuers to the issuer option, without fetching the others', async () => {
    const a = await startIssuer(() => new KeyRing(alpha));
    const b = await startIssuer(() => new KeyRing(beta));
    const counter = gatedFetch();
    const keys = createRemoteKeySet({ issuers: [a.origin, b.origin], fetch: counter.fetch, now });
    const error = await rejection(
      verifyAiAccessTokenAsync(mint(b.origin, beta, now), { keys, issuer: a.origin, now }),
    );
    expect(error).toMatchObject({ code: 'ERR_TOKEN_ISSUER' });
    expect(error.message).toContain(`expected "${a.origin}"`);
    expect(counter.urls).toEqual([]);
    await expect(
      verifyAiAccessTokenAsync(mint(a.origin, alpha, now), { keys, issuer: [a.origin], now }),
    ).resolves.toMatchObject({ issuer: a.origin });
    expect(counter.count(b.origin)).toBe(0);
  });

  it('refuses an issuer option naming an issuer the key set does not hold', async () => {
    const keys = createRemoteKeySet({ issuers: ['https://gitlab.example.com'], now });
    const error = await rejection(
      verifyAiAccessTokenAsync('not even a token', {
        keys,
        issuer: ['https://gitlab.example.com', 'https://gitlab.example.com/'],
      }),
    );
    expect(error).toBeInstanceOf(InvalidClaimError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_CLAIM', option: 'issuer' });
    expect(error.message).toBe(
      `issuer "https://gitlab.example.com/" is not one of the remote key set's issuers ("https://gitlab.example.com"); its tokens could never verify, because keys verify only the tokens of their own issuer`,
    );
  });
});

describe('regression (issue 14): a plain-http jwks_uri only for a loopback http issuer', () => {
  it('never fetches an http loopback jwks_uri named by an https issuer', async () => {
    const local = await startServer((_req, res) => {
      res.end(JSON.stringify({ keys: [alpha.publicJwk()] }));
    });
    const issuer = 'https://gitlab.example.com';
    const asked: string[] = [];
    const reported: JwksFetchError[] = [];
    const keys = createRemoteKeySet({
      issuers: [issuer],
      // The remote issuer's discovery document, as its https server would send it.
      fetch: (url, init) => {
        asked.push(url);
        if (url === `${issuer}/.well-known/openid-configuration`) {
          return Promise.resolve(
            Response.json({ issuer, jwks_uri: `${local.origin}/internal/admin` }),
          );
        }
        return fetch(url, init);
      },
      onError: (error) => reported.push(error),
      now,
    });
    const error = await rejection(verifyAiAccessTokenAsync(mint(issuer, alpha, now), { keys }));
    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH', reason: 'no-keys' });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ reason: 'invalid-document' });
    expect(reported[0]!.message).toBe(
      `discovery document "${issuer}/.well-known/openid-configuration" has no usable jwks_uri: "${local.origin}/internal/admin" uses http, which only an http issuer on a loopback host may use; the issuer "${issuer}" is https, so its jwks_uri must be https`,
    );
    expect(asked).toEqual([`${issuer}/.well-known/openid-configuration`]);
    expect(local.requests).toEqual([]);
  });

  it('lets a loopback http issuer name a loopback http jwks_uri (local development)', async () => {
    const jwksServer = await startServer((_req, res) => {
      res.end(JSON.stringify({ keys: [alpha.publicJwk()] }));
    });
    const issuer = await startServer((_req, res) => {
      res.end(JSON.stringify({ issuer: issuer.origin, jwks_uri: `${jwksServer.origin}/keys` }));
    });
    const keys = createRemoteKeySet({ issuers: [issuer.origin], now });
    await expect(
      verifyAiAccessTokenAsync(mint(issuer.origin, alpha, now), { keys, now }),
    ).resolves.toMatchObject({ issuer: issuer.origin });
    expect(jwksServer.requests).toEqual(['GET /keys']);
  });
});
