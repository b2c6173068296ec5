import { GITLAB_REALM_SAAS, GITLAB_REALM_SELF_MANAGED, type GitlabRealm } from './constants';
import { InvalidClaimError, NoActiveServiceAccessTokenError } from './errors';
import { assertKnownOptions, functionOption } from './option-checks';
import {
  assertServiceAccessTokenStore,
  type ServiceAccessTokenStore,
} from './service-access-token/store';
import { describe, readClock, systemClock, type Clock } from './time';
import { AiAccessToken } from './token/ai-access-token';
import type { JsonObject } from './token/claims';
import type { SigningKeyInput } from './token/options';

/**
 * What {@link resolveAccessToken} asks a {@link TokenIssuer} for.
 *
 * @example
 * ```ts
 * const request: TokenIssuerRequest = { subject: 'user-42', scopes: ['duo_chat'], gitlabRealm: 'saas' };
 * ```
 */
export interface TokenIssuerRequest {
  /** Becomes `sub`. */
  subject: string;
  /** Becomes `scopes`. */
  scopes: readonly string[];
  /** Becomes `gitlab_realm`; the resolver always sends `'saas'`. */
  gitlabRealm?: GitlabRealm | undefined;
  /** Becomes `aud`; sent only when the resolver was given one. */
  audience?: string | readonly string[] | undefined;
  /** More claims; sent only when the resolver was given some. */
  extraClaims?: JsonObject | undefined;
}

/**
 * Anything that mints a signed token on request, such as an `AiAccessTokenIssuer` (which holds the
 * signing key, issuer URL and clock). Declared structurally so the resolver does not depend on a
 * particular implementation.
 *
 * @example
 * ```ts
 * const tokenIssuer: TokenIssuer = {
 *   issueAsync: async (request) => new AiAccessToken({ ...request, signingKey }).encoded(),
 * };
 * ```
 */
export interface TokenIssuer {
  /** Resolves to a signed token for `request`. */
  issueAsync(request: TokenIssuerRequest): Promise<string>;
}

/**
 * Options of {@link resolveAccessToken}. One options object serves both realms, so a backend can
 * pass the same one whatever deployment it runs in; options that do not apply to the realm are
 * ignored.
 *
 * Naming: `issuer` is the `iss` URL, exactly as in `AiAccessToken`'s options; the object that
 * mints tokens is `tokenIssuer`.
 *
 * @example
 * ```ts
 * const options: ResolveAccessTokenOptions = {
 *   gitlabRealm: config.selfManaged ? 'self-managed' : 'saas',
 *   subject: 'user-42',
 *   scopes: ['duo_chat'],
 *   store,
 *   tokenIssuer,
 * };
 * ```
 */
export interface ResolveAccessTokenOptions {
  /** Which deployment this is: `'saas'` mints, `'self-managed'` reads the stored token. Required. */
  gitlabRealm: GitlabRealm;
  /** `sub` of a minted token (`saas` only). */
  subject: string;
  /** `scopes` of a minted token (`saas` only). */
  scopes: readonly string[];
  /** Where the self-managed instance keeps its tokens. Required for `'self-managed'`. */
  store?: ServiceAccessTokenStore | undefined;
  /**
   * `saas`: mints through this (e.g. an `AiAccessTokenIssuer`). Without it, an `AiAccessToken` is
   * minted from `issuer`, `signingKey` and `now` (and their environment defaults).
   */
  tokenIssuer?: TokenIssuer | undefined;
  /** `saas` without `tokenIssuer`: the `iss` URL. Default `AI_ACCESS_TOKEN_ISSUER`. */
  issuer?: string | undefined;
  /** `saas` without `tokenIssuer`: the signing key. Default from the environment. */
  signingKey?: SigningKeyInput | undefined;
  /** `saas`: `aud`. Default `'gitlab-ai-gateway'`. */
  audience?: string | readonly string[] | undefined;
  /** `saas`: more claims. */
  extraClaims?: JsonObject | undefined;
  /** The clock: `iat` of a token minted here, and "now" for the self-managed store. */
  now?: Clock | undefined;
}

const OPTION_NAMES: readonly string[] = [
  'gitlabRealm',
  'subject',
  'scopes',
  'store',
  'tokenIssuer',
  'issuer',
  'signingKey',
  'audience',
  'extraClaims',
  'now',
];

