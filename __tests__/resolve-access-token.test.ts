import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import type { AiAccessTokenIssuer } from '../src/issuer/ai-access-token-issuer';
import {
  resolveAccessToken,
  type ResolveAccessTokenOptions,
  type TokenIssuer,
  type TokenIssuerRequest,
} from '../src/resolve-access-token';
import { MemoryServiceAccessTokenStore } from '../src/service-access-token/memory-store';
import { SqliteServiceAccessTokenStore } from '../src/service-access-token/sqlite-store';
import type { ServiceAccessTokenStore } from '../src/service-access-token/store';
import { AiAccessToken } from '../src/token/ai-access-token';
import { testKey } from './helpers/keys';
import { openPostgresStore, postgresAvailable } from './helpers/postgres';
import { HOUR, T0, at, rejectionOf } from './service-access-token/store-contract';

const signingKey = testKey();
const ISSUER = 'https://gitlab.example.com';
const now = () => T0;

// The resolver accepts the package's issuer structurally, without importing it (checked by tsc).
type IssuerFitsTheResolver = AiAccessTokenIssuer extends TokenIssuer ? true : false;
const issuerFitsTheResolver: IssuerFitsTheResolver = true;

/** A TokenIssuer that mints real tokens and records what it was asked for. */
function recordingIssuer(): TokenIssuer & { requests: TokenIssuerRequest[] } {
  const requests: TokenIssuerRequest[] = [];
  return {
    requests,
    issueAsync(request) {
      requests.push(request);
      return Promise.resolve(
        new AiAccessToken({ ...request, issuer: ISSUER, signingKey, now }).encoded(),
      );
    },
  };
}

function verify(token: string): jwt.JwtPayload {
  return jwt.verify(token, signingKey.publicKey, {
    algorithms: ['RS256'],
    audience: 'gitlab-ai-gateway',
    clockTimestamp: T0.getTime() / 1000,
  }) as jwt.JwtPayload;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'resolve-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('resolveAccessToken for saas', () => {
  it('accepts an AiAccessTokenIssuer as tokenIssuer (a compile-time check)', () => {
    expect(issuerFitsTheResolver).toBe(true);
  });

  it('mints an AiAccessToken when no tokenIssuer is given', async () => {
    const token = await resolveAccessToken({
      gitlabRealm: 'saas',
      subject: 'user-42',
      scopes: ['duo_chat', 'code_suggestions'],
      issuer: ISSUER,
      signingKey,
      now,
    });
    expect(verify(token)).toMatchObject({
      sub: 'user-42',
      iss: ISSUER,
      gitlab_realm: 'saas',
      scopes: ['duo_chat', 'code_suggestions'],
      iat: T0.getTime() / 1000,
    });
  });

  it('passes audience and extraClaims through', async () => {
    const token = await resolveAccessToken({
      gitlabRealm: 'saas',
      subject: 'user-42',
      scopes: ['duo_chat'],
      issuer: ISSUER,
      signingKey,
      now,
      audience: ['gitlab-ai-gateway', 'other'],
      extraClaims: { team: 'ai' },
    });
    expect(verify(token)).toMatchObject({ aud: ['gitlab-ai-gateway', 'other'], team: 'ai' });
  });

  it('issues through tokenIssuer when given', async () => {
    const tokenIssuer = recordingIssuer();
    const token = await resolveAccessToken({
      gitlabRealm: 'saas',
      subject: 'user-7',
      scopes: ['duo_chat'],
      tokenIssuer,
      extraClaims: { team: 'ai' },
    });
    expect(tokenIssuer.requests).toEqual([
      { subject: 'user-7', scopes: ['duo_chat'], gitlabRealm: 'saas', extraClaims: { team: 'ai' } },
    ]);
    expect(verify(token)).toMatchObject({ sub: 'user-7', gitlab_realm: 'saas', team: 'ai' });
  });

  it('surfaces minting errors as they are', async () => {
    const error = await rejectionOf(
      resolveAccessToken({
        gitlabRealm: 'saas',
        subject: '',
        scopes: ['duo_chat'],
        issuer: ISSUER,
        signingKey,
      }),
    );
    expect(error).toMatchObject({ code: 'ERR_INVALID_CLAIM', option: 'subject' });
  });

  it('rejects a tokenIssuer that resolves to something other than a token', async () => {
    const error = await rejectionOf(
      resolveAccessToken({
        gitlabRealm: 'saas',
        subject: 's',
        scopes: ['duo_chat'],
        tokenIssuer: { issueAsync: () => Promise.resolve('') },
      }),
    );
    expect(error).toMatchObject({ code: 'ERR_INVALID_CLAIM', option: 'tokenIssuer' });
  });
});

type StoreCase = [string, () => ServiceAccessTokenStore | Promise<ServiceAccessTokenStore>];

