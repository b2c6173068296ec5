import {
  AI_GATEWAY_AUDIENCE,
  GITLAB_REALM_SAAS,
  GITLAB_REALM_SELF_MANAGED,
  type GitlabRealm,
} from '../constants';
import { InvalidClaimError } from '../errors';
import type { JsonObject } from '../token/claims';
import { describe } from '../time';

/**
 * What {@link AiAccessTokenIssuer.issue} mints a token for. Two requests with the same subject,
 * the same set of scopes (in any order), realm, audience, instance id, seat count, third-party
 * flag and extra claims (as JSON values, key order ignored) share one cached token.
 *
 * @example
 * ```ts
 * const request: IssueRequest = { subject: 'user-42', scopes: ['duo_chat', 'code_suggestions'] };
 * ```
 */
export interface IssueRequest {
  /** Becomes `sub`. */
  subject: string;
  /** Non-empty list of unique, non-empty feature names; order does not matter. Becomes `scopes`, sorted. */
  scopes: readonly string[];
  /** Becomes `gitlab_realm`. Default `'saas'`. */
  gitlabRealm?: GitlabRealm | undefined;
  /** Becomes `aud`. Default `'gitlab-ai-gateway'`. */
  audience?: string | readonly string[] | undefined;
  /** Becomes `gitlab_instance_id`, as for `AiAccessToken`. */
  instanceId?: string | undefined;
  /** Becomes `duo_seat_count` (a decimal string), as for `AiAccessToken`. */
  duoSeatCount?: number | undefined;
  /** Becomes `third_party_ai_features_enabled`, as for `AiAccessToken`. */
  thirdPartyAiFeaturesEnabled?: boolean | undefined;
  /** More claims, as for `AiAccessToken`. */
  extraClaims?: JsonObject | undefined;
}

/** A request after the cheap shape checks, with its defaults applied and its scopes sorted. */
export interface NormalisedRequest {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly gitlabRealm: GitlabRealm;
  readonly audience: string | readonly string[];
  readonly instanceId: string | undefined;
  readonly duoSeatCount: number | undefined;
  readonly thirdPartyAiFeaturesEnabled: boolean | undefined;
  readonly extraClaims: JsonObject | undefined;
  /** Identifies the token: equal for requests that would mint equal claims under `keyTag`. */
  readonly cacheKey: string;
}

const REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'subject',
  'scopes',
  'gitlabRealm',
  'audience',
  'instanceId',
  'duoSeatCount',
  'thirdPartyAiFeaturesEnabled',
  'extraClaims',
]);

const MAX_CLAIM_DEPTH = 32;

/**
 * Checks a request's shape and derives its cache key, in one pass and without copying claims.
 *
 * The checks are only those that keep the key honest: every input that passes them maps to a
 * distinct key, and a key that a valid request never produces can only miss, so the full rules
 * (empty or duplicate scopes, reserved claim names, …) are enforced by `AiAccessToken` when the
 * token is minted, and a cache hit can never hand out a token for an invalid request.
 *
 * @throws {@link InvalidClaimError} naming the field when the shape is wrong.
 */
