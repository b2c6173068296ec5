import { addSeconds } from 'date-fns/addSeconds';
import { fromUnixTime } from 'date-fns/fromUnixTime';
import { subSeconds } from 'date-fns/subSeconds';
import { NOT_BEFORE_SECONDS, type GitlabRealm } from '../constants';
import { AsyncOnlySignerError, InvalidClaimError } from '../errors';
import { KeyRing } from '../keys/key-ring';
import { defaultSigningKeyAt } from '../keys/env-key-source';
import { KeySchedule } from '../keys/key-schedule';
import type { Signer } from '../keys/signer';
import { SigningKey } from '../keys/signing-key';
import { readClock, toEpochSeconds } from '../time';
import type { AiAccessTokenHeader, AiAccessTokenPayload } from './claims';
import {
  assertTokenLength,
  headerFor,
  signCompact,
  signCompactAsync,
  signCompactWithSigner,
  signingInput,
} from './encode';
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
  // The clock reading at construction: a key schedule is evaluated at it.
  readonly #createdAt: Date;
  #encoded: string | undefined;
  // The signing input last built, with its key: built (and its length checked) once per key.
  #prepared: { readonly key: Signer; readonly input: string } | undefined;
  // The one signature in flight from encodedAsync(), shared by concurrent callers.
  #encoding: Promise<string> | undefined;

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
    this.#createdAt = now;
    this.issuedAt = fromUnixTime(toEpochSeconds(now));
    this.notBefore = subSeconds(this.issuedAt, NOT_BEFORE_SECONDS);
    this.expiresAt = addSeconds(this.issuedAt, this.#options.expiresIn);
    // With the key known now, a token too long to verify is refused here rather than at encode.
    // A schedule whose first key is not active yet is refused at encode, like a missing key.
    const configured = this.#options.signingKey;
    if (configured !== null && !(configured instanceof KeySchedule && !configured.signsAt(now))) {
      this.#signingInput(this.signer());
    }
  }

  /** The subject (`sub`). */
  get subject(): string {
    return this.#options.subject;
  }

  /** The granted scopes (`scopes`). */
  get scopes(): readonly string[] {
    return this.#options.scopes;
  }

  /** Which kind of deployment the token is for (`gitlab_realm`). */
  get gitlabRealm(): GitlabRealm {
    return this.#options.gitlabRealm;
  }

  /** The instance id (`gitlab_instance_id`), or `undefined` when not given. */
  get instanceId(): string | undefined {
    return this.#options.instanceId;
  }

  /** The Duo seat count (`duo_seat_count`, a decimal string in the token), or `undefined`. */
  get duoSeatCount(): number | undefined {
    const text = this.#options.duoSeatCount;
    return text === undefined ? undefined : Number(text);
  }

  /** `third_party_ai_features_enabled`, or `undefined` when not given. */
  get thirdPartyAiFeaturesEnabled(): boolean | undefined {
    return this.#options.thirdPartyAiFeaturesEnabled;
  }

  /**
   * The claims, exactly `{ jti, aud, iss, sub, iat, nbf, exp, gitlab_realm, scopes, ...extraClaims }`
   * (with `gitlab_instance_id`, `duo_seat_count` and `third_party_ai_features_enabled` after
   * `scopes` when their options are given), with times in whole seconds. Needs no key. Returns a fresh copy on every call.
   *
   * @example
   * ```ts
   * token.payload();
   * // { jti: '…', aud: 'gitlab-ai-gateway', iss: 'https://gitlab.example.com', sub: 'user-42',
   * //   iat: 1767225600, nbf: 1767225595, exp: 1767229200, gitlab_realm: 'saas', scopes: ['duo_chat'] }
   * ```
   */
  payload(): AiAccessTokenPayload {
    const claims = this.#claims();
    return {
      ...claims,
      aud: typeof claims.aud === 'string' ? claims.aud : [...claims.aud],
      scopes: [...claims.scopes],
      ...structuredClone(this.#options.extraClaims),
    };
  }

  // The claims in their final key order, sharing the frozen option values: serialising them
  // needs no defensive copies, which payload() makes for callers.
  #claims(): AiAccessTokenPayload {
    const { audience, issuer, subject, gitlabRealm, scopes, extraClaims } = this.#options;
    const { instanceId, duoSeatCount, thirdPartyAiFeaturesEnabled } = this.#options;
    const claims: AiAccessTokenPayload = {
      jti: this.id,
      aud: audience as string | string[],
      iss: issuer,
      sub: subject,
      iat: toEpochSeconds(this.issuedAt),
      nbf: toEpochSeconds(this.notBefore),
      exp: toEpochSeconds(this.expiresAt),
      gitlab_realm: gitlabRealm,
      scopes: scopes as string[],
    };
    // Written only when given: a token without them is byte-for-byte what it was before.
    if (instanceId !== undefined) claims.gitlab_instance_id = instanceId;
    if (duoSeatCount !== undefined) claims.duo_seat_count = duoSeatCount;
    if (thirdPartyAiFeaturesEnabled !== undefined) {
      claims.third_party_ai_features_enabled = thirdPartyAiFeaturesEnabled;
    }
    return Object.assign(claims, extraClaims);
  }

  #signingInput(key: Signer): string {
    const prepared = this.#prepared;
    if (prepared !== undefined && prepared.key === key) return prepared.input;
    const input = signingInput(key, this.#claims());
    assertTokenLength(input, key);
    this.#prepared = { key, input };
    return input;
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
    return headerFor(this.signer());
  }

  /**
   * The signed JWT, signed on the calling thread (about one RSA signature of CPU, during which
   * the event loop waits). Computed once; later calls, and {@link AiAccessToken.encodedAsync},
   * return the same string.
   *
   * @throws {@link NoSigningKeyError} when no key is given and none is in the environment.
   * @throws {@link AsyncOnlySignerError} when the key is a `Signer` that signs only
   * asynchronously (an HSM, a KMS): use {@link AiAccessToken.encodedAsync}.
   * @example
   * ```ts
   * const authorization = `Bearer ${token.encoded()}`;
   * ```
   */
  encoded(): string {
    if (this.#encoded === undefined) {
      const key = this.signer();
      if (!(key instanceof SigningKey)) throw asyncOnly(key);
      this.#encoded = signCompact(this.#signingInput(key), key.privateKey);
    }
    return this.#encoded;
  }

  /**
   * The signed JWT, signed in libuv's thread pool so the event loop stays free while the RSA
   * signature is computed. The same token as {@link AiAccessToken.encoded}: whichever path signs
   * first, both return that string, and concurrent calls share one signature.
   *
   * With a `Signer` that is not a `SigningKey` (an HSM, a KMS), this is the way to mint: the
   * signer's `sign()` is awaited, and a signature of the wrong length rejects with `SignerError`.
   *
   * Always returns a Promise; a missing key rejects it with {@link NoSigningKeyError} rather than
   * throwing.
   *
   * @example
   * ```ts
   * const authorization = `Bearer ${await token.encodedAsync()}`;
   * ```
   */
  encodedAsync(): Promise<string> {
    if (this.#encoded !== undefined) return Promise.resolve(this.#encoded);
    if (this.#encoding !== undefined) return this.#encoding;
    let key: Signer;
    let input: string;
    try {
      key = this.signer();
      input = this.#signingInput(key);
    } catch (error: unknown) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const signed =
      key instanceof SigningKey
        ? signCompactAsync(input, key.privateKey)
        : signCompactWithSigner(input, key);
    const encoding = signed.then(
      (encoded) => {
        // encoded() may have signed meanwhile; the signatures are equal, keep the first string.
        this.#encoded ??= encoded;
        this.#encoding = undefined;
        return this.#encoded;
      },
      (error: unknown) => {
        this.#encoding = undefined;
        throw error;
      },
    );
    this.#encoding = encoding;
    return encoding;
  }

  /**
   * The key that signs this token when it is a `SigningKey`: the given one (a ring's current key,
   * the key a schedule has signing when the token was constructed), else the environment's. For
   * any {@link Signer} (an HSM or KMS key too), use {@link AiAccessToken.signer}.
   *
   * @throws {@link NoSigningKeyError} when there is none, or the schedule has none active yet.
   * @throws {@link AsyncOnlySignerError} when the key is a `Signer` that is not a `SigningKey`.
   * @example
   * ```ts
   * token.signingKey().kid;
   * ```
   */
  signingKey(): SigningKey {
    const key = this.signer();
    if (key instanceof SigningKey) return key;
    throw asyncOnly(key);
  }

  /**
   * The signer of this token, a `SigningKey` or any other {@link Signer}: the given one (a ring's
   * current signer, the one a schedule has signing when the token was constructed), else the
   * environment's key.
   *
   * @throws {@link NoSigningKeyError} when there is none, or the schedule has none active yet.
   * @example
   * ```ts
   * token.signer().kid;
   * ```
   */
  signer(): Signer {
    const configured = this.#options.signingKey;
    if (configured instanceof SigningKey) return configured;
    if (configured instanceof KeyRing) return configured.current;
    if (configured instanceof KeySchedule) return configured.signingKeyAt(this.#createdAt);
    if (configured !== null) return configured;
    return defaultSigningKeyAt(this.#createdAt);
  }

  /** Serialises as the claims, never as the signed token, so logging one does not leak it. */
  toJSON(): AiAccessTokenPayload {
    return this.payload();
  }
}

function asyncOnly(signer: Signer): AsyncOnlySignerError {
  return new AsyncOnlySignerError(
    signer.kid,
    `signer ${signer.kid} signs only asynchronously (an HSM or KMS key): use encodedAsync() instead of encoded(), or issueAsync() instead of issue()`,
  );
}
