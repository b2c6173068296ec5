// Builds tokens by hand (real RSA/HMAC signatures, no library) so tests can forge what a library
// would refuse to produce: odd headers, wrong claim types, other algorithms.
import { createHmac, sign, type KeyObject } from 'node:crypto';

export const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function forgeRs256(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string,
  privateKey: KeyObject,
): string {
  // Strings are taken as raw JSON text, for payloads JSON.stringify cannot produce (1e400).
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

export function forgeHs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | Buffer,
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function unsigned(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  return `${b64url(header)}.${b64url(payload)}.`;
}

/** Asserts `fn` throws an error with this class name and code, and returns it. */
export function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}
