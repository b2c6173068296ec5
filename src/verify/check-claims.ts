import {
  CODE_SUGGESTIONS_SCOPE,
  GITLAB_REALM_SAAS,
  GITLAB_REALM_SELF_MANAGED,
  LEGACY_CODE_SUGGESTIONS_AUDIENCE,
  type GitlabRealm,
} from '../constants';
import { TokenVerificationError, type TokenVerificationErrorCode } from '../errors';
import { describe, humanTime } from '../time';
import type {
  VerifiedTokenClaims,
  VerifiedTokenHeader,
  VerifiedAiAccessToken,
} from './verified-token';
import type { ResolvedClaimOptions } from './verify-options';

const LEGACY_SCOPES: readonly string[] = Object.freeze([CODE_SUGGESTIONS_SCOPE]);
const EMPTY: readonly string[] = Object.freeze([]);

/**
 * Checks the claims of a token whose signature is already verified, and builds the result.
 * Order: claim types (`ERR_TOKEN_CLAIMS`), issuer, audience, expiry, not-before, scopes; the first
 * failure is thrown.
 *
 * @throws {@link TokenVerificationError}
 * @example
 * ```ts
 * const result = checkClaims(decoded.header, decoded.payload, rules, readClock(rules.now));
 * ```
 */
export function checkClaims(
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
  rules: ResolvedClaimOptions,
  now: Date,
): VerifiedAiAccessToken {
  const exp = own(payload, 'exp');
  if (!isNumericDate(exp)) {
    throw fail(
      'ERR_TOKEN_CLAIMS',
      exp === undefined
        ? 'token has no exp claim; tokens without an expiry are refused'
        : `token exp must be a number of seconds since the epoch; got ${describe(exp)}`,
    );
  }
  const nbf = optionalNumericDate(payload, 'nbf');
  optionalNumericDate(payload, 'iat');
  const iss = optionalString(payload, 'iss');
  const sub = optionalString(payload, 'sub');
  optionalString(payload, 'jti');
  const aud = audienceList(own(payload, 'aud'));
  const realm = gitlabRealm(own(payload, 'gitlab_realm'));
  const claimedScopes = scopeList(own(payload, 'scopes'));
  const instanceId = instanceIdClaim(own(payload, 'gitlab_instance_id'));
  const duoSeatCount = seatCountClaim(own(payload, 'duo_seat_count'));
  const thirdParty = own(payload, 'third_party_ai_features_enabled');
  if (thirdParty !== undefined && typeof thirdParty !== 'boolean') {
    // The gateway reads it by truthiness, so "false" would grant what it seems to refuse.
    throw fail(
      'ERR_TOKEN_CLAIMS',
      `token third_party_ai_features_enabled must be true or false; got ${describe(thirdParty)}`,
    );
  }

  if (rules.issuers !== null && (iss === undefined || !rules.issuers.includes(iss))) {
    throw fail(
      'ERR_TOKEN_ISSUER',
      `token iss is ${iss === undefined ? 'missing' : show(iss)}; expected ${oneOf(rules.issuers)}`,
    );
  }

  const audience = firstAudience(rules.audiences, aud);
  if (audience === undefined) {
    throw fail(
      'ERR_TOKEN_AUDIENCE',
      typeof aud !== 'string' && aud.length === 0
        ? `token has no aud claim; expected ${oneOf(rules.audiences)}`
        : `token aud is ${showList(typeof aud === 'string' ? [aud] : aud)}; expected ${oneOf(rules.audiences)}`,
    );
  }

  // Not truncated: issuers may use fractional NumericDates, and for whole ones it changes nothing.
  const nowSeconds = now.getTime() / 1000;
  const tolerance = rules.clockToleranceSeconds;
  if (nowSeconds >= exp + tolerance) {
    throw fail(
      'ERR_TOKEN_EXPIRED',
      `token expired at ${humanTime(exp, now)}${tolerance > 0 ? ` (clock tolerance ${tolerance} s)` : ''}; mint a new one`,
    );
  }
  if (nbf !== undefined && nbf > nowSeconds + tolerance) {
    throw fail(
      'ERR_TOKEN_NOT_YET_VALID',
      `token is not valid before ${humanTime(nbf, now)}; the issuer's clock may be ahead of this one (see clockToleranceSeconds)`,
    );
  }

  const legacy = audience === LEGACY_CODE_SUGGESTIONS_AUDIENCE;
  const scopes = legacy ? LEGACY_SCOPES : (claimedScopes ?? EMPTY);
  const missing = firstMissing(rules.requiredScopes, scopes);
  if (missing !== undefined) {
    throw fail(
      'ERR_TOKEN_SCOPE',
      `token does not grant scope ${JSON.stringify(missing)}; it grants ${scopes.length === 0 ? 'no scopes' : showList(scopes)}${legacy ? ' (a legacy gitlab-code-suggestions token grants only code_suggestions)' : ''}`,
    );
  }

  return Object.freeze({
    header: Object.freeze(header) as VerifiedTokenHeader,
    claims: Object.freeze(payload) as VerifiedTokenClaims,
    subject: sub,
    issuer: iss,
    gitlabRealm: realm,
    scopes,
    audience,
    legacy,
    instanceId,
    duoSeatCount,
    thirdPartyAiFeaturesEnabled: thirdParty,
  });
}

