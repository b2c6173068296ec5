import type { KeyObject } from 'node:crypto';
import type { v4 as UuidV4 } from 'uuid';
import {
  AI_GATEWAY_AUDIENCE,
  ENV_ISSUER,
  EXPIRES_IN_SECONDS,
  GITLAB_REALM_SAAS,
  GITLAB_REALM_SELF_MANAGED,
  MAX_EXPIRES_IN_SECONDS,
  RESERVED_CLAIMS,
  type GitlabRealm,
} from '../constants';
import { InvalidClaimError } from '../errors';
import { KeyRing } from '../keys/key-ring';
import { KeySchedule } from '../keys/key-schedule';
import { checkSigner, looksLikeSigner, type Signer } from '../keys/signer';
import { parsePemCached, SigningKey } from '../keys/signing-key';
import { assertKnownOptions, functionOption, wholeNumberOption } from '../option-checks';
import { describe, systemClock, type Clock } from '../time';
import type { JsonObject, JsonValue } from './claims';

/**
 * Anything `AiAccessToken` can sign with: a {@link SigningKey}, any other {@link Signer} (an HSM
 * or KMS key; mint with `encodedAsync()`), a {@link KeyRing} (its current key signs), a {@link KeySchedule} (the key it has signing at the token's `iat`), PEM text, or a
 * private `crypto.KeyObject`. Prefer a `SigningKey`, `KeyRing` or `KeySchedule` built once at
 * start-up.
 *
 * @example
 * ```ts
 * const key: SigningKeyInput = SigningKey.fromEnv();
 * ```
 */
export type SigningKeyInput =
  SigningKey | Signer | KeyRing<Signer> | KeySchedule<Signer> | string | KeyObject;

/**
 * Options of `new AiAccessToken(options)`.
 *
 * @example
 * ```ts
 * const options: AiAccessTokenOptions = {
 *   subject: 'user-42',
 *   scopes: ['code_suggestions', 'duo_chat'],
 *   issuer: 'https://gitlab.example.com',
 *   signingKey: SigningKey.fromEnv(),
 * };
 * ```
 */
export interface AiAccessTokenOptions {
  /** Who the token is for (a user or instance id). Becomes `sub`. */
  subject: string;
  /** Non-empty list of unique, non-empty feature names. Becomes `scopes`. */
  scopes: readonly string[];
  /** Becomes `iss`. Default: the `AI_ACCESS_TOKEN_ISSUER` environment variable. */
  issuer?: string | undefined;
  /**
   * The key that signs. Default: the environment's, read when the token is encoded:
   * `AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE` (a key schedule), else `AI_ACCESS_TOKEN_SIGNING_KEY` (PEM
   * text), else `AI_ACCESS_TOKEN_SIGNING_KEY_FILE` (path).
   */
  signingKey?: SigningKeyInput | undefined;
  /** Becomes `gitlab_realm`. Default `'saas'`. */
  gitlabRealm?: GitlabRealm | undefined;
  /** Becomes `aud`. Default `'gitlab-ai-gateway'`. */
  audience?: string | readonly string[] | undefined;
  /** Lifetime in whole seconds, 1 to 86400. Default 3600. */
  expiresIn?: number | undefined;
  /**
   * The instance the token is for. Becomes `gitlab_instance_id`, which later gateways compare
   * with the `X-Gitlab-Instance-Id` request header (see `gatewayHeaders`). A non-empty string.
   */
  instanceId?: string | undefined;
  /**
   * The instance's number of Duo seats, a whole number from 0. Becomes `duo_seat_count` as a
   * decimal string (`7` → `"7"`): later gateways hold the claim as text and compare it with the
   * `X-Gitlab-Duo-Seat-Count` header, so a JSON number would never match.
   */
  duoSeatCount?: number | undefined;
  /** Whether third-party AI features are enabled. Becomes `third_party_ai_features_enabled`, a JSON boolean. */
  thirdPartyAiFeaturesEnabled?: boolean | undefined;
  /**
   * More claims. Refused: names the package owns (`jti`, `aud`, `iss`, `sub`, `iat`, `nbf`,
   * `exp`, `gitlab_realm`, `scopes`), the claims of the typed options above
   * (`gitlab_instance_id`, `duo_seat_count`, `third_party_ai_features_enabled`), and `at_hash`,
   * which makes the gateway's JWT library reject the token.
   */
  extraClaims?: JsonObject | undefined;
  /** The clock. Default: the real one. */
  now?: Clock | undefined;
  /** Produces `jti`. Default: a random UUID (v4). */
  generateId?: (() => string) | undefined;
}

