import { inspect } from 'node:util';
import { isValid } from 'date-fns/isValid';
import { InvalidServiceAccessTokenError } from '../errors';
import { describe } from '../time';

/**
 * What a self-managed instance receives from the licensing service and stores: a ready-made
 * access token and the time it expires.
 *
 * @example
 * ```ts
 * const received: ServiceAccessTokenInit = { token: response.token, expiresAt: new Date(response.expires_at) };
 * ```
 */
export interface ServiceAccessTokenInit {
  /** The access token, sent to the AI gateway as is. A non-empty string. */
  readonly token: string;
  /** When the token expires. A valid `Date`. */
  readonly expiresAt: Date;
}

const REDACTED = '[REDACTED]';

/**
 * An access token a self-managed instance received from the licensing service, with its expiry.
 * Immutable. It prints (`console.log`, `JSON.stringify`, `String()`) with the token redacted, so
 * logging one never leaks a usable credential; read `token` to send it.
 *
 * "Active" and "expired" follow the token table's queries: active means `expiresAt > now`,
 * expired means `expiresAt < now`, so a token expiring exactly now is neither.
 *
 * @example
 * ```ts
 * const token = new ServiceAccessToken({ token: 'eyJ…', expiresAt: new Date('2026-01-02T00:00:00Z') });
 * token.isExpired(new Date('2026-01-01T00:00:00Z')); // false
 * JSON.stringify(token); // '{"token":"[REDACTED]","expiresAt":"2026-01-02T00:00:00.000Z"}'
 * ```
 */
export class ServiceAccessToken {
  readonly #token: string;
  readonly #expiresAtMs: number;

  /**
   * @throws {@link InvalidServiceAccessTokenError} when `token` is not a non-empty string or
   * `expiresAt` is not a valid `Date`.
   */
  constructor(init: ServiceAccessTokenInit) {
    const raw: unknown = init;
    if (typeof raw !== 'object' || raw === null) {
      throw new InvalidServiceAccessTokenError(
        'token',
        `a service access token must be an object { token, expiresAt }; got ${describe(raw)}`,
      );
    }
    const { token, expiresAt } = init as { token: unknown; expiresAt: unknown };
    if (typeof token !== 'string' || token.length === 0) {
      throw new InvalidServiceAccessTokenError(
        'token',
        // describe() shortens long strings, so a token never ends up whole in the message.
        `token must be a non-empty string; got ${describe(token)}`,
      );
    }
    this.#token = token;
    this.#expiresAtMs = validDate('expiresAt', expiresAt).getTime();
  }

  /** The access token to send to the AI gateway. */
  get token(): string {
    return this.#token;
  }

  /** When the token expires (a fresh `Date` on every read, so callers cannot change it). */
  get expiresAt(): Date {
    return new Date(this.#expiresAtMs);
  }

  /**
   * Whether the token has expired at `now`: `expiresAt < now`.
   *
   * @example
   * ```ts
   * if (token.isExpired()) await sync();
   * ```
   */
  isExpired(now: Date = new Date()): boolean {
    return this.#expiresAtMs < validDate('now', now).getTime();
  }

  /**
   * Whether the token is active at `now`: `expiresAt > now`.
   *
   * @example
   * ```ts
   * token.isActive(new Date(token.expiresAt.getTime() - 1)); // true
   * ```
   */
  isActive(now: Date = new Date()): boolean {
    return this.#expiresAtMs > validDate('now', now).getTime();
  }

  /** Serialises with the token redacted. */
  toJSON(): { token: string; expiresAt: string } {
    return { token: REDACTED, expiresAt: this.expiresAt.toISOString() };
  }

  /** A description with the token redacted. */
  toString(): string {
    return `ServiceAccessToken(token: ${REDACTED}, expiresAt: ${this.expiresAt.toISOString()})`;
  }

  /** `util.inspect` shows the expiry and the token's length only. */
  [inspect.custom](): string {
    return `ServiceAccessToken { token: '${REDACTED} (${this.#token.length} characters)', expiresAt: ${this.expiresAt.toISOString()} }`;
  }
}

/** `value` as a {@link ServiceAccessToken}, validating it unless it already is one. */
export function toServiceAccessToken(
  value: ServiceAccessToken | ServiceAccessTokenInit,
): ServiceAccessToken {
  return value instanceof ServiceAccessToken ? value : new ServiceAccessToken(value);
}

/** `value` when it is a valid `Date`; `option` names it in the error. */
export function validDate(option: string, value: unknown): Date {
  if (!(value instanceof Date) || !isValid(value)) {
    throw new InvalidServiceAccessTokenError(
      option,
      `${option} must be a valid Date; got ${describe(value)}`,
    );
  }
  return value;
}