// Own properties only: a claim named like an Object.prototype member must not read as present.
function own(payload: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(payload, name) ? payload[name] : undefined;
}

// Plain loops, not find() with a closure: these run on every verification.
function firstAudience(
  wanted: readonly string[],
  aud: string | readonly string[],
): string | undefined {
  for (const candidate of wanted) {
    if (typeof aud === 'string' ? aud === candidate : aud.includes(candidate)) return candidate;
  }
  return undefined;
}

function firstMissing(required: readonly string[], granted: readonly string[]): string | undefined {
  for (const scope of required) if (!granted.includes(scope)) return scope;
  return undefined;
}

function allStrings(values: readonly unknown[]): boolean {
  for (const value of values) if (typeof value !== 'string') return false;
  return true;
}

function isNumericDate(value: unknown): value is number {
  // JSON.parse turns 1e400 into Infinity, so finiteness must be checked, not assumed.
  return typeof value === 'number' && Number.isFinite(value);
}

function optionalNumericDate(
  payload: Readonly<Record<string, unknown>>,
  name: string,
): number | undefined {
  const value = own(payload, name);
  if (value === undefined) return undefined;
  if (!isNumericDate(value)) {
    throw fail(
      'ERR_TOKEN_CLAIMS',
      `token ${name} must be a number of seconds since the epoch; got ${describe(value)}`,
    );
  }
  return value;
}

function optionalString(
  payload: Readonly<Record<string, unknown>>,
  name: string,
): string | undefined {
  const value = own(payload, name);
  if (value !== undefined && typeof value !== 'string') {
    throw fail('ERR_TOKEN_CLAIMS', `token ${name} must be a string; got ${describe(value)}`);
  }
  return value;
}

function audienceList(value: unknown): string | readonly string[] {
  if (value === undefined) return EMPTY;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && allStrings(value)) return Object.freeze(value as string[]);
  throw fail(
    'ERR_TOKEN_CLAIMS',
    `token aud must be a string or an array of strings; got ${describe(value)}`,
  );
}

export function gitlabRealm(value: unknown): GitlabRealm {
  if (value === undefined) return GITLAB_REALM_SAAS;
  if (value === GITLAB_REALM_SAAS || value === GITLAB_REALM_SELF_MANAGED) return value;
  throw fail(
    'ERR_TOKEN_CLAIMS',
    `token gitlab_realm must be '${GITLAB_REALM_SAAS}' or '${GITLAB_REALM_SELF_MANAGED}'; got ${describe(value)}`,
  );
}

export function instanceIdClaim(value: unknown): string | undefined {
  if (value === undefined || (typeof value === 'string' && value.length > 0)) return value;
  throw fail(
    'ERR_TOKEN_CLAIMS',
    `token gitlab_instance_id must be a non-empty string; got ${describe(value)}`,
  );
}

// Decimal digits without a leading zero: the one spelling that equals the gateway's header text.
const SEAT_COUNT = /^(?:0|[1-9][0-9]{0,15})$/;

export function seatCountClaim(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && SEAT_COUNT.test(value)) {
    const count = Number(value);
    if (Number.isSafeInteger(count)) return count;
  }
  throw fail(
    'ERR_TOKEN_CLAIMS',
    `token duo_seat_count must be a whole number written as a decimal string, e.g. "7"; got ${describe(value)}`,
  );
}

function scopeList(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  // Frozen in place: it is the claim itself, which the result's claims hold too.
  if (Array.isArray(value) && allStrings(value)) return Object.freeze(value as string[]);
  throw fail(
    'ERR_TOKEN_CLAIMS',
    `token scopes must be an array of strings; got ${describe(value)}`,
  );
}

function oneOf(values: readonly string[]): string {
  return values.length === 1
    ? JSON.stringify(values[0])
    : `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`;
}

// Claims are attacker-chosen: quote them, but cap their length so a message stays a message.
function show(value: string): string {
  return value.length <= 100 ? JSON.stringify(value) : `(a string of ${value.length} characters)`;
}

function showList(values: readonly string[]): string {
  const shown = values.slice(0, 5).map(show).join(', ');
  return values.length > 5 ? `${shown} and ${values.length - 5} more` : shown;
}

function fail(code: TokenVerificationErrorCode, message: string): TokenVerificationError {
  return new TokenVerificationError(code, message);
}
