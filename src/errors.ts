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
  | 'ERR_JWKS_FETCH'
  | 'ERR_INVALID_SERVICE_ACCESS_TOKEN'
  | 'ERR_NO_ACTIVE_SERVICE_ACCESS_TOKEN'
  | 'ERR_SERVICE_ACCESS_TOKEN_DECRYPTION'
  | 'ERR_SERVICE_ACCESS_TOKEN_STORE'
  | 'ERR_INVALID_STORE_OPTION'
  | 'ERR_INVALID_ENCRYPTION_KEY'
  | 'ERR_MISSING_DEPENDENCY'
  | 'ERR_INVALID_MIGRATION_OPTION'
  | 'ERR_INVALID_KEY_SCHEDULE'
  | 'ERR_ASYNC_ONLY_SIGNER'
  | 'ERR_SIGNER'
  | 'ERR_PKCS11'
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
  | 'ERR_TOKEN_CLAIMS'
  | 'ERR_TOKEN_HEADER_MISMATCH';

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

/**
 * A service access token, or the time it is checked against, breaks a rule: the token is not a
 * non-empty string, `expiresAt` is not a valid `Date`, or a token given to
 * `syncServiceAccessToken` has already expired. `option` names the value at fault.
 *
 * @example
 * ```ts
 * try {
 *   await syncServiceAccessToken(store, { token, expiresAt: new Date('2020-01-01') });
 * } catch (error) {
 *   if (error instanceof InvalidServiceAccessTokenError) console.log(error.option); // 'expiresAt'
 * }
 * ```
 */
export class InvalidServiceAccessTokenError extends AiAccessTokenError {
  /** The value at fault: `'token'`, `'expiresAt'` or `'now'`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super('ERR_INVALID_SERVICE_ACCESS_TOKEN', message);
    this.option = option;
  }
}

/**
 * A self-managed instance has no active service access token: none was stored, or every stored
 * one has expired. Run the sync job that fetches a new one from the licensing service.
 *
 * @example
 * ```ts
 * try {
 *   await resolveAccessToken({ gitlabRealm: 'self-managed', store, subject, scopes });
 * } catch (error) {
 *   if (error instanceof NoActiveServiceAccessTokenError) scheduleSync();
 * }
 * ```
 */
export class NoActiveServiceAccessTokenError extends AiAccessTokenError {
  constructor(message: string) {
    super('ERR_NO_ACTIVE_SERVICE_ACCESS_TOKEN', message);
  }
}

/**
 * A stored service access token cannot be decrypted: the encryption key is not the one it was
 * stored with, or the row was modified. AES-256-GCM authenticates every row, so this error is
 * thrown instead of ever returning a garbled token.
 *
 * @example
 * ```ts
 * try {
 *   await store.latestActive();
 * } catch (error) {
 *   if (error instanceof ServiceAccessTokenDecryptionError) alert('check AI_ACCESS_TOKEN_DB_KEY');
 * }
 * ```
 */
export class ServiceAccessTokenDecryptionError extends AiAccessTokenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SERVICE_ACCESS_TOKEN_DECRYPTION', message, options);
  }
}

/**
 * Why a service access token store refused to work.
 *
 * @example
 * ```ts
 * const reason: ServiceAccessTokenStoreErrorReason = 'closed';
 * ```
 */
export type ServiceAccessTokenStoreErrorReason = 'closed' | 'schema' | 'database';

/**
 * A service access token store cannot serve the call: it was closed (`reason: 'closed'`), its
 * table lacks a column the store needs or does not exist (`reason: 'schema'`), or the database
 * failed the operation, for instance when the connection was lost while it ran (`reason:
 * 'database'`, the driver's error as `cause`).
 *
 * @example
 * ```ts
 * await store.close();
 * await store.latestActive(); // rejects with ServiceAccessTokenStoreError, reason 'closed'
 * ```
 */
export class ServiceAccessTokenStoreError extends AiAccessTokenError {
  /** Which rule was broken. */
  readonly reason: ServiceAccessTokenStoreErrorReason;

  constructor(
    reason: ServiceAccessTokenStoreErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_SERVICE_ACCESS_TOKEN_STORE', message, options);
    this.reason = reason;
  }
}

/**
 * An option of a service access token store (or the `store` given to `resolveAccessToken` or
 * `syncServiceAccessToken`) breaks a rule. `option` names it.
 *
 * @example
 * ```ts
 * try {
 *   new SqliteServiceAccessTokenStore({ filename: 'tokens.db', tableName: 'tokens; DROP TABLE x' });
 * } catch (error) {
 *   if (error instanceof InvalidStoreOptionError) console.log(error.option); // 'tableName'
 * }
 * ```
 */
