import type { GitlabRealm } from '../constants';

/**
 * A JSON value, as allowed in `extraClaims`.
 *
 * @example
 * ```ts
 * const value: JsonValue = { team: 'ai', tier: 3, beta: true, tags: ['a'] };
 * ```
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/**
 * A JSON object, as allowed in `extraClaims`.
 *
 * @example
 * ```ts
 * const extra: JsonObject = { instance_version: '17.0.0' };
 * ```
 */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * The JOSE header of a minted token.
 *
 * @example
 * ```ts
 * const header: AiAccessTokenHeader = { alg: 'RS256', typ: 'JWT', kid: key.kid };
 * ```
 */
export interface AiAccessTokenHeader {
  alg: 'RS256';
  typ: 'JWT';
  kid: string;
}

/**
 * The payload of a minted token: exactly these claims (the three optional ones only when their
 * option is given), plus any `extraClaims`. Times are whole seconds since the epoch.
 *
 * @example
 * ```ts
 * const { sub, scopes, exp }: AiAccessTokenPayload = token.payload();
 * ```
 */
export interface AiAccessTokenPayload {
  /** Unique token id (a random UUID by default). */
  jti: string;
  /** Audience: `gitlab-ai-gateway` unless configured otherwise. */
  aud: string | string[];
  /** Issuer: the platform's OpenID issuer URL. */
  iss: string;
  /** Subject: the user or instance the token is for. */
  sub: string;
  /** Issued at. */
  iat: number;
  /** Not before: `iat - 5`. */
  nbf: number;
  /** Expires: `iat + expiresIn`. */
  exp: number;
  /** Which kind of deployment minted or uses the token. */
  gitlab_realm: GitlabRealm;
  /** The features the token grants, e.g. `['code_suggestions']`. */
  scopes: string[];
  /** The instance the token is for (option `instanceId`); absent unless given. */
  gitlab_instance_id?: string;
  /** The instance's Duo seats as a decimal string, e.g. `"7"` (option `duoSeatCount`); absent unless given. */
  duo_seat_count?: string;
  /** Whether third-party AI features are enabled (option `thirdPartyAiFeaturesEnabled`); absent unless given. */
  third_party_ai_features_enabled?: boolean;
  /**
   * Extra claims given through `extraClaims`. (`undefined` only so that the optional claims above
   * can be declared; a payload never holds `undefined`.)
   */
  [claim: string]: JsonValue | undefined;
}