/**
 * The access token to send to the AI gateway, whichever deployment this is:
 *
 * - `saas`: a freshly minted token, through `tokenIssuer` when given, else a new `AiAccessToken`.
 * - `self-managed`: the stored token from the licensing service, `store.latestActive()`.
 *
 * @throws {@link InvalidClaimError} (rejects) when `gitlabRealm` or another option is invalid, or
 * when minting refuses an option.
 * @throws {@link InvalidStoreOptionError} (rejects) when `gitlabRealm` is `'self-managed'` and no
 * `store` is given.
 * @throws {@link NoActiveServiceAccessTokenError} (rejects) when a self-managed store has no active
 * token.
 * @example
 * ```ts
 * import { resolveAccessToken } from 'ai-access-token';
 *
 * const token = await resolveAccessToken({
 *   gitlabRealm: process.env.GITLAB_REALM === 'self-managed' ? 'self-managed' : 'saas',
 *   store, // a SqliteServiceAccessTokenStore on self-managed instances
 *   tokenIssuer, // an AiAccessTokenIssuer on SaaS
 *   subject: 'user-42',
 *   scopes: ['duo_chat'],
 * });
 * await fetch(gatewayUrl, { headers: { Authorization: `Bearer ${token}` } });
 * ```
 */
export async function resolveAccessToken(options: ResolveAccessTokenOptions): Promise<string> {
  const { gitlabRealm, now } = validateOptions(options);
  if (gitlabRealm === GITLAB_REALM_SELF_MANAGED) {
    const { store } = options;
    assertServiceAccessTokenStore(store, ` when gitlabRealm is '${GITLAB_REALM_SELF_MANAGED}'`);
    const active = await store.latestActive(readClock(now));
    if (active === null) {
      throw new NoActiveServiceAccessTokenError(
        'no active service access token is stored: run the sync job (syncServiceAccessToken) to fetch one from the licensing service',
      );
    }
    return active.token;
  }
  const { subject, scopes, audience, extraClaims, tokenIssuer } = options;
  if (tokenIssuer !== undefined) {
    const request: TokenIssuerRequest = { subject, scopes, gitlabRealm };
    if (audience !== undefined) request.audience = audience;
    if (extraClaims !== undefined) request.extraClaims = extraClaims;
    const token: unknown = await tokenIssuer.issueAsync(request);
    if (typeof token !== 'string' || token.length === 0) {
      throw new InvalidClaimError(
        'tokenIssuer',
        `tokenIssuer.issueAsync must resolve to a non-empty string; got ${describe(token)}`,
      );
    }
    return token;
  }
  return new AiAccessToken({
    subject,
    scopes,
    gitlabRealm,
    issuer: options.issuer,
    signingKey: options.signingKey,
    audience,
    extraClaims,
    now,
  }).encoded();
}

function validateOptions(options: ResolveAccessTokenOptions): {
  gitlabRealm: GitlabRealm;
  now: Clock;
} {
  assertKnownOptions(options, OPTION_NAMES);
  const gitlabRealm: unknown = options.gitlabRealm;
  if (gitlabRealm !== GITLAB_REALM_SAAS && gitlabRealm !== GITLAB_REALM_SELF_MANAGED) {
    throw new InvalidClaimError(
      'gitlabRealm',
      `gitlabRealm must be '${GITLAB_REALM_SAAS}' or '${GITLAB_REALM_SELF_MANAGED}'; got ${describe(gitlabRealm)}`,
    );
  }
  const issuer: unknown = options.issuer;
  if (typeof issuer === 'object' && issuer !== null && 'issueAsync' in issuer) {
    throw new InvalidClaimError(
      'issuer',
      'issuer is the iss URL (a string); pass the object that mints tokens as tokenIssuer',
    );
  }
  const tokenIssuer: unknown = options.tokenIssuer;
  if (tokenIssuer !== undefined) {
    if (
      typeof tokenIssuer !== 'object' ||
      tokenIssuer === null ||
      typeof (tokenIssuer as Partial<TokenIssuer>).issueAsync !== 'function'
    ) {
      throw new InvalidClaimError(
        'tokenIssuer',
        `tokenIssuer must have an issueAsync(request) method; got ${describe(tokenIssuer)}`,
      );
    }
    for (const name of ['issuer', 'signingKey'] as const) {
      if (options[name] !== undefined) {
        throw new InvalidClaimError(
          name,
          `${name} cannot be combined with tokenIssuer, which mints with its own ${name}`,
        );
      }
    }
  }
  const now = functionOption('now', options.now) ?? systemClock;
  return { gitlabRealm, now };
}
