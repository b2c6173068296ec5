import { InvalidClaimError } from '../errors';
import { describe } from '../time';
import { AiAccessToken } from '../token/ai-access-token';
import { gitlabRealm, instanceIdClaim, seatCountClaim } from '../verify/check-claims';
import { decodeJwt } from '../verify/decode';
import {
  DUO_SEAT_COUNT_HEADER,
  GLOBAL_USER_ID_HEADER,
  INSTANCE_ID_HEADER,
  REALM_HEADER,
} from './header-names';

/**
 * Options of {@link gatewayHeaders}.
 *
 * @example
 * ```ts
 * const options: GatewayHeadersOptions = { globalUserId: 'Vn3BrB1sS0e3' };
 * ```
 */
export interface GatewayHeadersOptions {
  /**
   * The pseudonymous id of the user this request is for, sent as `X-Gitlab-Global-User-Id`. It
   * belongs to the request, not the token (one instance token serves all its users), so it is
   * given here, per request. A non-empty string.
   */
  globalUserId?: string | undefined;
}

/**
 * The `X-Gitlab-*` headers to send with `token` to the gateway, derived from the token itself so
 * that headers and claims never drift apart. Later gateway versions reject a request whose
 * headers disagree with its token ("Header mismatch").
 *
 * - `X-Gitlab-Realm`: the token's `gitlab_realm` (`saas` when it has none).
 * - `X-Gitlab-Instance-Id`: the token's `sub`. Later gateways compare both `sub` and
 *   `gitlab_instance_id` with this header, so a token minted with an `instanceId` other than its
 *   `subject` can never pass them, and is refused here.
 * - `X-Gitlab-Global-User-Id`: `options.globalUserId`, when given.
 * - `X-Gitlab-Duo-Seat-Count`: the token's `duo_seat_count`, when it has one.
 *
 * `token` is an {@link AiAccessToken}, or a compact JWT string (what `AiAccessTokenIssuer` and
 * `resolveAccessToken` return); a string is decoded, not verified — it is the sender's own token.
 *
 * @throws {@link InvalidClaimError} `instanceId` when it differs from the subject;
 *   `globalUserId` when it is not a non-empty string.
 * @throws {@link TokenVerificationError} when a string token cannot be decoded
 *   (`ERR_TOKEN_MALFORMED`) or carries a claim of the wrong type (`ERR_TOKEN_CLAIMS`).
 * @example
 * ```ts
 * import { AiAccessToken, gatewayHeaders } from 'ai-access-token';
 *
 * const token = new AiAccessToken({
 *   subject: 'instance-7f3a',
 *   instanceId: 'instance-7f3a',
 *   duoSeatCount: 25,
 *   gitlabRealm: 'self-managed',
 *   scopes: ['code_suggestions'],
 * });
 * await fetch(gatewayUrl, {
 *   headers: {
 *     Authorization: `Bearer ${token.encoded()}`,
 *     ...gatewayHeaders(token, { globalUserId: 'Vn3BrB1sS0e3' }),
 *   },
 * });
 * // X-Gitlab-Realm: self-managed, X-Gitlab-Instance-Id: instance-7f3a,
 * // X-Gitlab-Global-User-Id: Vn3BrB1sS0e3, X-Gitlab-Duo-Seat-Count: 25
 * ```
 */
export function gatewayHeaders(
  token: AiAccessToken | string,
  options: GatewayHeadersOptions = {},
): Record<string, string> {
  const claims = token instanceof AiAccessToken ? ownClaims(token) : decodedClaims(token);
  if (claims.instanceId !== undefined && claims.instanceId !== claims.subject) {
    throw new InvalidClaimError(
      'instanceId',
      `instanceId (gitlab_instance_id ${describe(claims.instanceId)}) differs from the subject (sub ${describe(claims.subject)}); later gateways compare both with ${INSTANCE_ID_HEADER}, so no header value can pass them: mint the token with subject equal to instanceId`,
    );
  }
  const headers: Record<string, string> = {
    [REALM_HEADER]: claims.realm,
    [INSTANCE_ID_HEADER]: claims.subject,
  };
  const { globalUserId } = options;
  if (globalUserId !== undefined) {
    if (typeof globalUserId !== 'string' || globalUserId.length === 0) {
      throw new InvalidClaimError(
        'globalUserId',
        `globalUserId must be a non-empty string; got ${describe(globalUserId)}`,
      );
    }
    headers[GLOBAL_USER_ID_HEADER] = globalUserId;
  }
  if (claims.seatCount !== undefined) headers[DUO_SEAT_COUNT_HEADER] = claims.seatCount;
  return headers;
}

interface HeaderClaims {
  readonly realm: string;
  readonly subject: string;
  readonly instanceId: string | undefined;
  /** As written in the token: the header carries the same text. */
  readonly seatCount: string | undefined;
}

function ownClaims(token: AiAccessToken): HeaderClaims {
  const seats = token.duoSeatCount;
  return {
    realm: token.gitlabRealm,
    subject: token.subject,
    instanceId: token.instanceId,
    seatCount: seats === undefined ? undefined : String(seats),
  };
}

function decodedClaims(token: string): HeaderClaims {
  const { payload } = decodeJwt(token);
  const claim = (name: string): unknown =>
    Object.hasOwn(payload, name) ? payload[name] : undefined;
  const subject = claim('sub');
  if (typeof subject !== 'string' || subject.length === 0) {
    throw new InvalidClaimError(
      'token',
      `token sub must be a non-empty string to name its instance; got ${describe(subject)}`,
    );
  }
  const seats = seatCountClaim(claim('duo_seat_count'));
  return {
    realm: gitlabRealm(claim('gitlab_realm')),
    subject,
    instanceId: instanceIdClaim(claim('gitlab_instance_id')),
    seatCount: seats === undefined ? undefined : String(seats),
  };
}
