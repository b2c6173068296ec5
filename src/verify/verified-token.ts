import type { GitlabRealm } from '../constants';

/**
 * The JOSE header of a verified token. `alg` is always `RS256`; other parameters are as received.
 *
 * @example
 * ```ts
 * const { kid }: VerifiedTokenHeader = verifyAiAccessToken(token, { keys }).header;
 * ```
 */
export interface VerifiedTokenHeader {
  readonly alg: 'RS256';
  readonly kid?: string;
  readonly typ?: unknown;
  readonly [parameter: string]: unknown;
}

/**
 * The claims of a verified token, as received. The verifier has checked the types of the claims
 * it knows; every other claim is whatever JSON the issuer put there.
 *
 * @example
 * ```ts
 * const { exp, jti }: VerifiedTokenClaims = verifyAiAccessToken(token, { keys }).claims;
 * ```
 */
export interface VerifiedTokenClaims {
  /** Expiry, seconds since the epoch (always present). */
  readonly exp: number;
  /** The audience(s) the token was minted for (always present). */
  readonly aud: string | readonly string[];
  readonly iss?: string;
  readonly sub?: string;
  readonly iat?: number;
  readonly nbf?: number;
  readonly gitlab_realm?: GitlabRealm;
  readonly scopes?: readonly string[];
  /** A non-empty string when present. */
  readonly gitlab_instance_id?: string;
  /** A whole number written in decimal (`"7"`) when present. */
  readonly duo_seat_count?: string;
  readonly third_party_ai_features_enabled?: boolean;
  readonly [claim: string]: unknown;
}

/**
 * What `verifyAiAccessToken` returns for a token it accepts.
 *
 * @example
 * ```ts
 * const { subject, scopes, legacy } = verifyAiAccessToken(token, { keys: ring });
 * if (!scopes.includes('duo_chat')) reply(403);
 * ```
 */
export interface VerifiedAiAccessToken {
  /** The header, frozen. */
  readonly header: VerifiedTokenHeader;
  /** Every claim, frozen. */
  readonly claims: VerifiedTokenClaims;
  /** `sub`, or `undefined` when the token has none. */
  readonly subject: string | undefined;
  /** `iss`, or `undefined` when the token has none. */
  readonly issuer: string | undefined;
  /** `gitlab_realm`, `'saas'` when absent (as the gateway assumes). */
  readonly gitlabRealm: GitlabRealm;
  /**
   * The scopes granted: `['code_suggestions']` when the legacy audience matched (whatever the
   * token says, as the gateway does), else the `scopes` claim, or `[]` when there is none.
   */
  readonly scopes: readonly string[];
  /** The first of `options.audiences` found in `aud`. */
  readonly audience: string;
  /** `true` when `audience` is the legacy `gitlab-code-suggestions`. */
  readonly legacy: boolean;
  /** `gitlab_instance_id`, or `undefined` when the token has none. */
  readonly instanceId: string | undefined;
  /** `duo_seat_count` as a number (the claim is a decimal string), or `undefined` when absent. */
  readonly duoSeatCount: number | undefined;
  /** `third_party_ai_features_enabled`, or `undefined` when the token has none. */
  readonly thirdPartyAiFeaturesEnabled: boolean | undefined;
}
