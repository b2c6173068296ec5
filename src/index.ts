// The public API: flat named exports. Internals under src/ that are not listed here are private.
export {
  AI_GATEWAY_AUDIENCE,
  CODE_SUGGESTIONS_SCOPE,
  ENV_ISSUER,
  ENV_KEY_SCHEDULE_FILE,
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
export { decodeJwt, MAX_TOKEN_LENGTH, type DecodedJwt } from './verify/decode';
export { createAiAccessTokenVerifier, verifyAiAccessToken } from './verify/verify-ai-access-token';
export {
  MAX_CLOCK_TOLERANCE_SECONDS,
  type AiAccessTokenVerifierOptions,
  type VerifyAiAccessTokenOptions,
  type VerifyClaimsOptions,
} from './verify/verify-options';
export type { JsonWebKeyInput, JwksDocument, VerificationKeys } from './verify/verification-keys';
export {
  MAX_VERIFIED_TOKEN_CACHE_ENTRIES,
  type VerifiedTokenCacheOptions,
} from './verify/verified-token-cache';
export type {
  VerifiedAiAccessToken,
  VerifiedTokenClaims,
  VerifiedTokenHeader,
} from './verify/verified-token';
export {
  InvalidEncryptionKeyError,
  InvalidServiceAccessTokenError,
  InvalidStoreOptionError,
  MissingDependencyError,
  NoActiveServiceAccessTokenError,
  ServiceAccessTokenDecryptionError,
  ServiceAccessTokenStoreError,
  type InvalidEncryptionKeyReason,
  type ServiceAccessTokenStoreErrorReason,
} from './errors';
export {
  ServiceAccessToken,
  type ServiceAccessTokenInit,
} from './service-access-token/service-access-token';
export type { ServiceAccessTokenStore } from './service-access-token/store';
export { MemoryServiceAccessTokenStore } from './service-access-token/memory-store';
export {
  DEFAULT_SERVICE_ACCESS_TOKENS_TABLE,
  LEGACY_CODE_SUGGESTIONS_CATEGORY,
  SqliteServiceAccessTokenStore,
  type SqliteServiceAccessTokenStoreOptions,
} from './service-access-token/sqlite-store';
export {
  PostgresServiceAccessTokenStore,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresServiceAccessTokenStoreOptions,
} from './service-access-token/postgres-store';
export { ENV_DB_KEY, type EncryptionKeyInput } from './service-access-token/encryption';
export type { DecryptionErrorHandler } from './service-access-token/row-encryption';
export {
  syncServiceAccessToken,
  type SyncServiceAccessTokenOptions,
  type SyncServiceAccessTokenResult,
} from './service-access-token/sync';
export {
  resolveAccessToken,
  type ResolveAccessTokenOptions,
  type TokenIssuer,
  type TokenIssuerRequest,
} from './resolve-access-token';
// Key publication and discovery (issue 10).
export { JwksFetchError, type JwksFetchReason } from './errors';
export {
  DEFAULT_DISCOVERY_MAX_AGE_SECONDS,
  DEFAULT_JWKS_PATH,
  createDiscoveryHandler,
  type DiscoveryDocument,
  type DiscoveryHandler,
  type DiscoveryHandlerOptions,
} from './discovery/discovery-handler';
export {
  MAX_DOCUMENT_BYTES,
  MAX_KEYS_PER_ISSUER,
  createRemoteKeySet,
  type FetchFunction,
  type RemoteIssuerStatus,
  type RemoteKeySet,
  type RemoteKeySetOptions,
  type RemoteKeySetStatus,
} from './discovery/remote-key-set';
export {
  verifyAiAccessTokenAsync,
  type VerifyAiAccessTokenAsyncOptions,
} from './verify/verify-ai-access-token-async';
// Fast issuance: the token cache (issue 4).
export {
  AiAccessTokenIssuer,
  type AiAccessTokenIssuerOptions,
  type AiAccessTokenIssuerStats,
  type IssuerSigningKeySource,
} from './issuer/ai-access-token-issuer';
export type { IssueRequest } from './issuer/cache-key';
export { InvalidMigrationOptionError } from './errors';
// The gateway's request headers (issue 18).
export { gatewayHeaders, type GatewayHeadersOptions } from './gateway/gateway-headers';
export {
  checkGatewayHeaders,
  type CheckGatewayHeadersOptions,
  type RequestHeaders,
  type SeatCountMismatch,
} from './gateway/check-gateway-headers';
// Key rotation on a schedule (issue 13).
export { InvalidKeyScheduleError, type InvalidKeyScheduleReason } from './errors';
export {
  DEFAULT_PUBLISH_LEAD_SECONDS,
  DEFAULT_RETIRE_AFTER_SECONDS,
  KeySchedule,
  type KeyScheduleEntry,
  type KeyScheduleEvent,
  type KeyScheduleEventType,
  type KeyScheduleOptions,
  type ScheduledKey,
} from './keys/key-schedule';
// The tokens endpoint (issue 19); the framework adapters are the subpaths express, fastify, hono.
export {
  createTokenEndpoint,
  type TokenEndpointHandler,
  type TokenEndpointOptions,
  type TokenEndpointResponse,
  type TokenEndpointUser,
} from './http/token-endpoint';
// Keys that never leave an HSM or KMS: the Signer interface (issue 21). The PKCS#11 signer is in
// 'ai-access-token/pkcs11', so this entry never loads pkcs11js.
export type { Signer } from './keys/signer';
export { AsyncOnlySignerError, Pkcs11Error, SignerError } from './errors';
