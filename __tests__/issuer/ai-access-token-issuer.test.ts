import * as jose from 'jose';
import { NoSigningKeyError } from '../../src/errors';
import {
  AiAccessTokenIssuer,
  type AiAccessTokenIssuerOptions,
} from '../../src/issuer/ai-access-token-issuer';
import type { IssueRequest } from '../../src/issuer/cache-key';
import { KeyRing } from '../../src/keys/key-ring';
import type { SigningKey } from '../../src/keys/signing-key';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { decodeParts, testKey } from '../helpers/keys';

const key = testKey();
const nextKey = testKey('next');
const ISSUER = 'https://gitlab.example.com';
const START = Date.UTC(2026, 0, 1);
const REQUEST: IssueRequest = { subject: 'user-42', scopes: ['code_suggestions', 'duo_chat'] };

/** An issuer on a frozen clock whose `jti`s count the tokens it signed. */
function setup(options: Partial<AiAccessTokenIssuerOptions> = {}) {
  const clock = { ms: START };
  let signed = 0;
  const issuer = new AiAccessTokenIssuer({
    issuer: ISSUER,
    signingKey: key,
    now: () => new Date(clock.ms),
    generateId: () => `jti-${++signed}`,
    ...options,
  });
  return {
    issuer,
    clock,
    signed: () => signed,
    advanceSeconds: (seconds: number) => {
      clock.ms += seconds * 1000;
    },
  };
}

const claims = (token: string) => decodeParts(token).payload;

describe('AiAccessTokenIssuer: reuse', () => {
  it('returns the cached token for the same request and counts hits', () => {
    const { issuer, signed, advanceSeconds } = setup();
    const first = issuer.issue(REQUEST);
    advanceSeconds(60);
    expect(issuer.issue({ ...REQUEST })).toBe(first);
    expect(signed()).toBe(1);
    expect(issuer.stats()).toStrictEqual({ hits: 1, misses: 1, size: 1 });
    // The reused token is the one minted earlier: its iat is a minute in the past.
    expect(claims(first).iat).toBe(START / 1000);
  });

  it('mints a correct, verifiable token', () => {
    const { issuer } = setup({ now: () => new Date() });
    const verified = verifyAiAccessToken(issuer.issue(REQUEST), {
      keys: key,
      issuer: ISSUER,
      requiredScopes: ['duo_chat'],
    });
    expect(verified).toMatchObject({ subject: 'user-42', gitlabRealm: 'saas', legacy: false });
  });

  it('treats scopes as a set: any order gives the same token, with sorted scopes', () => {
    const { issuer, signed } = setup();
    const a = issuer.issue({ subject: 'u', scopes: ['duo_chat', 'code_suggestions'] });
    const b = issuer.issue({ subject: 'u', scopes: ['code_suggestions', 'duo_chat'] });
    expect(b).toBe(a);
    expect(signed()).toBe(1);
    expect(claims(a).scopes).toStrictEqual(['code_suggestions', 'duo_chat']);
  });

  it('treats an omitted audience, realm or extraClaims like their defaults', () => {
    const { issuer, signed } = setup();
    const a = issuer.issue(REQUEST);
    expect(
      issuer.issue({
        ...REQUEST,
        audience: 'gitlab-ai-gateway',
        gitlabRealm: 'saas',
        extraClaims: {},
      }),
    ).toBe(a);
    // An explicit undefined is the same as leaving the field out.
    expect(issuer.issue({ ...REQUEST, audience: undefined, extraClaims: undefined })).toBe(a);
    expect(signed()).toBe(1);
  });

  it('compares extra claims as JSON values, ignoring key order', () => {
    const { issuer, signed } = setup();
    const a = issuer.issue({ ...REQUEST, extraClaims: { team: 'ai', meta: { x: 1, y: [1, 2] } } });
    const b = issuer.issue({ ...REQUEST, extraClaims: { meta: { y: [1, 2], x: 1 }, team: 'ai' } });
    expect(b).toBe(a);
    expect(signed()).toBe(1);
  });

  const variants: [string, IssueRequest][] = [
    ['another subject', { ...REQUEST, subject: 'user-43' }],
    ['another scope set', { ...REQUEST, scopes: ['code_suggestions'] }],
    ['a scope more', { ...REQUEST, scopes: [...REQUEST.scopes, 'x'] }],
    ['another realm', { ...REQUEST, gitlabRealm: 'self-managed' }],
    ['another audience', { ...REQUEST, audience: 'gitlab-code-suggestions' }],
    ['the default audience as a list', { ...REQUEST, audience: ['gitlab-ai-gateway'] }],
    ['an audience list in another order', { ...REQUEST, audience: ['b', 'a'] }],
    ['extra claims', { ...REQUEST, extraClaims: { team: 'ai' } }],
    ['other extra claim values', { ...REQUEST, extraClaims: { team: 'ml' } }],
    ['an extra claim of another type', { ...REQUEST, extraClaims: { team: 1 } }],
  ];

  it('mints a different token for each different request', () => {
    const { issuer, signed } = setup();
    const tokens = new Set([
      issuer.issue(REQUEST),
      issuer.issue({ ...REQUEST, audience: ['a', 'b'] }),
      ...variants.map(([, request]) => issuer.issue(request)),
    ]);
    expect(tokens.size).toBe(variants.length + 2);
    expect(signed()).toBe(variants.length + 2);
    expect(issuer.stats()).toStrictEqual({ hits: 0, misses: tokens.size, size: tokens.size });
  });

  it.each(variants)('puts %s into the token', (_name, request) => {
    const { issuer } = setup();
    const payload = claims(issuer.issue(request));
    expect(payload).toMatchObject({
      sub: request.subject,
      aud: request.audience ?? 'gitlab-ai-gateway',
      gitlab_realm: request.gitlabRealm ?? 'saas',
      scopes: [...request.scopes].sort(),
      ...request.extraClaims,
    });
  });
});

