// The public API: flat named exports. Internals under src/ that are not listed here are private.
export {
  AI_GATEWAY_AUDIENCE,
  CODE_SUGGESTIONS_SCOPE,
  ENV_ISSUER,
  ENV_SIGNING_KEY,
  ENV_SIGNING_KEY_FILE,
  EXPIRES_IN_SECONDS,
  GITLAB_REALM_SAAS,
  GITLAB_REALM_SELF_MANAGED,
  LEGACY_CODE_SUGGESTIONS_AUDIENCE,
  MAX_EXPIRES_IN_SECONDS,
  NOT_BEFORE_SECONDS,
  RESERVED_CLAIMS,
  type GitlabRealm,
} from './constants';
export {
  AiAccessTokenError,
  InvalidClaimError,
  InvalidSigningKeyError,
  NoSigningKeyError,
  TokenVerificationError,
  type AiAccessTokenErrorCode,
  type InvalidSigningKeyReason,
  type TokenVerificationErrorCode,
} from './errors';
export type { Clock } from './time';
export type { Jwks, PublicJwk } from './keys/jwk';
export {
  SigningKey,
  type FromPemOptions,
  type GenerateSigningKeyOptions,
} from './keys/signing-key';
export { KeyRing, jwks } from './keys/key-ring';
export type {
  AiAccessTokenHeader,
  AiAccessTokenPayload,
  JsonObject,
  JsonValue,
} from './token/claims';
export type { AiAccessTokenOptions, SigningKeyInput } from './token/options';
export { AiAccessToken } from './token/ai-access-token';
export {
  CODE_SUGGESTIONS_ACCESS_TOKEN_DEPRECATION_CODE,
  CodeSuggestionsAccessToken,
  type CodeSuggestionsAccessTokenOptions,
} from './token/code-suggestions-access-token';
