/**
 * Every `code` an {@link AiAccessTokenError} can carry. Codes are part of the semver contract;
 * messages are not.
 *
 * @example
 * ```ts
 * function describe(code: AiAccessTokenErrorCode): string {
 *   switch (code) {
 *     case 'ERR_TOKEN_EXPIRED': return 'log in again';
 *     default: return code;
 *   }
 * }
 * ```
 */
export type AiAccessTokenErrorCode =
  | 'ERR_INVALID_CLAIM'
  | 'ERR_NO_SIGNING_KEY'
  | 'ERR_INVALID_SIGNING_KEY'
  | TokenVerificationErrorCode;

/**
 * Codes of {@link TokenVerificationError}: why a token was rejected.
 *
 * @example
 * ```ts
 * const retryable: TokenVerificationErrorCode[] = ['ERR_TOKEN_EXPIRED', 'ERR_TOKEN_NOT_YET_VALID'];
 * ```
 */
export type TokenVerificationErrorCode =
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_ALGORITHM'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_AUDIENCE'
  | 'ERR_TOKEN_ISSUER'
  | 'ERR_TOKEN_SCOPE'
  | 'ERR_TOKEN_CLAIMS';

/**
 * Base class of every error this package throws on purpose. Match on `code`, which is stable
 * across releases, rather than on the message.
 *
 * @example
 * ```ts
 * try {
 *   token.encoded();
 * } catch (error) {
 *   if (error instanceof AiAccessTokenError && error.code === 'ERR_NO_SIGNING_KEY') {
 *     // configure AI_ACCESS_TOKEN_SIGNING_KEY
 *   }
 * }
 * ```
 */
export class AiAccessTokenError extends Error {
  /** A stable, machine-readable identifier of the failure. */
  readonly code: AiAccessTokenErrorCode;

  constructor(code: AiAccessTokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * An option given to `AiAccessToken` (or a claim it would produce) breaks a rule. The message
 * names the option and the rule; `option` names the option alone.
 *
 * @example
 * ```ts
 * try {
 *   new AiAccessToken({ subject: 'user-1', scopes: [] });
 * } catch (error) {
 *   // InvalidClaimError: scopes must be a non-empty array of strings; got []
 *   if (error instanceof InvalidClaimError) console.log(error.option); // 'scopes'
 * }
 * ```
 */
export class InvalidClaimError extends AiAccessTokenError {
  /** The option at fault, e.g. `'scopes'` or `'extraClaims.team'`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super('ERR_INVALID_CLAIM', message);
    this.option = option;
  }
}

/**
 * `encoded()` was called, but no signing key was given and none is configured in the environment.
 *
 * @example
 * ```ts
 * const token = new AiAccessToken({ subject: 'user-1', scopes: ['duo_chat'], issuer: 'https://gitlab.example.com' });
 * token.payload(); // works without a key
 * token.encoded(); // throws NoSigningKeyError when AI_ACCESS_TOKEN_SIGNING_KEY(_FILE) is unset
 * ```
 */
export class NoSigningKeyError extends AiAccessTokenError {
  constructor(message: string) {
    super('ERR_NO_SIGNING_KEY', message);
  }
}

/**
 * Why a key was refused as a signing key.
 *
 * @example
 * ```ts
 * const reason: InvalidSigningKeyReason = 'too-small';
 * ```
 */
export type InvalidSigningKeyReason =
  | 'malformed'
  | 'public-key'
  | 'secret-key'
  | 'not-rsa'
  | 'too-small'
  | 'passphrase-required'
  | 'wrong-passphrase'
  | 'unreadable-file';

/**
 * A key cannot sign RS256 tokens: it is not an RSA private key of at least 2048 bits, or cannot be
 * read. `reason` says which. The message never contains key material.
 *
 * @example
 * ```ts
 * try {
 *   SigningKey.fromPem(publicPem);
 * } catch (error) {
 *   if (error instanceof InvalidSigningKeyError) console.log(error.reason); // 'public-key'
 * }
 * ```
 */
export class InvalidSigningKeyError extends AiAccessTokenError {
  /** Which rule the key broke. */
  readonly reason: InvalidSigningKeyReason;

  constructor(reason: InvalidSigningKeyReason, message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_SIGNING_KEY', message, options);
    this.reason = reason;
  }
}

/**
 * A token was rejected by the verifier. `code` says why.
 *
 * @example
 * ```ts
 * try {
 *   verifyAiAccessToken(token, { keys: jwks });
 * } catch (error) {
 *   if (error instanceof TokenVerificationError && error.code === 'ERR_TOKEN_EXPIRED') {
 *     // mint a new one
 *   }
 * }
 * ```
 */
export class TokenVerificationError extends AiAccessTokenError {
  declare readonly code: TokenVerificationErrorCode;

  // Not useless: it narrows `code` to the verification codes.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: TokenVerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