describe('AiAccessTokenIssuer: refresh window', () => {
  it('reuses a token until refreshBeforeSeconds before it expires, then mints a new one', () => {
    const { issuer, clock, signed } = setup({ expiresIn: 3600, refreshBeforeSeconds: 300 });
    const first = issuer.issue(REQUEST);
    const exp = claims(first).exp as number;
    expect(exp).toBe(START / 1000 + 3600);

    clock.ms = (exp - 300) * 1000 - 1;
    expect(issuer.issue(REQUEST)).toBe(first);

    clock.ms = (exp - 300) * 1000;
    const second = issuer.issue(REQUEST);
    expect(second).not.toBe(first);
    expect(signed()).toBe(2);
    expect(claims(second).iat).toBe(exp - 300);
    expect(issuer.stats()).toStrictEqual({ hits: 1, misses: 2, size: 1 });

    clock.ms += 1000;
    expect(issuer.issue(REQUEST)).toBe(second);
  });

  it('mints a new token after expiry', () => {
    const { issuer, advanceSeconds } = setup({ expiresIn: 60, refreshBeforeSeconds: 0 });
    const first = issuer.issue(REQUEST);
    advanceSeconds(59);
    expect(issuer.issue(REQUEST)).toBe(first);
    advanceSeconds(1);
    expect(issuer.issue(REQUEST)).not.toBe(first);
  });

  it('does not serve a token that is not yet valid when the clock goes back', () => {
    const { issuer, clock, signed } = setup();
    const first = issuer.issue(REQUEST);
    clock.ms = START - 5000; // exactly nbf: still valid
    expect(issuer.issue(REQUEST)).toBe(first);
    clock.ms = START - 5001;
    expect(issuer.issue(REQUEST)).not.toBe(first);
    expect(signed()).toBe(2);
  });
});

describe('AiAccessTokenIssuer: bounded LRU', () => {
  it('evicts the least recently used token beyond maxEntries', () => {
    const { issuer, signed } = setup({ maxEntries: 2 });
    const a = issuer.issue({ ...REQUEST, subject: 'a' });
    const b = issuer.issue({ ...REQUEST, subject: 'b' });
    expect(issuer.issue({ ...REQUEST, subject: 'a' })).toBe(a); // a is now the most recently used
    issuer.issue({ ...REQUEST, subject: 'c' }); // evicts b, not a
    expect(issuer.stats().size).toBe(2);
    expect(signed()).toBe(3);

    expect(issuer.issue({ ...REQUEST, subject: 'a' })).toBe(a);
    expect(signed()).toBe(3);
    expect(issuer.issue({ ...REQUEST, subject: 'b' })).not.toBe(b);
    expect(signed()).toBe(4);
    expect(issuer.stats()).toStrictEqual({ hits: 2, misses: 4, size: 2 });
  });

  it('holds at most maxEntries tokens', () => {
    const { issuer } = setup({ maxEntries: 3 });
    for (let i = 0; i < 10; i++) issuer.issue({ ...REQUEST, subject: `user-${i}` });
    expect(issuer.stats()).toStrictEqual({ hits: 0, misses: 10, size: 3 });
  });
});

