/**
 * The command line was wrong (unknown flag, missing or bad value): exit code 2. The message names
 * the flag and the rule and never contains a token or key.
 *
 * @example
 * ```ts
 * throw new CliUsageError('--subject is required');
 * ```
 */
export class CliUsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliUsageError';
  }
}

/**
 * The command line was right but the operation failed (a file cannot be read or written, a key is
 * unusable): exit code 1.
 *
 * @example
 * ```ts
 * throw new CliFailure('cannot read --key file "key.pem" (ENOENT)');
 * ```
 */
export class CliFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliFailure';
  }
}
