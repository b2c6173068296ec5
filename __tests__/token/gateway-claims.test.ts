// The claims the gateway reads beyond the original nine, typed: minted by AiAccessToken (and its
// deprecated alias and the issuer), read back by the verifier with their JSON types enforced.
import { AI_GATEWAY_AUDIENCE, LEGACY_CODE_SUGGESTIONS_AUDIENCE } from '../../src/constants';
import { InvalidClaimError, TokenVerificationError } from '../../src/errors';
import { AiAccessTokenIssuer } from '../../src/issuer/ai-access-token-issuer';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { CodeSuggestionsAccessToken } from '../../src/token/code-suggestions-access-token';
import type { AiAccessTokenOptions } from '../../src/token/options';
import { MAX_TOKEN_LENGTH } from '../../src/verify/decode';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { forgeRs256, thrown } from '../verify/forge';
import { decodeParts, testKey } from '../helpers/keys';

const NOW = new Date('2026-01-01T00:00:00Z');
const now = () => NOW;
const ISSUER = 'https://gitlab.example.com';
const key = testKey();

const base: AiAccessTokenOptions = {
  subject: 'instance-7f3a',
  scopes: ['code_suggestions'],
  issuer: ISSUER,
  signingKey: key,
  now,
};

const verify = (token: string) => verifyAiAccessToken(token, { keys: key, now });

describe('typed gateway claims: mint → verify', () => {
  it.each([
    ['instanceId', 'instance-7f3a', 'gitlab_instance_id', 'instance-7f3a'],
    ['duoSeatCount', 25, 'duo_seat_count', '25'],
    ['duoSeatCount', 0, 'duo_seat_count', '0'],
    ['duoSeatCount', Number.MAX_SAFE_INTEGER, 'duo_seat_count', String(Number.MAX_SAFE_INTEGER)],
    ['thirdPartyAiFeaturesEnabled', false, 'third_party_ai_features_enabled', false],
    ['thirdPartyAiFeaturesEnabled', true, 'third_party_ai_features_enabled', true],
  ])('%s %p is minted as %s %p and read back', (option, value, claim, written) => {
    const token = new AiAccessToken({ ...base, [option]: value });
    const encoded = token.encoded();
    // Checked on the wire, independently of the package's decoder: the JSON type matters.
    expect(decodeParts(encoded).payload[claim]).toStrictEqual(written);
    expect(token.payload()[claim]).toStrictEqual(written);
    expect((token as unknown as Record<string, unknown>)[option]).toStrictEqual(value);
    const verified = verify(encoded);
    expect((verified as unknown as Record<string, unknown>)[option]).toStrictEqual(value);
    expect(verified.claims[claim]).toStrictEqual(written);
  });

  it('writes all three after scopes, before extraClaims, and nothing when they are not given', () => {
    const token = new AiAccessToken({
      ...base,
      thirdPartyAiFeaturesEnabled: false,
      duoSeatCount: 3,
      instanceId: 'instance-7f3a',
      extraClaims: { team: 'ai' },
    });
    expect(Object.keys(decodeParts(token.encoded()).payload)).toEqual([
      'jti',
      'aud',
      'iss',
      'sub',
      'iat',
      'nbf',
      'exp',
      'gitlab_realm',
      'scopes',
      'gitlab_instance_id',
      'duo_seat_count',
      'third_party_ai_features_enabled',
      'team',
    ]);
    const plain = verify(new AiAccessToken(base).encoded());
    expect(plain).toMatchObject({
      instanceId: undefined,
      duoSeatCount: undefined,
      thirdPartyAiFeaturesEnabled: undefined,
    });
    expect(Object.keys(plain.claims)).toHaveLength(9);
  });

  it('the deprecated CodeSuggestionsAccessToken takes them too', () => {
    const token = new CodeSuggestionsAccessToken({
      ...base,
      instanceId: 'instance-7f3a',
      duoSeatCount: 7,
      thirdPartyAiFeaturesEnabled: true,
    });
    expect(verify(token.encoded())).toMatchObject({
      instanceId: 'instance-7f3a',
      duoSeatCount: 7,
      thirdPartyAiFeaturesEnabled: true,
      scopes: ['code_suggestions'],
    });
  });

  it('AiAccessTokenIssuer mints them, and caches per value', () => {
    const issuer = new AiAccessTokenIssuer({ issuer: ISSUER, signingKey: key, now });
    const request = {
      subject: 'instance-7f3a',
      scopes: ['code_suggestions'],
      instanceId: 'instance-7f3a',
      duoSeatCount: 7,
      thirdPartyAiFeaturesEnabled: false,
    };
    const first = issuer.issue(request);
    expect(verify(first)).toMatchObject({
      instanceId: 'instance-7f3a',
      duoSeatCount: 7,
      thirdPartyAiFeaturesEnabled: false,
    });
    expect(issuer.issue({ ...request })).toBe(first);
    const others = [
      issuer.issue({ ...request, instanceId: 'instance-7f3b' }),
      issuer.issue({ ...request, duoSeatCount: 8 }),
      issuer.issue({ ...request, thirdPartyAiFeaturesEnabled: true }),
      issuer.issue({ ...request, thirdPartyAiFeaturesEnabled: undefined }),
      issuer.issue({ subject: 'instance-7f3a', scopes: ['code_suggestions'] }),
    ];
    expect(new Set([first, ...others]).size).toBe(6);
    expect(verify(others[1] as string).duoSeatCount).toBe(8);
    expect(issuer.stats()).toMatchObject({ hits: 1, misses: 6 });
  });
});

