import jwt from 'jsonwebtoken';
import { addSeconds, fromUnixTime, subSeconds } from 'date-fns';
import { ENV_SIGNING_KEY, ENV_SIGNING_KEY_FILE, NOT_BEFORE_SECONDS } from '../constants';
import { InvalidClaimError, NoSigningKeyError } from '../errors';
import { KeyRing } from '../keys/key-ring';
import { SigningKey, signingKeyFromEnvOrNull } from '../keys/signing-key';
import { readClock, toEpochSeconds } from '../time';
import type { AiAccessTokenHeader, AiAccessTokenPayload } from './claims';
import {
  resolveTokenOptions,
  type AiAccessTokenOptions,
  type ResolvedTokenOptions,
} from './options';

/**
 * An access token for the AI gateway: an RS256 JWT with audience `gitlab-ai-gateway`, the
 * `scopes` it grants and the `gitlab_realm` it comes from.
 *
 * Options are validated once, here; the token is immutable, so every `payload()` and
 * `encoded()` call describes the same token (same `jti`, same times).
 *
 * @example
 * ```ts
 * import { AiAccessToken, SigningKey } from 'ai-access-token';
 *
 * const signingKey = SigningKey.fromEnv();
 * const token = new AiAccessToken({
 *   subject: 'user-42',
 *   scopes: ['code_suggestions', 'duo_chat'],
 *   issuer: 'https://gitlab.example.com',
 *   signingKey,
 * });
 * await fetch(gatewayUrl, { headers: { Authorization: `Bearer ${token.encoded()}` } });
 * ```
 */
export class AiAccessToken {
  /** The token id (`jti`). */
  readonly id: string;
  /** `iat`, truncated to whole seconds. */
  readonly issuedAt: Date;
  /** `nbf`: five seconds before `issuedAt`. */
  readonly notBefore: Date;
  /** `exp`: `issuedAt + expiresIn`. */
  readonly expiresAt: Date;
  readonly #options: ResolvedTokenOptions;
  #encoded: string | undefined;

  /**
   * @throws {@link InvalidClaimError} when an option breaks its rule; the message names it.
   * @throws {@link InvalidSigningKeyError} when `signingKey` is given but unusable.
   */
  constructor(options: AiAccessTokenOptions) {
    this.#options = resolveTokenOptions(options);
    const id = this.#options.generateId();
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidClaimError('generateId', 'generateId must return a non-empty string');
    }
    this.id = id;
    const now = readClock(this.#options.now);
    this.issuedAt = fromUnixTime(toEpochSeconds(now));
    this.notBefore = subSeconds(this.issuedAt, NOT_BEFORE_SECONDS);
    this.expiresAt = addSeconds(this.issuedAt, this.#options.expiresIn);
  }

  /** The subject (`sub`). */
  get subject(): string {
    return this.#options.subject;
  }

  /** The granted scopes (`scopes`). */
  get scopes(): readonly string[] {
    return this.#options.scopes;
  }

  /**
   * The claims, exactly `{ jti, aud, iss, sub, iat, nbf, exp, gitlab_realm, scopes, ...extraClaims }`,
   * with times in whole seconds. Needs no key. Returns a fresh copy on every call.
   *
   * @example
   * ```ts
   * token.payload();
   * // { jti: '…', aud: 'gitlab-ai-gateway', iss: 'https://gitlab.example.com', sub: 'user-42',
   * //   iat: 1767225600, nbf: 1767225595, exp: 1767229200, gitlab_realm: 'saas', scopes: ['duo_chat'] }
   * ```
   */
  payload(): AiAccessTokenPayload {
    const { audience, issuer, subject, gitlabRealm, scopes, extraClaims } = this.#options;
    return {
      jti: this.id,
      aud: typeof audience === 'string' ? audience : [...audience],
      iss: issuer,
      sub: subject,
      iat: toEpochSeconds(this.issuedAt),
      nbf: toEpochSeconds(this.notBefore),
      exp: toEpochSeconds(this.expiresAt),
      gitlab_realm: gitlabRealm,
      scopes: [...scopes],
      ...structuredClone(extraClaims),
    };
  }

  /**
   * The JOSE header the token is signed with.
   *
   * @throws {@link NoSigningKeyError} when no key is given or configured.
   * @example
   * ```ts
   * token.header(); // { alg: 'RS256', typ: 'JWT', kid: 'NzbLsX…' }
   * ```
   */
  header(): AiAccessTokenHeader {
    return { alg: 'RS256', typ: 'JWT', kid: this.signingKey().kid };
  }

  /**
   * The signed JWT. Computed once; later calls return the same string.
   *
   * @throws {@link NoSigningKeyError} when no key is given and none is in the environment.
   * @example
   * ```ts
   * const authorization = `Bearer ${token.encoded()}`;
   * ```
   */
  encoded(): string {
    if (this.#encoded === undefined) {
      const key = this.signingKey();
      this.#encoded = jwt.sign(this.payload(), key.privateKey, {
        algorithm: 'RS256',
        keyid: key.kid,
      });
    }
    return this.#encoded;
  }

  /**
   * The key that signs this token: the given one (a ring's current key), else the environment's.
   *
   * @throws {@link NoSigningKeyError} when there is none.
   * @example
   * ```ts
   * token.signingKey().kid;
   * ```
   */
  signingKey(): SigningKey {
    const configured = this.#options.signingKey;
    if (configured instanceof KeyRing) return configured.current;
    if (configured instanceof SigningKey) return configured;
    const fromEnv = signingKeyFromEnvOrNull(process.env);
    if (fromEnv === null) {
      throw new NoSigningKeyError(
        `no signing key: pass signingKey or set ${ENV_SIGNING_KEY} (PEM text) or ${ENV_SIGNING_KEY_FILE} (path to a PEM file)`,
      );
    }
    return fromEnv;
  }

  /** Serialises as the claims, never as the signed token, so logging one does not leak it. */
  toJSON(): AiAccessTokenPayload {
    return this.payload();
  }
}