export class InvalidStoreOptionError extends AiAccessTokenError {
  /** The option at fault, e.g. `'tableName'`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super('ERR_INVALID_STORE_OPTION', message);
    this.option = option;
  }
}

/**
 * Why an encryption key was refused.
 *
 * @example
 * ```ts
 * const reason: InvalidEncryptionKeyReason = 'wrong-length';
 * ```
 */
export type InvalidEncryptionKeyReason = 'missing' | 'malformed' | 'wrong-length';

/**
 * The key that encrypts stored service access tokens is missing (no `encryptionKey` option and no
 * `AI_ACCESS_TOKEN_DB_KEY`), is not base64 text or a Buffer, or is not exactly 32 bytes. Thrown at
 * construction; the message never contains the key.
 *
 * @example
 * ```ts
 * try {
 *   new SqliteServiceAccessTokenStore({ filename: 'tokens.db', encryptionKey: Buffer.alloc(16) });
 * } catch (error) {
 *   if (error instanceof InvalidEncryptionKeyError) console.log(error.reason); // 'wrong-length'
 * }
 * ```
 */
export class InvalidEncryptionKeyError extends AiAccessTokenError {
  /** Which rule the key broke. */
  readonly reason: InvalidEncryptionKeyReason;

  constructor(reason: InvalidEncryptionKeyReason, message: string) {
    super('ERR_INVALID_ENCRYPTION_KEY', message);
    this.reason = reason;
  }
}

/**
 * An optional peer dependency is needed but cannot be loaded. The message says what to install,
 * e.g. `npm install better-sqlite3@12`; `packageName` names the package.
 *
 * @example
 * ```ts
 * try {
 *   new SqliteServiceAccessTokenStore({ filename: 'tokens.db' });
 * } catch (error) {
 *   if (error instanceof MissingDependencyError) console.log(error.packageName); // 'better-sqlite3'
 * }
 * ```
 */
export class MissingDependencyError extends AiAccessTokenError {
  /** The package to install. */
  readonly packageName: string;

  constructor(packageName: string, message: string, options?: { cause?: unknown }) {
    super('ERR_MISSING_DEPENDENCY', message, options);
    this.packageName = packageName;
  }
}

/**
 * Why a remote key set could not provide keys.
 *
 * @example
 * ```ts
 * const reason: JwksFetchReason = 'timeout';
 * ```
 */
export type JwksFetchReason =
  | 'timeout'
  | 'network'
  | 'http-status'
  | 'too-large'
  | 'invalid-json'
  | 'invalid-document'
  | 'issuer-mismatch'
  | 'no-keys';

/**
 * A remote key set could not get keys from an issuer: discovery or JWKS timed out, failed,
 * answered garbage or named another issuer (`reason` says which; `url` is the URL at fault).
 * Passed to `onError` while older keys are still in use; `verifyAiAccessTokenAsync` rejects with
 * it (reason `'no-keys'`, that issuer's last failure as `cause`) when the token's issuer has no
 * key at all, or no cached key with the token's `kid` while its last fetch failed.
 * It means "cannot verify now" (answer 503), not "bad token" (401).
 *
 * @example
 * ```ts
 * try {
 *   await verifyAiAccessTokenAsync(token, { keys: remoteKeys });
 * } catch (error) {
 *   if (error instanceof JwksFetchError) reply(503); // No keys found in JWKS; are OIDC providers up?
 * }
 * ```
 */
export class JwksFetchError extends AiAccessTokenError {
  declare readonly code: 'ERR_JWKS_FETCH';
  /** What went wrong. */
  readonly reason: JwksFetchReason;
  /** The discovery or JWKS URL at fault, or the issuer; `undefined` for `'no-keys'`. */
  readonly url: string | undefined;