describe('typed gateway claims: refused at mint, naming the option', () => {
  it.each([
    ['instanceId', ''],
    ['instanceId', 42],
    ['duoSeatCount', -1],
    ['duoSeatCount', 2.5],
    ['duoSeatCount', '25'],
    ['duoSeatCount', Number.MAX_SAFE_INTEGER + 1],
    ['duoSeatCount', Number.NaN],
    ['thirdPartyAiFeaturesEnabled', 'false'],
    ['thirdPartyAiFeaturesEnabled', 0],
    ['thirdPartyAiFeaturesEnabled', null],
  ])('%s %p', (option, value) => {
    const error = thrown(() => new AiAccessToken({ ...base, [option]: value }));
    expect(error).toBeInstanceOf(InvalidClaimError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_CLAIM', option });
    expect(error.message).toMatch(new RegExp(`^${option} must be`));
  });

  it('says why a string "false" is refused', () => {
    expect(
      () => new AiAccessToken({ ...base, thirdPartyAiFeaturesEnabled: 'false' as never }),
    ).toThrow(
      'thirdPartyAiFeaturesEnabled must be true or false; got "false" (a string, which the gateway would read as true)',
    );
  });

  it.each([
    ['gitlab_instance_id', 'instanceId'],
    ['duo_seat_count', 'duoSeatCount'],
    ['third_party_ai_features_enabled', 'thirdPartyAiFeaturesEnabled'],
  ])('extraClaims.%s points to the typed option %s', (claim, option) => {
    const error = thrown(() => new AiAccessToken({ ...base, extraClaims: { [claim]: 'x' } }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_CLAIM', option: `extraClaims.${claim}` });
    expect(error.message).toBe(
      `extraClaims must not set "${claim}": use the typed option ${option}, which checks its type`,
    );
  });

  it('the issuer refuses the same, naming the field', () => {
    const issuer = new AiAccessTokenIssuer({ issuer: ISSUER, signingKey: key, now });
    const request = { subject: 's', scopes: ['code_suggestions'] };
    for (const [option, value] of [
      ['instanceId', 42],
      ['instanceId', ''],
      ['duoSeatCount', '7'],
      ['duoSeatCount', -1],
      ['thirdPartyAiFeaturesEnabled', 'false'],
    ] as const) {
      expect(thrown(() => issuer.issue({ ...request, [option]: value }))).toMatchObject({
        code: 'ERR_INVALID_CLAIM',
        option,
      });
    }
    expect(issuer.stats().size).toBe(0);
  });
});

describe('mint refuses what a receiver would refuse', () => {
  it('refuses at_hash in extraClaims (the gateway has no access token to compare it with)', () => {
    const error = thrown(() => new AiAccessToken({ ...base, extraClaims: { at_hash: 'abc' } }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_CLAIM', option: 'extraClaims.at_hash' });
    expect(error.message).toMatch(/gateway's JWT library rejects a token carrying it/);
  });

  // 9,000 characters of extraClaims gave a 12,765-character token before: one the package's own
  // verifier refuses unread.
  const oversized = { blob: 'x'.repeat(9000) };

  it('refuses, at construction, a token longer than MAX_TOKEN_LENGTH when the key is known', () => {
    const error = thrown(() => new AiAccessToken({ ...base, extraClaims: oversized }));
    expect(error).toBeInstanceOf(InvalidClaimError);
    expect(error).toMatchObject({ option: 'extraClaims' });
    expect(error.message).toMatch(
      /^extraClaims make the token 12\d{3} characters long; verifiers accept at most 8192/,
    );
  });

  it('refuses it at encode when the key comes from the environment, sync and async alike', async () => {
    const saved = process.env.AI_ACCESS_TOKEN_SIGNING_KEY;
    process.env.AI_ACCESS_TOKEN_SIGNING_KEY = key.toPem();
    try {
      const token = new AiAccessToken({ ...base, signingKey: undefined, extraClaims: oversized });
      expect(() => token.encoded()).toThrow(InvalidClaimError);
      await expect(token.encodedAsync()).rejects.toMatchObject({ option: 'extraClaims' });
    } finally {
      if (saved === undefined) delete process.env.AI_ACCESS_TOKEN_SIGNING_KEY;
      else process.env.AI_ACCESS_TOKEN_SIGNING_KEY = saved;
    }
  });

  it('computes the length exactly: the longest token allowed is minted and verifies', () => {
    const probe = new AiAccessToken({ ...base, extraClaims: { blob: '' }, generateId: () => 'id' });
    const room = MAX_TOKEN_LENGTH - probe.encoded().length;
    // Each 3 bytes of JSON are 4 base64url characters; fill to the last whole group.
    const fill = Math.floor((room * 3) / 4);
    const make = (n: number) =>
      new AiAccessToken({ ...base, extraClaims: { blob: 'x'.repeat(n) }, generateId: () => 'id' });
    const fits = (n: number): boolean => {
      try {
        make(n);
        return true;
      } catch (error) {
        expect(error).toMatchObject({ option: 'extraClaims' });
        return false;
      }
    };
    let longest = fill - 8;
    while (fits(longest + 1)) longest += 1;
    const encoded = make(longest).encoded();
    // The longest accepted token is within one base64url group of the limit, and one more
    // character is refused: the predicted length is the real one.
    expect(encoded.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    expect(encoded.length).toBeGreaterThan(MAX_TOKEN_LENGTH - 4);
    expect(verify(encoded).claims.blob).toHaveLength(longest);
    expect(() => make(longest + 1)).toThrow(/extraClaims make the token 819[3-6] characters long/);
  });
});

describe('the verifier enforces the typed claims', () => {
  const claims = {
    aud: AI_GATEWAY_AUDIENCE,
    iss: ISSUER,
    sub: 'instance-7f3a',
    exp: NOW.getTime() / 1000 + 60,
    scopes: ['code_suggestions'],
  };
  const header = { alg: 'RS256', typ: 'JWT' };

  it.each([
    ['gitlab_instance_id', 42, /token gitlab_instance_id must be a non-empty string; got 42/],
    ['gitlab_instance_id', '', /token gitlab_instance_id must be a non-empty string; got ""/],
    [
      'duo_seat_count',
      25,
      /token duo_seat_count must be a whole number written as a decimal string, e\.g\. "7"; got 25/,
    ],
    ['duo_seat_count', '025', /duo_seat_count must be a whole number .*; got "025"/],
    ['duo_seat_count', '-1', /duo_seat_count must be/],
    ['duo_seat_count', '2.5', /duo_seat_count must be/],
    ['duo_seat_count', '', /duo_seat_count must be/],
    ['duo_seat_count', '99999999999999999', /duo_seat_count must be/],
    [
      'third_party_ai_features_enabled',
      'false',
      /third_party_ai_features_enabled must be true or false; got "false"/,
    ],
    [
      'third_party_ai_features_enabled',
      1,
      /third_party_ai_features_enabled must be true or false; got 1/,
    ],
    [
      'third_party_ai_features_enabled',
      null,
      /third_party_ai_features_enabled must be true or false; got null/,
    ],
  ])('refuses %s %p with ERR_TOKEN_CLAIMS', (claim, value, message) => {
    const token = forgeRs256(header, { ...claims, [claim]: value }, key.privateKey);
    const error = thrown(() => verify(token));
    expect(error).toBeInstanceOf(TokenVerificationError);
    expect(error.code).toBe('ERR_TOKEN_CLAIMS');
    expect(error.message).toMatch(message);
  });

  it('reads a well-typed token from another issuer', () => {
    const token = forgeRs256(
      header,
      {
        ...claims,
        gitlab_instance_id: 'i-1',
        duo_seat_count: '333',
        third_party_ai_features_enabled: false,
      },
      key.privateKey,
    );
    expect(verify(token)).toMatchObject({
      instanceId: 'i-1',
      duoSeatCount: 333,
      thirdPartyAiFeaturesEnabled: false,
    });
  });
});

describe('the end of the rename: audiences ["gitlab-ai-gateway"]', () => {
  const legacy = new AiAccessToken({
    ...base,
    audience: LEGACY_CODE_SUGGESTIONS_AUDIENCE,
  }).encoded();
  const current = new AiAccessToken(base).encoded();

  it('by default accepts a legacy token and marks it legacy: true (what to count before dropping it)', () => {
    expect(verify(legacy)).toMatchObject({
      legacy: true,
      audience: LEGACY_CODE_SUGGESTIONS_AUDIENCE,
    });
    expect(verify(current).legacy).toBe(false);
  });

  it('once configured, rejects legacy tokens with ERR_TOKEN_AUDIENCE and still accepts new ones', () => {
    const options = { keys: key, audiences: [AI_GATEWAY_AUDIENCE], now };
    const error = thrown(() => verifyAiAccessToken(legacy, options));
    expect(error).toMatchObject({ code: 'ERR_TOKEN_AUDIENCE' });
    expect(error.message).toBe(
      'token aud is "gitlab-code-suggestions"; expected "gitlab-ai-gateway"',
    );
    expect(verifyAiAccessToken(current, options)).toMatchObject({ legacy: false });
  });
});