describe('AiAccessTokenIssuer: issueAsync', () => {
  it('shares one signature between concurrent calls for the same token', async () => {
    const { issuer, signed } = setup();
    const tokens = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        issuer.issueAsync({ ...REQUEST, scopes: i % 2 === 0 ? ['b', 'a'] : ['a', 'b'] }),
      ),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(signed()).toBe(1);
    expect(issuer.stats()).toStrictEqual({ hits: 15, misses: 1, size: 1 });
    expect(issuer.issue({ ...REQUEST, scopes: ['a', 'b'] })).toBe(tokens[0]);
  });

  it('signs different tokens concurrently, one each', async () => {
    const { issuer, signed } = setup();
    const tokens = await Promise.all(
      ['a', 'b', 'a', 'c', 'b'].map((subject) => issuer.issueAsync({ ...REQUEST, subject })),
    );
    expect(new Set(tokens).size).toBe(3);
    expect(signed()).toBe(3);
  });

  it('gives the same tokens as issue() and verifies with jose and verifyAiAccessToken', async () => {
    const { issuer } = setup({ now: () => new Date() });
    const token = await issuer.issueAsync(REQUEST);
    expect(issuer.issue(REQUEST)).toBe(token);
    const { payload } = await jose.jwtVerify(
      token,
      jose.createLocalJWKSet(new KeyRing(key).jwks() as unknown as jose.JSONWebKeySet),
      { algorithms: ['RS256'], audience: 'gitlab-ai-gateway', issuer: ISSUER },
    );
    expect(payload).toMatchObject({ sub: 'user-42', scopes: ['code_suggestions', 'duo_chat'] });
    expect(verifyAiAccessToken(token, { keys: key, issuer: ISSUER }).subject).toBe('user-42');
  });

  it('does not cache a failure: concurrent callers share it, the next call retries', async () => {
    let calls = 0;
    const failure = new Error('id service unavailable');
    const { issuer } = setup({
      generateId: () => {
        calls += 1;
        if (calls === 1) throw failure;
        return `jti-${calls}`;
      },
    });
    const results = await Promise.allSettled([
      issuer.issueAsync(REQUEST),
      issuer.issueAsync(REQUEST),
      issuer.issueAsync(REQUEST),
    ]);
    expect(results).toStrictEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(issuer.stats()).toStrictEqual({ hits: 2, misses: 1, size: 0 });

    const token = await issuer.issueAsync(REQUEST);
    expect(claims(token).jti).toBe('jti-2');
    expect(issuer.stats()).toStrictEqual({ hits: 2, misses: 2, size: 1 });
  });

  it('mints what was asked even if the caller changes the request while signing', async () => {
    const { issuer } = setup();
    const scopes = ['a', 'b'];
    const extraClaims = { team: 'ai' };
    const pending = issuer.issueAsync({ subject: 'u', scopes, extraClaims });
    scopes.push('c');
    extraClaims.team = 'ml';
    expect(claims(await pending)).toMatchObject({ scopes: ['a', 'b'], team: 'ai' });
    expect(issuer.issue({ subject: 'u', scopes: ['a', 'b'], extraClaims: { team: 'ai' } })).toBe(
      await pending,
    );
  });

  it('answers from the cache once the signature is done, without signing again', async () => {
    const { issuer, signed, advanceSeconds } = setup();
    const first = await issuer.issueAsync(REQUEST);
    advanceSeconds(60);
    await expect(issuer.issueAsync({ ...REQUEST })).resolves.toBe(first);
    expect(signed()).toBe(1);
    expect(issuer.stats()).toStrictEqual({ hits: 1, misses: 1, size: 1 });
  });

  // Callbacks may throw anything; what issueAsync rejects with is always an Error.
  it.each<[string, Partial<AiAccessTokenIssuerOptions>]>([
    [
      'the clock',
      {
        now: () => {
          throw 'service unavailable' as unknown as Error;
        },
      },
    ],
    [
      'generateId',
      {
        generateId: () => {
          throw 'service unavailable' as unknown as Error;
        },
      },
    ],
  ])('rejects with an Error when %s throws something else', async (_name, options) => {
    const { issuer } = setup(options);
    const error = await issuer.issueAsync(REQUEST).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).toStrictEqual(new Error('service unavailable'));
    expect(issuer.stats().size).toBe(0);
  });

  it('rejects, never throws, for a bad request', async () => {
    const { issuer } = setup();
    let promise: Promise<string> | undefined;
    expect(() => {
      promise = issuer.issueAsync({ subject: '', scopes: ['a'] });
    }).not.toThrow();
    await expect(promise).rejects.toMatchObject({ code: 'ERR_INVALID_CLAIM', option: 'subject' });
  });
});