/** Options after validation: every default applied, every value checked and frozen. */
export interface ResolvedTokenOptions {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly issuer: string;
  readonly signingKey: Signer | KeyRing<Signer> | KeySchedule<Signer> | null;
  readonly gitlabRealm: GitlabRealm;
  readonly audience: string | readonly string[];
  readonly expiresIn: number;
  readonly instanceId: string | undefined;
  /** The claim's text form, e.g. `"7"`. */
  readonly duoSeatCount: string | undefined;
  readonly thirdPartyAiFeaturesEnabled: boolean | undefined;
  readonly extraClaims: Readonly<JsonObject>;
  readonly now: Clock;
  readonly generateId: () => string;
}

const OPTION_NAMES: readonly string[] = Object.freeze([
  'subject',
  'scopes',
  'issuer',
  'signingKey',
  'gitlabRealm',
  'audience',
  'expiresIn',
  'instanceId',
  'duoSeatCount',
  'thirdPartyAiFeaturesEnabled',
  'extraClaims',
  'now',
  'generateId',
]);

const MAX_CLAIM_DEPTH = 32;

/**
 * Claims a typed option writes, with that option: `extraClaims` may not set them, so each has one
 * checked spelling (a string `"false"` would read as true at the gateway).
 */
export const TYPED_CLAIM_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  gitlab_instance_id: 'instanceId',
  duo_seat_count: 'duoSeatCount',
  third_party_ai_features_enabled: 'thirdPartyAiFeaturesEnabled',
});

/**
 * Claim names that make the gateway's JWT library (python-jose) reject a token it would
 * otherwise accept. Its `jwt.decode` validates `iat`, `nbf`, `exp` (must be numbers), `aud`
 * (string or list of strings), `sub` and `jti` (strings) and `at_hash`; the others are
 * claims the package owns already. `at_hash` fails always: the gateway passes no access token
 * for it to be compared with.
 */
export const RECEIVER_REJECTED_CLAIMS: readonly string[] = Object.freeze(['at_hash']);

/** Validates every option once, at construction, and applies the defaults. */
export function resolveTokenOptions(
  options: AiAccessTokenOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedTokenOptions {
  assertKnownOptions(options, OPTION_NAMES);
  return {
    subject: nonEmptyString('subject', options.subject),
    scopes: stringList('scopes', options.scopes),
    issuer: resolveIssuer(options.issuer, env),
    signingKey: resolveSigningKey(options.signingKey),
    gitlabRealm: resolveRealm(options.gitlabRealm),
    audience: resolveAudience(options.audience),
    expiresIn: wholeNumberOption(
      'expiresIn',
      options.expiresIn,
      EXPIRES_IN_SECONDS,
      1,
      MAX_EXPIRES_IN_SECONDS,
      'seconds',
    ),
    instanceId:
      options.instanceId === undefined
        ? undefined
        : nonEmptyString('instanceId', options.instanceId),
    duoSeatCount: resolveSeatCount(options.duoSeatCount),
    thirdPartyAiFeaturesEnabled: optionalBoolean(
      'thirdPartyAiFeaturesEnabled',
      options.thirdPartyAiFeaturesEnabled,
    ),
    extraClaims: resolveExtraClaims(options.extraClaims),
    now: functionOption('now', options.now) ?? systemClock,
    generateId: functionOption('generateId', options.generateId) ?? randomJwtId,
  };
}

function nonEmptyString(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidClaimError(
      option,
      `${option} must be a non-empty string; got ${describe(value)}`,
    );
  }
  return value;
}

function resolveSeatCount(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidClaimError(
      'duoSeatCount',
      `duoSeatCount must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}; got ${describe(value)}`,
    );
  }
  // -0 passes isSafeInteger; String(-0) is "0", the text the gateway's header would carry.
  return String(value);
}

function optionalBoolean(option: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidClaimError(
    option,
    `${option} must be true or false; got ${describe(value)}${typeof value === 'string' ? ' (a string, which the gateway would read as true)' : ''}`,
  );
}

function stringList(option: string, value: unknown): readonly string[] {
  const rule = `${option} must be a non-empty array of strings`;
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidClaimError(option, `${rule}; got ${describe(value)}`);
  }
  const seen = new Set<string>();
  for (const [index, item] of (value as unknown[]).entries()) {
    if (typeof item !== 'string' || item.length === 0) {
      throw new InvalidClaimError(
        option,
        `${rule}; ${option}[${index}] is ${describe(item)}, not a non-empty string`,
      );
    }
    if (seen.has(item)) {
      throw new InvalidClaimError(
        option,
        `${rule} without duplicates; ${JSON.stringify(item)} appears twice`,
      );
    }
    seen.add(item);
  }
  return Object.freeze([...seen]);
}

