// A token with a kid no cached key has, while its issuer cannot be reached, is "cannot verify now"
// (JwksFetchError, 503), not a bad token (ERR_TOKEN_SIGNATURE, 401): the kid may be the issuer's
// newest key, which the failed fetch would have brought.
import { JwksFetchError } from '../../src/errors';
import { createRemoteKeySet } from '../../src/discovery/remote-key-set';
import { KeyRing } from '../../src/keys/key-ring';
import { verifyAiAccessTokenAsync } from '../../src/verify/verify-ai-access-token-async';
import { testKey } from '../helpers/keys';
import { frozenClock, mint, rejection, startIssuer } from './remote-fixtures';
import { closeAllServers } from './servers';

afterAll(closeAllServers);

it('rejects an unknown kid with ERR_TOKEN_SIGNATURE while the issuer answers, with JwksFetchError while it is down', async () => {
  const clock = frozenClock();
  const ring = new KeyRing(testKey('current'));
  const issuer = await startIssuer(() => ring);
  const keys = createRemoteKeySet({
    issuers: [issuer.origin],
    now: clock.now,
    cooldownSeconds: 30,
    timeoutMs: 2000,
  });
  const verify = (token: string) => verifyAiAccessTokenAsync(token, { keys, now: clock.now });
  const rotated = testKey('rotated');

  expect((await verify(mint(issuer.origin, ring, clock.now))).subject).toBe('user-42');
  clock.advance(30);
  // The issuer answered, and its JWKS has no such key: a bad token.
  expect(await rejection(verify(mint(issuer.origin, rotated, clock.now)))).toMatchObject({
    code: 'ERR_TOKEN_SIGNATURE',
  });

  await issuer.close();
  clock.advance(30);
  const down = await rejection(verify(mint(issuer.origin, rotated, clock.now)));
  expect(down).toBeInstanceOf(JwksFetchError);
  expect(down).toMatchObject({ code: 'ERR_JWKS_FETCH', reason: 'no-keys' });
  expect(down.cause).toBeInstanceOf(JwksFetchError);
  // Within the cooldown no new fetch is made, and the answer stays "cannot verify now".
  expect(await rejection(verify(mint(issuer.origin, rotated, clock.now)))).toBeInstanceOf(
    JwksFetchError,
  );
  // A token whose key is cached still verifies during the outage (stale-if-error).
  expect((await verify(mint(issuer.origin, ring, clock.now))).subject).toBe('user-42');
});