describe('AiAccessTokenIssuer: key rotation', () => {
  it('serves no token signed by the old key after the ring rotates', () => {
    let ring = new KeyRing(key);
    const { issuer, signed } = setup({ signingKey: () => ring });
    const old = issuer.issue(REQUEST);
    expect(decodeParts(old).header.kid).toBe(key.kid);

    ring = ring.rotate(nextKey);
    const fresh = issuer.issue(REQUEST);
    expect(fresh).not.toBe(old);
    expect(decodeParts(fresh).header.kid).toBe(nextKey.kid);
    expect(signed()).toBe(2);
    // Tokens of the old key are dropped, not kept until evicted.
    expect(issuer.stats().size).toBe(1);
    expect(verifyAiAccessToken(fresh, { keys: ring, now: () => new Date(START) }).subject).toBe(
      'user-42',
    );
  });

  it('does not cache a token whose signature was in flight across the rotation', async () => {
    let current: SigningKey = key;
    const { issuer } = setup({ signingKey: () => current });
    const inFlight = issuer.issueAsync(REQUEST);
    current = nextKey;
    const fresh = issuer.issue(REQUEST);
    expect(decodeParts(await inFlight).header.kid).toBe(key.kid);
    expect(issuer.issue(REQUEST)).toBe(fresh);
    expect(decodeParts(issuer.issue(REQUEST)).header.kid).toBe(nextKey.kid);
  });

  it('does not cache a flight that outlived a rotation away and back (A, B, A)', async () => {
    let current: SigningKey = key;
    const { issuer } = setup({ signingKey: () => current });
    const inFlight = issuer.issueAsync(REQUEST);
    current = nextKey;
    issuer.issue(REQUEST);
    current = key;
    const fresh = issuer.issue(REQUEST);
    expect(issuer.stats().size).toBe(1);
    await inFlight;
    // Stored under the first A's cache key, it would take an LRU slot no request can reach.
    expect(issuer.stats().size).toBe(1);
    expect(issuer.issue(REQUEST)).toBe(fresh);
  });

  it('signs with the current key of a fixed KeyRing', () => {
    const { issuer } = setup({ signingKey: new KeyRing(nextKey, [key]) });
    expect(decodeParts(issuer.issue(REQUEST)).header.kid).toBe(nextKey.kid);
  });

  it('accepts PEM text as a fixed key', () => {
    const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const { issuer } = setup({ signingKey: pem });
    expect(decodeParts(issuer.issue(REQUEST)).header.kid).toBe(key.kid);
  });
});