  constructor(
    reason: JwksFetchReason,
    message: string,
    options?: { cause?: unknown; url?: string | undefined },
  ) {
    super('ERR_JWKS_FETCH', message, options);
    this.reason = reason;
    this.url = options?.url;
  }
}

/**
 * An option of the migration codemod (`runMigration`, `ai-access-token migrate`) breaks a rule:
 * no paths, a path that does not exist, or a malformed extension. `option` names it.
 *
 * @example
 * ```ts
 * try {
 *   await runMigration({ paths: ['no-such-dir'] }, io);
 * } catch (error) {
 *   if (error instanceof InvalidMigrationOptionError) console.log(error.option); // 'paths'
 * }
 * ```
 */
export class InvalidMigrationOptionError extends AiAccessTokenError {
  /** The option at fault: `'paths'` or `'extensions'`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super('ERR_INVALID_MIGRATION_OPTION', message);
    this.option = option;
  }
}

/**
 * Why a key schedule was refused.
 *
 * @example
 * ```ts
 * const reason: InvalidKeyScheduleReason = 'duplicate-kid';
 * ```
 */
export type InvalidKeyScheduleReason =
  | 'empty'
  | 'invalid-entry'
  | 'invalid-key'
  | 'invalid-time'
  | 'duplicate-kid'
  | 'duplicate-time'
  | 'unreadable-file'
  | 'invalid-file';

/**
 * A key schedule (`new KeySchedule(entries)`, `KeySchedule.fromFile`) breaks a rule: no entries,
 * an entry that is not `{ key, activatesAt }`, a key that is not a `SigningKey` (or a key file that
 * is not a usable private key), a time that is not an ISO 8601 time with a zone, two entries with
 * the same key or the same time, or a schedule file that cannot be read or is not a JSON array.
 * `entry` is the index of the entry at fault; the message names it (and the file), never key material.
 *
 * @example
 * ```ts
 * try {
 *   new KeySchedule([{ key, activatesAt: '2026-12-01' }]);
 * } catch (error) {
 *   if (error instanceof InvalidKeyScheduleError) console.log(error.reason, error.entry); // 'invalid-time' 0
 * }
 * ```
 */
export class InvalidKeyScheduleError extends AiAccessTokenError {
  /** Which rule was broken. */
  readonly reason: InvalidKeyScheduleReason;
  /** Index of the entry at fault, or `undefined` when the schedule as a whole is. */
  readonly entry: number | undefined;

  constructor(
    reason: InvalidKeyScheduleReason,
    message: string,
    options?: { cause?: unknown; entry?: number | undefined },
  ) {
    super('ERR_INVALID_KEY_SCHEDULE', message, options);
    this.reason = reason;
    this.entry = options?.entry;
  }
}

/**
 * `encoded()` (or another synchronous path) was asked to sign with a `Signer` that signs
 * only asynchronously (an HSM, a cloud KMS). Use `encodedAsync()` or `issueAsync()` instead.
 *
 * @example
 * ```ts
 * try {
 *   token.encoded();
 * } catch (error) {
 *   if (error instanceof AsyncOnlySignerError) await token.encodedAsync();
 * }
 * ```
 */
export class AsyncOnlySignerError extends AiAccessTokenError {
  /** The `kid` of the signer. */
  readonly kid: string;

  constructor(kid: string, message: string) {
    super('ERR_ASYNC_ONLY_SIGNER', message);
    this.kid = kid;
  }
}

/**
 * A `Signer` broke its contract: its `sign()` rejected, or returned something that is not
 * an RS256 signature of its key's length. The signer's own error, if any, is the `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await token.encodedAsync();
 * } catch (error) {
 *   if (error instanceof SignerError) console.log(error.kid, error.cause);
 * }
 * ```
 */
export class SignerError extends AiAccessTokenError {
  /** The `kid` of the signer. */
  readonly kid: string;

  constructor(kid: string, message: string, options?: { cause?: unknown }) {
    super('ERR_SIGNER', message, options);
    this.kid = kid;
  }
}

/**
 * A PKCS#11 call failed. `returnValue` is the PKCS#11 return value's name (`CKR_PIN_INCORRECT`,
 * `CKR_KEY_HANDLE_INVALID`, …), or a name of this package's for failures that are not one
 * (`CKR_TOKEN_NOT_PRESENT` when no token has the label, `KEY_NOT_FOUND`, `SIGNER_CLOSED`).
 * `operation` names what was being done. The message never contains the PIN.
 *
 * @example
 * ```ts
 * try {
 *   await openPkcs11Signer({ module, tokenLabel: 'issuer', pin, keyLabel: 'signing' });
 * } catch (error) {
 *   if (error instanceof Pkcs11Error && error.returnValue === 'CKR_PIN_INCORRECT') process.exit(2);
 * }
 * ```
 */
export class Pkcs11Error extends AiAccessTokenError {
  /** The PKCS#11 return value's name, e.g. `CKR_PIN_INCORRECT`, or `KEY_NOT_FOUND`/`SIGNER_CLOSED`. */
  readonly returnValue: string;
  /** What was being done, e.g. `C_Login` or `find key`. */
  readonly operation: string;

  constructor(
    returnValue: string,
    operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_PKCS11', message, options);
    this.returnValue = returnValue;
    this.operation = operation;
  }
}
