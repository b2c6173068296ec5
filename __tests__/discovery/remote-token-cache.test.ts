// The verified-token cache of verifyAiAccessTokenAsync with a remote key set, against a real
// issuer on 127.0.0.1: a hit skips the signature check (counted on the real jsonwebtoken), a
// refresh that removes the key drops the token, and rejections are never remembered.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { createRemoteKeySet } from '../../src/discovery/remote-key-set';
import { InvalidClaimError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { verifyAiAccessTokenAsync } from '../../src/verify/verify-ai-access-token-async';
import { testKey } from '../helpers/keys';
import { frozenClock, mint, rejection, startIssuer, startJwksIssuer } from './remote-fixtures';
import { closeAllServers } from './servers';

const alpha = testKey('remote-cache-alpha');
const beta = testKey('remote-cache-beta');
const cache = { maxEntries: 100 };

let signatureChecks: { mock: { calls: unknown[] }; mockRestore(): void };
beforeEach(() => {
  signatureChecks = jest.spyOn(jwt, 'verify');
});
afterEach(async () => {
  signatureChecks.mockRestore();
  await closeAllServers();
});

describe('verifyAiAccessTokenAsync({ keys: remoteKeySet, cache })', () => {
  it('checks the signature once, and the claims against each call’s options on every hit', async () => {
    const clock = frozenClock();
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const keys = createRemoteKeySet({ issuers: [issuer.origin], now: clock.now });
    const token = mint(issuer.origin, alpha, clock.now);
    const first = await verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now });
    const again = await verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now });
    expect(again).toEqual(first);
    expect(signatureChecks.mock.calls).toHaveLength(1);
    // Another call's own rules apply to the remembered token.
    const scope = await rejection(
      verifyAiAccessTokenAsync(token, {
        keys,
        cache,
        now: clock.now,
        requiredScopes: ['duo_chat'],
      }),
    );
    expect(scope).toMatchObject({ code: 'ERR_TOKEN_SCOPE' });
    clock.advance(3600);
    const expired = await rejection(
      verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now }),
    );
    expect(expired).toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
    expect(signatureChecks.mock.calls).toHaveLength(1);
  });

  it('drops a token when a refresh removes the key that verified it', async () => {
    const clock = frozenClock();
    let ring = new KeyRing(alpha, [beta]);
    const issuer = await startIssuer(() => ring);
    const keys = createRemoteKeySet({ issuers: [issuer.origin], now: clock.now });
    const token = mint(issuer.origin, alpha, clock.now);
    await verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now });

    // A refetch of the same keys (new key objects, same keys) keeps the entry.
    await keys.refresh();
    await verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now });
    expect(signatureChecks.mock.calls).toHaveLength(1);

    // Removing another key changes the set, but not this token's key.
    ring = new KeyRing(alpha);
    await keys.refresh();
    expect(keys.status().issuers[0]?.generation).toBe(2); // the first fetch was 1
    await verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now });
    expect(signatureChecks.mock.calls).toHaveLength(1);

    ring = new KeyRing(beta);
    await keys.refresh();
    const removed = await rejection(
      verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now }),
    );
    expect(removed).toMatchObject({ code: 'ERR_TOKEN_SIGNATURE' });
  });

  it('drops a token whose kid came back with another key', async () => {
    const clock = frozenClock();
    const impostor = testKey('remote-cache-impostor');
    let jwks: unknown = { keys: [alpha.publicJwk()] };
    const issuer = await startJwksIssuer(() => jwks);
    const keys = createRemoteKeySet({ issuers: [issuer.origin], now: clock.now });
    const token = mint(issuer.origin, alpha, clock.now);
    await verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now });
    jwks = { keys: [{ ...impostor.publicJwk(), kid: alpha.kid }] };
    await keys.refresh();
    const replaced = await rejection(
      verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now }),
    );
    expect(replaced).toMatchObject({ code: 'ERR_TOKEN_SIGNATURE' });
  });

  it('drops a token when its issuer reassigns the kid to another of its keys (review finding)', async () => {
    const clock = frozenClock();
    // alpha's key published as "B" and beta's as "A": the token (kid A, signed by alpha) no longer
    // selects the key that verified it, so the uncached verifier rejects it and so must a hit.
    let jwks: unknown = { keys: [alpha.publicJwk(), beta.publicJwk()] };
    const issuer = await startJwksIssuer(() => jwks);
    const keys = createRemoteKeySet({ issuers: [issuer.origin], now: clock.now });
    const token = mint(issuer.origin, alpha, clock.now);
    await verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now });
    jwks = {
      keys: [
        { ...alpha.publicJwk(), kid: beta.kid },
        { ...beta.publicJwk(), kid: alpha.kid },
      ],
    };
    await keys.refresh();
    const swapped = await rejection(
      verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now }),
    );
    expect(swapped).toMatchObject({ code: 'ERR_TOKEN_SIGNATURE' });
  });

  it('hands out results that no caller can change for the next one', async () => {
    const clock = frozenClock();
    const issuer = await startIssuer(() => new KeyRing(alpha));
    const keys = createRemoteKeySet({ issuers: [issuer.origin], now: clock.now });
    const token = mint(issuer.origin, alpha, clock.now);
    const first = await verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now });
    expect(Object.isFrozen(first.claims.scopes)).toBe(true);
    expect(() => (first.claims.scopes as string[]).push('duo_chat')).toThrow(TypeError);
    const again = await verifyAiAccessTokenAsync(token, { keys, cache, now: clock.now });
    expect(again.claims.scopes).toEqual(first.claims.scopes);
    expect(again.claims.scopes).not.toContain('duo_chat');
  });

  it('does not remember rejections', async () => {
    const clock = frozenClock();
    let ring = new KeyRing(alpha);
    const issuer = await startIssuer(() => ring);
    const keys = createRemoteKeySet({
      issuers: [issuer.origin],
      now: clock.now,
      cooldownSeconds: 0,
    });
    const byBeta = mint(issuer.origin, beta, clock.now);
    const unknown = await rejection(
      verifyAiAccessTokenAsync(byBeta, { keys, cache, now: clock.now }),
    );
    expect(unknown).toMatchObject({ code: 'ERR_TOKEN_SIGNATURE' });
    ring = new KeyRing(beta);
    await keys.refresh();
    const verified = await verifyAiAccessTokenAsync(byBeta, { keys, cache, now: clock.now });
    expect(verified.header.kid).toBe(beta.kid);
  });

  it('refuses a cache for local keys, and a second size for one key set', async () => {
    const local = await rejection(
      verifyAiAccessTokenAsync('x', { keys: new KeyRing(alpha), cache }),
    );
    expect(local).toBeInstanceOf(InvalidClaimError);
    expect(local).toMatchObject({ option: 'cache' });
    const keys = createRemoteKeySet({ issuers: ['https://gitlab.example.com'] });
    await rejection(verifyAiAccessTokenAsync('x', { keys, cache }));
    const resized = await rejection(
      verifyAiAccessTokenAsync('x', { keys, cache: { maxEntries: 5 } }),
    );
    expect(resized).toMatchObject({ option: 'cache' });
  });
});