function resolveIssuer(value: unknown, env: NodeJS.ProcessEnv): string {
  if (value !== undefined) return nonEmptyString('issuer', value);
  const fromEnv = env[ENV_ISSUER];
  if (fromEnv === undefined || fromEnv === '') {
    throw new InvalidClaimError(
      'issuer',
      `issuer must be a non-empty string; pass issuer or set ${ENV_ISSUER}`,
    );
  }
  return fromEnv;
}

function resolveSigningKey(
  value: SigningKeyInput | undefined,
): Signer | KeyRing<Signer> | KeySchedule<Signer> | null {
  if (value === undefined) return null;
  if (value instanceof SigningKey || value instanceof KeyRing || value instanceof KeySchedule) {
    return value;
  }
  if (typeof value === 'string') return parsePemCached(value);
  if (looksLikeSigner(value)) {
    checkSigner(value);
    return value;
  }
  return SigningKey.fromKeyObject(value);
}

function resolveRealm(value: unknown): GitlabRealm {
  if (value === undefined) return GITLAB_REALM_SAAS;
  if (value === GITLAB_REALM_SAAS || value === GITLAB_REALM_SELF_MANAGED) return value;
  throw new InvalidClaimError(
    'gitlabRealm',
    `gitlabRealm must be '${GITLAB_REALM_SAAS}' or '${GITLAB_REALM_SELF_MANAGED}'; got ${describe(value)}`,
  );
}

function resolveAudience(value: unknown): string | readonly string[] {
  if (value === undefined) return AI_GATEWAY_AUDIENCE;
  if (typeof value === 'string') return nonEmptyString('audience', value);
  if (Array.isArray(value)) return stringList('audience', value);
  throw new InvalidClaimError(
    'audience',
    `audience must be a non-empty string or a non-empty array of strings; got ${describe(value)}`,
  );
}

function resolveExtraClaims(value: unknown): Readonly<JsonObject> {
  if (value === undefined) return Object.freeze({});
  if (!isPlainObject(value)) {
    throw new InvalidClaimError(
      'extraClaims',
      `extraClaims must be a plain JSON object; got ${describe(value)}`,
    );
  }
  for (const name of Object.keys(value)) {
    const typedOption = Object.hasOwn(TYPED_CLAIM_OPTIONS, name)
      ? TYPED_CLAIM_OPTIONS[name]
      : undefined;
    if (typedOption !== undefined) {
      throw new InvalidClaimError(
        `extraClaims.${name}`,
        `extraClaims must not set ${JSON.stringify(name)}: use the typed option ${typedOption}, which checks its type`,
      );
    }
    if (RECEIVER_REJECTED_CLAIMS.includes(name)) {
      throw new InvalidClaimError(
        `extraClaims.${name}`,
        `extraClaims must not set ${JSON.stringify(name)}: the gateway's JWT library rejects a token carrying it (it expects an access token to compare it with)`,
      );
    }
    if (RESERVED_CLAIMS.includes(name)) {
      throw new InvalidClaimError(
        `extraClaims.${name}`,
        `extraClaims must not set ${JSON.stringify(name)}: the package owns ${RESERVED_CLAIMS.join(', ')}`,
      );
    }
  }
  assertJson('extraClaims', value, 0, new Set());
  return deepFreeze(JSON.parse(JSON.stringify(value)) as JsonObject);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function assertJson(
  path: string,
  value: unknown,
  depth: number,
  ancestors: Set<object>,
): asserts value is JsonValue {
  const fail = (rule: string): never => {
    throw new InvalidClaimError(path, `${path} must be JSON: ${rule}`);
  };
  if (depth > MAX_CLAIM_DEPTH) fail(`nested deeper than ${MAX_CLAIM_DEPTH} levels`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(`got ${String(value)}, which JSON cannot represent`);
      return;
    case 'object': {
      if (value === null) return;
      if (ancestors.has(value)) fail('it refers to itself');
      ancestors.add(value);
      if (Array.isArray(value)) {
        value.forEach((item, index) => {
          assertJson(`${path}[${index}]`, item, depth + 1, ancestors);
        });
      } else if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) {
          assertJson(`${path}.${key}`, item, depth + 1, ancestors);
        }
      } else {
        fail(
          `got ${describe(value)}; only plain objects, arrays, strings, finite numbers, booleans and null`,
        );
      }
      ancestors.delete(value);
      return;
    }
    default:
      fail(
        `got ${describe(value)}; only plain objects, arrays, strings, finite numbers, booleans and null`,
      );
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

let uuidv4: typeof UuidV4 | undefined;

// uuid's entry loads every version it implements (21 files); required at the first mint that
// needs a jti rather than when the package is imported.
function randomJwtId(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  uuidv4 ??= (require('uuid') as { v4: typeof UuidV4 }).v4;
  return uuidv4();
}