describe('AiAccessTokenIssuer: options are validated once, at construction', () => {
  const invalid: [string, Partial<AiAccessTokenIssuerOptions> & Record<string, unknown>][] = [
    ['refreshBeforeSeconds', { refreshBeforeSeconds: -1 }],
    ['refreshBeforeSeconds', { refreshBeforeSeconds: 1.5 }],
    ['refreshBeforeSeconds', { refreshBeforeSeconds: '300' as unknown as number }],
    ['refreshBeforeSeconds', { refreshBeforeSeconds: 3600 }], // = expiresIn
    ['refreshBeforeSeconds', { expiresIn: 300 }], // the default 300 is not < 300
    ['refreshBeforeSeconds', { expiresIn: 60, refreshBeforeSeconds: 60 }],
    ['maxEntries', { maxEntries: 0 }],
    ['maxEntries', { maxEntries: 2.5 }],
    ['maxEntries', { maxEntries: Number.POSITIVE_INFINITY }],
    ['maxEntries', { maxEntries: 10_000_001 }],
    ['expiresIn', { expiresIn: 0 }],
    ['expiresIn', { expiresIn: 86_401 }],
    ['issuer', { issuer: '' }],
    ['now', { now: 'now' as unknown as () => Date }],
    ['generateId', { generateId: 1 as unknown as () => string }],
    ['refreshBefore', { refreshBefore: 300 }],
  ];

  it.each(invalid)('refuses a bad %s', (option, options) => {
    expect(() => setup(options)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option }),
    );
  });

  it('refuses a non-object', () => {
    expect(() => new AiAccessTokenIssuer(null as unknown as AiAccessTokenIssuerOptions)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'options' }),
    );
  });

  it('refuses an unusable fixed key', () => {
    expect(() => setup({ signingKey: 'not a pem' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_SIGNING_KEY' }),
    );
  });

  it('needs a key: given, or in the environment', () => {
    const names = ['AI_ACCESS_TOKEN_SIGNING_KEY', 'AI_ACCESS_TOKEN_SIGNING_KEY_FILE'];
    const saved = names.map((name) => process.env[name]);
    for (const name of names) Reflect.deleteProperty(process.env, name);
    try {
      expect(() => setup({ signingKey: undefined })).toThrow(NoSigningKeyError);
      process.env.AI_ACCESS_TOKEN_SIGNING_KEY = key.privateKey
        .export({ format: 'pem', type: 'pkcs8' })
        .toString();
      const { issuer } = setup({ signingKey: undefined });
      expect(decodeParts(issuer.issue(REQUEST)).header.kid).toBe(key.kid);
    } finally {
      names.forEach((name, index) => {
        const value = saved[index];
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      });
    }
  });

  it('accepts the extremes of each range', () => {
    expect(() => setup({ expiresIn: 1, refreshBeforeSeconds: 0, maxEntries: 1 })).not.toThrow();
    expect(() => setup({ refreshBeforeSeconds: 3599, maxEntries: 10_000_000 })).not.toThrow();
  });

  it('refuses a key source that returns something else, when issuing', () => {
    const { issuer } = setup({ signingKey: () => 'pem' as unknown as SigningKey });
    expect(() => issuer.issue(REQUEST)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'signingKey' }),
    );
  });

  it('refuses a clock that returns no valid Date, when issuing', () => {
    const { issuer } = setup({ now: () => new Date(Number.NaN) });
    expect(() => issuer.issue(REQUEST)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option: 'now' }),
    );
  });
});

describe('AiAccessTokenIssuer: requests are checked on every call, hits included', () => {
  const invalid: [string, unknown][] = [
    ['request', null],
    ['request', ['user-42']],
    ['subject', { scopes: ['a'] }],
    ['subject', { subject: '', scopes: ['a'] }],
    ['subject', { subject: 42, scopes: ['a'] }],
    ['scopes', { subject: 'user-42' }],
    ['scopes', { subject: 'user-42', scopes: [] }],
    ['scopes', { subject: 'user-42', scopes: 'code_suggestions' }],
    ['scopes', { subject: 'user-42', scopes: ['a', 1] }],
    ['scopes', { subject: 'user-42', scopes: ['a', ''] }],
    ['scopes', { subject: 'user-42', scopes: ['a', 'a'] }],
    ['gitlabRealm', { ...REQUEST, gitlabRealm: 'SaaS' }],
    ['gitlabRealm', { ...REQUEST, gitlabRealm: null }],
    ['audience', { ...REQUEST, audience: null }],
    ['extraClaims', { ...REQUEST, extraClaims: null }],
    ['audience', { ...REQUEST, audience: 42 }],
    ['audience', { ...REQUEST, audience: '' }],
    ['audience', { ...REQUEST, audience: [] }],
    ['audience', { ...REQUEST, audience: [{ toJSON: () => 'gitlab-ai-gateway' }] }],
    ['extraClaims', { ...REQUEST, extraClaims: [] }],
    ['extraClaims', { ...REQUEST, extraClaims: 'x' }],
    ['extraClaims.when', { ...REQUEST, extraClaims: { when: new Date(START) } }],
    ['extraClaims.gone', { ...REQUEST, extraClaims: { gone: undefined } }],
    ['extraClaims.n', { ...REQUEST, extraClaims: { n: Number.NaN } }],
    ['extraClaims.list[0]', { ...REQUEST, extraClaims: { list: [() => 1] } }],
    ['extraClaims.sub', { ...REQUEST, extraClaims: { sub: 'someone-else' } }],
    ['scope', { ...REQUEST, scope: ['a'] }],
  ];

  it.each(invalid)('refuses a bad %s from issue()', (option, request) => {
    const { issuer } = setup();
    issuer.issue(REQUEST); // a cached token exists; bad input must still be refused
    expect(() => issuer.issue(request as IssueRequest)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option }),
    );
    expect(issuer.stats().size).toBe(1);
  });

  it.each(invalid)('rejects a bad %s from issueAsync()', async (option, request) => {
    const { issuer } = setup();
    await expect(issuer.issueAsync(request as IssueRequest)).rejects.toMatchObject({
      code: 'ERR_INVALID_CLAIM',
      option,
    });
  });
});