describe.each<StoreCase>([
  ['MemoryServiceAccessTokenStore', () => new MemoryServiceAccessTokenStore()],
  [
    'SqliteServiceAccessTokenStore',
    () =>
      new SqliteServiceAccessTokenStore({
        filename: join(dir, `resolve-${randomBytes(4).toString('hex')}.db`),
        encryptionKey: randomBytes(32),
      }),
  ],
  ...((postgresAvailable
    ? [['PostgresServiceAccessTokenStore', () => openPostgresStore()]]
    : []) satisfies StoreCase[]),
])(
  'resolveAccessToken for self-managed, with %s',
  (_name, open: () => ServiceAccessTokenStore | Promise<ServiceAccessTokenStore>) => {
    let store: ServiceAccessTokenStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const options = (): ResolveAccessTokenOptions => ({
      gitlabRealm: 'self-managed',
      store,
      subject: 'user-42',
      scopes: ['duo_chat'],
      now,
    });

    it('returns the stored token that expires last, as is', async () => {
      await store.save({ token: 'from-licensing-1', expiresAt: at(HOUR) });
      await store.save({ token: 'from-licensing-2', expiresAt: at(2 * HOUR) });
      await expect(resolveAccessToken(options())).resolves.toBe('from-licensing-2');
    });

    it('ignores the SaaS-only options, so one options object serves both realms', async () => {
      await store.save({ token: 'stored', expiresAt: at(HOUR) });
      await expect(
        resolveAccessToken({ ...options(), issuer: ISSUER, signingKey, tokenIssuer: undefined }),
      ).resolves.toBe('stored');
    });

    it.each([
      ['nothing is stored', []],
      ['every stored token has expired', [at(-1)]],
      ['the only token expires exactly now', [T0]],
    ])('throws NoActiveServiceAccessTokenError when %s', async (_label, expiries) => {
      for (const expiresAt of expiries) await store.save({ token: 'old', expiresAt });
      const error = await rejectionOf(resolveAccessToken(options()));
      expect(error).toMatchObject({
        name: 'NoActiveServiceAccessTokenError',
        code: 'ERR_NO_ACTIVE_SERVICE_ACCESS_TOKEN',
      });
    });
  },
);

describe('resolveAccessToken options', () => {
  const base = { subject: 's', scopes: ['duo_chat'] };

  it.each([
    ['a missing gitlabRealm', { ...base }, 'ERR_INVALID_CLAIM', 'gitlabRealm'],
    [
      'an unknown gitlabRealm',
      { ...base, gitlabRealm: 'dedicated' },
      'ERR_INVALID_CLAIM',
      'gitlabRealm',
    ],
    [
      'a differently cased gitlabRealm',
      { ...base, gitlabRealm: 'SaaS' },
      'ERR_INVALID_CLAIM',
      'gitlabRealm',
    ],
    [
      'self-managed without a store',
      { ...base, gitlabRealm: 'self-managed' },
      'ERR_INVALID_STORE_OPTION',
      'store',
    ],
    [
      'self-managed with something that is not a store',
      { ...base, gitlabRealm: 'self-managed', store: {} },
      'ERR_INVALID_STORE_OPTION',
      'store',
    ],
    [
      'an AiAccessTokenIssuer passed as issuer',
      { ...base, gitlabRealm: 'saas', issuer: recordingIssuer() },
      'ERR_INVALID_CLAIM',
      'issuer',
    ],
    [
      'a tokenIssuer without issueAsync',
      { ...base, gitlabRealm: 'saas', tokenIssuer: { issue: () => 'x' } },
      'ERR_INVALID_CLAIM',
      'tokenIssuer',
    ],
    [
      'tokenIssuer with its own signingKey',
      { ...base, gitlabRealm: 'saas', tokenIssuer: recordingIssuer(), signingKey },
      'ERR_INVALID_CLAIM',
      'signingKey',
    ],
    [
      'tokenIssuer with an issuer URL',
      { ...base, gitlabRealm: 'saas', tokenIssuer: recordingIssuer(), issuer: ISSUER },
      'ERR_INVALID_CLAIM',
      'issuer',
    ],
    [
      'a clock that is not a function',
      { ...base, gitlabRealm: 'saas', now: T0 },
      'ERR_INVALID_CLAIM',
      'now',
    ],
    [
      'an unknown option',
      { ...base, gitlabRealm: 'saas', scope: ['duo_chat'] },
      'ERR_INVALID_CLAIM',
      'scope',
    ],
    ['no options', undefined, 'ERR_INVALID_CLAIM', 'options'],
  ])('rejects %s', async (_label, options, code, option) => {
    const error = await rejectionOf(resolveAccessToken(options as never));
    expect(error).toMatchObject({ code, option });
  });
});
