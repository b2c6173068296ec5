// An independent implementation (jose v5) on both sides: what we mint, it verifies; what it
// mints with the same claims, we verify.
import * as jose from 'jose';
import { AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE } from '../../src/constants';
import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { testKey } from '../helpers/keys';
import { thrown } from './forge';

const key = testKey('current');
const previous = testKey('previous');
const ring = new KeyRing(key, [previous]);
const ISSUER = 'https://gitlab.example.com';
const MINTED_AT = new Date('2026-01-01T00:00:00Z');
const IAT = MINTED_AT.getTime() / 1000;
const VERIFY_AT = new Date('2026-01-01T00:10:00Z');

describe('interoperability with jose', () => {
  it('jose verifies tokens minted by AiAccessToken against ring.jwks()', async () => {
    const token = new AiAccessToken({
      subject: 'user-42',
      scopes: ['code_suggestions', 'duo_chat'],
      issuer: ISSUER,
      signingKey: ring,
      audience: [AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE],
      now: () => MINTED_AT,
    }).encoded();
    const { payload, protectedHeader } = await jose.jwtVerify(
      token,
      jose.createLocalJWKSet(ring.jwks() as jose.JSONWebKeySet),
      {
        algorithms: ['RS256'],
        audience: AI_GATEWAY_AUDIENCE,
        issuer: ISSUER,
        currentDate: VERIFY_AT,
      },
    );
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(payload).toMatchObject({ sub: 'user-42', scopes: ['code_suggestions', 'duo_chat'] });
    // Both implementations agree on the claims.
    expect(verifyAiAccessToken(token, { keys: ring.jwks(), now: () => VERIFY_AT }).claims).toEqual(
      payload,
    );
  });

  it('verifyAiAccessToken verifies tokens minted by jose.SignJWT with the same claims', async () => {
    const privateKey = previous.privateKey; // a key other than the ring's current one
    const token = await new jose.SignJWT({ gitlab_realm: 'self-managed', scopes: ['duo_chat'] })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: previous.kid })
      .setJti('jose-1')
      .setIssuer(ISSUER)
      .setSubject('instance-7')
      .setAudience(AI_GATEWAY_AUDIENCE)
      .setIssuedAt(IAT)
      .setNotBefore(IAT - 5)
      .setExpirationTime(IAT + 3600)
      .sign(privateKey);
    const result = verifyAiAccessToken(token, {
      keys: ring.jwks(),
      issuer: ISSUER,
      requiredScopes: ['duo_chat'],
      now: () => VERIFY_AT,
    });
    expect(result).toMatchObject({
      subject: 'instance-7',
      gitlabRealm: 'self-managed',
      scopes: ['duo_chat'],
      audience: AI_GATEWAY_AUDIENCE,
      legacy: false,
    });
  });

  it('a jose token without kid, legacy audience and no scopes is a code_suggestions token', async () => {
    const token = await new jose.SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setAudience(LEGACY_CODE_SUGGESTIONS_AUDIENCE)
      .setSubject('user-1')
      .setExpirationTime(IAT + 60)
      .sign(key.privateKey);
    const result = verifyAiAccessToken(token, { keys: ring, now: () => MINTED_AT });
    expect(result).toMatchObject({ legacy: true, scopes: ['code_suggestions'] });
  });

  it('jose tokens in algorithms we refuse are refused before signature work', async () => {
    const { privateKey } = await jose.generateKeyPair('PS256');
    const ps = await new jose.SignJWT({})
      .setProtectedHeader({ alg: 'PS256' })
      .setAudience(AI_GATEWAY_AUDIENCE)
      .setExpirationTime(IAT + 60)
      .sign(privateKey);
    const hs = await new jose.SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(AI_GATEWAY_AUDIENCE)
      .setExpirationTime(IAT + 60)
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-len!'));
    for (const token of [ps, hs]) {
      expect(
        thrown(() => verifyAiAccessToken(token, { keys: ring, now: () => MINTED_AT })),
      ).toMatchObject({
        code: 'ERR_TOKEN_ALGORITHM',
      });
    }
  });
});