export function normaliseRequest(keyTag: string, request: IssueRequest): NormalisedRequest {
  const raw: unknown = request;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidClaimError('request', `request must be an object; got ${describe(raw)}`);
  }
  // Not assertKnownOptions: this runs on every cache hit, and a Set beats Object.keys + includes.
  for (const name in request) {
    if (!REQUEST_FIELDS.has(name)) {
      throw new InvalidClaimError(
        name,
        `unknown request field ${JSON.stringify(name)}; expected one of ${[...REQUEST_FIELDS].join(', ')}`,
      );
    }
  }
  // Typed as unknown: callers without TypeScript send anything, and each check narrows it.
  const fields = request as { readonly [field in keyof IssueRequest]?: unknown };
  const { subject } = fields;
  // Only undefined means "the default", as for AiAccessToken: null is refused.
  const gitlabRealm = fields.gitlabRealm === undefined ? GITLAB_REALM_SAAS : fields.gitlabRealm;
  const audience = fields.audience === undefined ? AI_GATEWAY_AUDIENCE : fields.audience;
  if (typeof subject !== 'string' || subject.length === 0) {
    throw new InvalidClaimError(
      'subject',
      `subject must be a non-empty string; got ${describe(subject)}`,
    );
  }
  const scopes = sortedStrings('scopes', fields.scopes);
  if (gitlabRealm !== GITLAB_REALM_SAAS && gitlabRealm !== GITLAB_REALM_SELF_MANAGED) {
    throw new InvalidClaimError(
      'gitlabRealm',
      `gitlabRealm must be '${GITLAB_REALM_SAAS}' or '${GITLAB_REALM_SELF_MANAGED}'; got ${describe(gitlabRealm)}`,
    );
  }
  if (!isStringOrStrings(audience)) {
    throw new InvalidClaimError(
      'audience',
      `audience must be a non-empty string or a non-empty array of strings; got ${describe(audience)}`,
    );
  }
  // An array audience keeps its order: it is written into `aud` as given.
  const audienceKey =
    audience === AI_GATEWAY_AUDIENCE
      ? 'd'
      : typeof audience === 'string'
        ? `s${lengthPrefixed(audience)}`
        : `a${listKey(audience)}`;
  const { extraClaims } = request;
  // An omitted extraClaims mints the same token as `{}`, so it has the same key.
  const extraKey = extraClaims === undefined ? 'o0:' : claimsKey(extraClaims, ['extraClaims']);
  // Every part is self-delimiting (the key tag ends at the first space, the realm is one letter,
  // strings are length-prefixed and tagged), so distinct requests get distinct
  // keys. The key is built, hashed and compared on every cache hit, so it is kept short: length
  // prefixes instead of JSON.stringify, one letter for the realm and the default audience.
  const realmKey = gitlabRealm === GITLAB_REALM_SAAS ? 's' : 'm';
  const { instanceId, duoSeatCount, thirdPartyAiFeaturesEnabled } = fields;
  // The typed claims come last, each tagged with its own letter, and only when given: the key of
  // a request without them is unchanged.
  let typedKey = '';
  if (instanceId !== undefined) {
    if (typeof instanceId !== 'string') {
      throw new InvalidClaimError(
        'instanceId',
        `instanceId must be a non-empty string; got ${describe(instanceId)}`,
      );
    }
    typedKey += `i${lengthPrefixed(instanceId)}`;
  }
  if (duoSeatCount !== undefined) {
    if (typeof duoSeatCount !== 'number') {
      throw new InvalidClaimError(
        'duoSeatCount',
        `duoSeatCount must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}; got ${describe(duoSeatCount)}`,
      );
    }
    // -0 and 0 mint the same "0", and print the same here.
    typedKey += `c${String(duoSeatCount)};`;
  }
  if (thirdPartyAiFeaturesEnabled !== undefined) {
    if (typeof thirdPartyAiFeaturesEnabled !== 'boolean') {
      throw new InvalidClaimError(
        'thirdPartyAiFeaturesEnabled',
        `thirdPartyAiFeaturesEnabled must be true or false; got ${describe(thirdPartyAiFeaturesEnabled)}`,
      );
    }
    typedKey += thirdPartyAiFeaturesEnabled ? 'T' : 'F';
  }
  const cacheKey = `${keyTag} ${realmKey}${lengthPrefixed(subject)}${audienceKey}${listKey(scopes)}${extraKey}${typedKey}`;
  return {
    subject,
    scopes,
    gitlabRealm,
    audience,
    instanceId,
    duoSeatCount,
    thirdPartyAiFeaturesEnabled,
    extraClaims,
    cacheKey,
  };
}

function lengthPrefixed(value: string): string {
  return `${value.length}:${value}`;
}

function listKey(values: readonly string[]): string {
  let key = `${values.length}:`;
  for (const value of values) key += lengthPrefixed(value);
  return key;
}

function isStringOrStrings(value: unknown): value is string | readonly string[] {
  return (
    typeof value === 'string' ||
    (Array.isArray(value) && (value as unknown[]).every((item) => typeof item === 'string'))
  );
}

function sortedStrings(field: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidClaimError(
      field,
      `${field} must be a non-empty array of strings; got ${describe(value)}`,
    );
  }
  for (const item of value as unknown[]) {
    if (typeof item !== 'string') {
      throw new InvalidClaimError(
        field,
        `${field} must be a non-empty array of strings; it contains ${describe(item)}`,
      );
    }
  }
  const strings = value as string[];
  // Callers usually pass the same literal list each time, often already sorted: skip the copy.
  let previous = '';
  for (const item of strings) {
    if (item < previous) return strings.slice().sort();
    previous = item;
  }
  return strings;
}

/**
 * A canonical, injective text for a JSON value: object keys sorted, so equal values give equal
 * text whatever their key order, and every item tagged and length-prefixed so that different
 * values never share a text. Only what JSON can carry is accepted: a `Date`, `undefined`, a
 * function or a class instance would serialise as something else (or nothing) and could share a
 * key with a different, valid request.
 *
 * `path` holds the segments leading to `value` (`['extraClaims', '.team']`); it is joined only
 * for an error message, because this runs on every cache hit.
 *
 * @throws {@link InvalidClaimError} naming the path of the first value JSON cannot carry.
 */
export function claimsKey(value: unknown, path: string[]): string {
  const fail = (rule: string): never => {
    const name = path.join('');
    throw new InvalidClaimError(name, `${name} must be JSON: ${rule}`);
  };
  if (path.length > MAX_CLAIM_DEPTH + 1) fail(`nested deeper than ${MAX_CLAIM_DEPTH} levels`);
  switch (typeof value) {
    case 'string':
      return `s${lengthPrefixed(value)}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      if (!Number.isFinite(value)) fail(`got ${String(value)}, which JSON cannot represent`);
      // Finite numbers print uniquely; -0 prints as 0, as it does in the token.
      return `n${String(value)};`;
    case 'object': {
      if (value === null) return 'z';
      if (Array.isArray(value)) {
        const items = value as unknown[];
        let key = `a${items.length}:`;
        for (let index = 0; index < items.length; index++) {
          path.push(`[${index}]`);
          key += claimsKey(items[index], path);
          path.pop();
        }
        return key;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) {
        const record = value as Record<string, unknown>;
        const names = Object.keys(record);
        if (names.length > 1) names.sort();
        let key = `o${names.length}:`;
        for (const name of names) {
          path.push(`.${name}`);
          key += `${lengthPrefixed(name)}${claimsKey(record[name], path)}`;
          path.pop();
        }
        return key;
      }
      break;
    }
    default:
      break;
  }
  return fail(`got ${describe(value)}`);
}
