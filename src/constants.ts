/**
 * The audience of every token minted by {@link AiAccessToken}: the AI gateway.
 *
 * @example
 * ```ts
 * import { AI_GATEWAY_AUDIENCE } from 'ai-access-token';
 * AI_GATEWAY_AUDIENCE; // 'gitlab-ai-gateway'
 * ```
 */
export const AI_GATEWAY_AUDIENCE = 'gitlab-ai-gateway';

/**
 * The audience the old `CodeSuggestionsAccessToken` used. Receivers still accept it during the
 * rename; a token verified under it is granted `['code_suggestions']`.
 *
 * @example
 * ```ts
 * import { LEGACY_CODE_SUGGESTIONS_AUDIENCE } from 'ai-access-token';
 * LEGACY_CODE_SUGGESTIONS_AUDIENCE; // 'gitlab-code-suggestions'
 * ```
 */
export const LEGACY_CODE_SUGGESTIONS_AUDIENCE = 'gitlab-code-suggestions';

/**
 * `gitlab_realm` of a token minted by the hosted, multi-tenant deployment.
 *
 * @example
 * ```ts
 * new AiAccessToken({ subject: 'user-1', scopes: ['duo_chat'], gitlabRealm: GITLAB_REALM_SAAS });
 * ```
 */
export const GITLAB_REALM_SAAS = 'saas';

/**
 * `gitlab_realm` of a token used by a customer-run installation.
 *
 * @example
 * ```ts
 * new AiAccessToken({ subject: 'instance-1', scopes: ['duo_chat'], gitlabRealm: GITLAB_REALM_SELF_MANAGED });
 * ```
 */
export const GITLAB_REALM_SELF_MANAGED = 'self-managed';

/**
 * How many seconds before `iat` a token becomes valid (`nbf = iat - 5`), to absorb clock skew.
 *
 * @example
 * ```ts
 * token.payload().nbf === token.payload().iat - NOT_BEFORE_SECONDS; // true
 * ```
 */
export const NOT_BEFORE_SECONDS = 5;

/**
 * Default lifetime of a token in seconds (`exp = iat + 3600`).
 *
 * @example
 * ```ts
 * token.payload().exp === token.payload().iat + EXPIRES_IN_SECONDS; // true with default options
 * ```
 */
export const EXPIRES_IN_SECONDS = 3600;

/**
 * The longest lifetime `expiresIn` accepts, in seconds (one day).
 *
 * @example
 * ```ts
 * new AiAccessToken({ subject: 's', scopes: ['duo_chat'], expiresIn: MAX_EXPIRES_IN_SECONDS });
 * ```
 */
export const MAX_EXPIRES_IN_SECONDS = 86_400;

/**
 * The scope a legacy (`gitlab-code-suggestions`) token stands for, and the default scopes of the
 * deprecated `CodeSuggestionsAccessToken`.
 *
 * @example
 * ```ts
 * new AiAccessToken({ subject: 's', scopes: [CODE_SUGGESTIONS_SCOPE] });
 * ```
 */
export const CODE_SUGGESTIONS_SCOPE = 'code_suggestions';

/**
 * The two realms a token can name in `gitlab_realm`.
 *
 * @example
 * ```ts
 * const realm: GitlabRealm = 'self-managed';
 * ```
 */
export type GitlabRealm = typeof GITLAB_REALM_SAAS | typeof GITLAB_REALM_SELF_MANAGED;

/**
 * Claim names the package owns; `extraClaims` may not set them.
 *
 * @example
 * ```ts
 * RESERVED_CLAIMS.includes('scopes'); // true
 * ```
 */
export const RESERVED_CLAIMS: readonly string[] = Object.freeze([
  'jti',
  'aud',
  'iss',
  'sub',
  'iat',
  'nbf',
  'exp',
  'gitlab_realm',
  'scopes',
]);

/**
 * Environment variable read when `issuer` is not given.
 *
 * @example
 * ```ts
 * process.env[ENV_ISSUER] = 'https://gitlab.example.com';
 * ```
 */
export const ENV_ISSUER = 'AI_ACCESS_TOKEN_ISSUER';
/**
 * Environment variable holding a PEM private key, read when `signingKey` is not given.
 *
 * @example
 * ```ts
 * process.env[ENV_SIGNING_KEY] = fs.readFileSync('signing-key.pem', 'utf8');
 * ```
 */
export const ENV_SIGNING_KEY = 'AI_ACCESS_TOKEN_SIGNING_KEY';
/**
 * Environment variable holding the path of a PEM private key file, read when `signingKey` is not
 * given and {@link ENV_SIGNING_KEY} is unset.
 *
 * @example
 * ```ts
 * process.env[ENV_SIGNING_KEY_FILE] = '/etc/ai-gateway/signing-key.pem';
 * ```
 */
export const ENV_SIGNING_KEY_FILE = 'AI_ACCESS_TOKEN_SIGNING_KEY_FILE';
/**
 * Environment variable holding the path of a key schedule file (see `KeySchedule.fromFile`), read
 * when `signingKey` is not given. It takes precedence over {@link ENV_SIGNING_KEY} and
 * {@link ENV_SIGNING_KEY_FILE}: a schedule is how keys rotate, and a leftover single-key variable
 * must not silently stop a rotation.
 *
 * @example
 * ```ts
 * process.env[ENV_KEY_SCHEDULE_FILE] = '/etc/ai-gateway/key-schedule.json';
 * ```
 */
export const ENV_KEY_SCHEDULE_FILE = 'AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE';
