import { InvalidClaimError, TokenVerificationError } from '../errors';
import { describe } from '../time';
import type { VerifiedAiAccessToken } from '../verify/verified-token';
import {
  DUO_SEAT_COUNT_HEADER,
  GLOBAL_USER_ID_HEADER,
  INSTANCE_ID_HEADER,
  REALM_HEADER,
} from './header-names';

/**
 * Request headers as a framework hands them over: a WHATWG `Headers` (fetch, undici, Hono, …),
 * Node's `IncomingHttpHeaders` (`req.headers`), or a plain object. Names are matched
 * case-insensitively; a repeated header counts as its values joined with `", "`, as both Node and
 * `Headers.get` combine them.
 *
 * @example
 * ```ts
 * const fromNode: RequestHeaders = req.headers;
 * const fromFetch: RequestHeaders = request.headers;
 * const plain: RequestHeaders = { 'X-Gitlab-Realm': 'saas' };
 * ```
 */
export type RequestHeaders =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * A `X-Gitlab-Duo-Seat-Count` header that disagrees with the token's `duo_seat_count`.
 *
 * @example
 * ```ts
 * const mismatch: SeatCountMismatch = { claim: '25', header: '24' };
 * ```
 */
export interface SeatCountMismatch {
  /** The token's `duo_seat_count`, as written in it (e.g. `"25"`). */
  readonly claim: string;
  /** The header's value, or `undefined` when the request has none. */
  readonly header: string | undefined;
}

/**
 * Options of {@link checkGatewayHeaders}.
 *
 * @example
 * ```ts
 * const options: CheckGatewayHeadersOptions = {
 *   onSeatCountMismatch: ({ claim, header }) => log.warn({ claim, header }, 'seat count mismatch'),
 * };
 * ```
 */
export interface CheckGatewayHeadersOptions {
  /**
   * Called when `X-Gitlab-Duo-Seat-Count` is missing or differs from the token's
   * `duo_seat_count`. The gateway only logs this (seat counts drift between the instance and the
   * licensing service), so it never fails the check. Default: ignored.
   */
  onSeatCountMismatch?: ((mismatch: SeatCountMismatch) => void) | undefined;
  /**
   * Issuers whose tokens name a user in `sub` — the gateway's own issuer, for the tokens it
   * issues itself. For their tokens `sub` is compared with `X-Gitlab-Global-User-Id` instead of
   * `X-Gitlab-Instance-Id`. Default none: every token's `sub` names an instance.
   */
  userSubjectIssuers?: readonly string[] | undefined;
}

/**
 * Checks a request's `X-Gitlab-*` headers against its verified token, as later gateway versions
 * do, in their order; the first disagreement throws. Only claims the token carries are compared
 * (an absent claim checks nothing), and a missing header counts as a disagreement:
 *
 * 1. `X-Gitlab-Realm` must equal `gitlab_realm`;
 * 2. `X-Gitlab-Instance-Id` must equal `gitlab_instance_id`;
 * 3. `sub` must equal `X-Gitlab-Instance-Id` — or `X-Gitlab-Global-User-Id` for a token whose
 *    issuer is in `userSubjectIssuers`.
 *
 * `X-Gitlab-Global-User-Id` belongs to the request, not the token: for a platform-issued token it
 * is the user the instance acts for, taken as given (for attribution), never compared with a
 * claim. A `X-Gitlab-Duo-Seat-Count` that disagrees with `duo_seat_count` is reported to
 * `onSeatCountMismatch` and does not throw.
 *
 * @throws {@link TokenVerificationError} `ERR_TOKEN_HEADER_MISMATCH`, naming the header.
 * @throws {@link InvalidClaimError} when `headers` or an option is not of its type.
 * @example
 * ```ts
 * import { checkGatewayHeaders, createAiAccessTokenVerifier, TokenVerificationError } from 'ai-access-token';
 *
 * const verify = createAiAccessTokenVerifier({ keys: jwks, audiences: ['gitlab-ai-gateway'] });
 * try {
 *   const verified = verify(req.headers.authorization?.replace(/^Bearer /, ''));
 *   checkGatewayHeaders(verified, req.headers, {
 *     onSeatCountMismatch: (mismatch) => log.warn(mismatch, 'duo seat count mismatch'),
 *   });
 * } catch (error) {
 *   if (error instanceof TokenVerificationError) reply(401, error.code);
 *   else throw error;
 * }
 * ```
 */
export function checkGatewayHeaders(
  verified: VerifiedAiAccessToken,
  headers: RequestHeaders,
  options: CheckGatewayHeadersOptions = {},
): void {
  // Typed callers cannot pass null, but untyped ones (and `req.headers` of a mock) can.
  const given: unknown = headers;
  if (typeof given !== 'object' || given === null) {
    throw new InvalidClaimError('headers', `headers must be an object; got ${describe(given)}`);
  }
  const { onSeatCountMismatch, userSubjectIssuers } = options;
  if (onSeatCountMismatch !== undefined && typeof onSeatCountMismatch !== 'function') {
    throw new InvalidClaimError(
      'onSeatCountMismatch',
      `onSeatCountMismatch must be a function; got ${describe(onSeatCountMismatch)}`,
    );
  }
  if (userSubjectIssuers !== undefined && !Array.isArray(userSubjectIssuers)) {
    throw new InvalidClaimError(
      'userSubjectIssuers',
      `userSubjectIssuers must be an array of strings; got ${describe(userSubjectIssuers)}`,
    );
  }
  const read = headerReader(headers);
  const realm = verified.claims.gitlab_realm;
  if (realm !== undefined) expectHeader(read, REALM_HEADER, realm, 'gitlab_realm');
  if (verified.instanceId !== undefined) {
    expectHeader(read, INSTANCE_ID_HEADER, verified.instanceId, 'gitlab_instance_id');
  }
  const { subject, issuer } = verified;
  if (subject !== undefined && subject.length > 0) {
    const userSubject = issuer !== undefined && userSubjectIssuers?.includes(issuer) === true;
    expectHeader(read, userSubject ? GLOBAL_USER_ID_HEADER : INSTANCE_ID_HEADER, subject, 'sub');
  }
  const seats = verified.claims.duo_seat_count;
  if (seats !== undefined) {
    const header = read(DUO_SEAT_COUNT_HEADER);
    if (header !== seats) onSeatCountMismatch?.({ claim: seats, header });
  }
}

type HeaderRead = (name: string) => string | undefined;

function headerReader(headers: RequestHeaders): HeaderRead {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const fetchHeaders = headers as { get(name: string): string | null };
    return (name) => fetchHeaders.get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, unknown>>;
  return (name) => {
    const lower = name.toLowerCase();
    // Node lowercases names; a hand-built object may not, so fall back to a scan.
    let value = Object.hasOwn(record, lower) ? record[lower] : undefined;
    if (value === undefined) {
      const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lower);
      value = key === undefined ? undefined : record[key];
    }
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      return value.length === 0 ? undefined : value.join(', ');
    }
    return undefined;
  };
}

function expectHeader(read: HeaderRead, header: string, claimValue: string, claim: string): void {
  const value = read(header);
  if (value === claimValue) return;
  throw new TokenVerificationError(
    'ERR_TOKEN_HEADER_MISMATCH',
    value === undefined
      ? `${header} header is missing; the token's ${claim} is ${describe(claimValue)}`
      : `${header} header is ${describe(value)}; the token's ${claim} is ${describe(claimValue)}`,
  );
}
