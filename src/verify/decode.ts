import { TokenVerificationError } from '../errors';

/**
 * The longest token, in characters, that {@link decodeJwt} (and so `verifyAiAccessToken`) will
 * look at. Checked before any parsing, so a megabyte of garbage costs one length comparison. A
 * minted token is under 1 KB; 8 KB leaves room for generous `extraClaims` and 16384-bit keys.
 *
 * @example
 * ```ts
 * import { MAX_TOKEN_LENGTH } from 'ai-access-token';
 * if (authorization.length > MAX_TOKEN_LENGTH + 'Bearer '.length) reply(401);
 * ```
 */
export const MAX_TOKEN_LENGTH = 8192;

/**
 * A compact JWS split into its parts, NOT verified: nothing here may be trusted until
 * `verifyAiAccessToken` has checked the signature and the claims.
 *
 * @example
 * ```ts
 * const { header, payload, signingInput, signature }: DecodedJwt = decodeJwt(token);
 * ```
 */
export interface DecodedJwt {
  /** The JOSE header, parsed from the first segment. */
  readonly header: Record<string, unknown>;
  /** The claims, parsed from the second segment. */
  readonly payload: Record<string, unknown>;
  /** `header.payload` exactly as received: the bytes the signature covers. */
  readonly signingInput: string;
  /** The third segment, decoded (empty for an unsigned token). */
  readonly signature: Buffer;
}

// The base64url alphabet without padding (RFC 7515 §2); anything else is refused, not skipped
// as Node's lenient decoder would.
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Splits and parses a compact JWT **without verifying it**: for logging, for a CLI's `decode`, or
 * as the first step of verification. Does not strip a `Bearer ` prefix; callers do.
 *
 * Refuses, with `TokenVerificationError` code `ERR_TOKEN_MALFORMED`: a non-string, a token over
 * {@link MAX_TOKEN_LENGTH} characters (before any parsing), a segment count other than three,
 * characters outside the base64url alphabet (including `=` padding and whitespace), non-canonical
 * base64url, a header or payload that is not UTF-8 JSON of an object.
 *
 * @throws {@link TokenVerificationError} `ERR_TOKEN_MALFORMED`.
 * @example
 * ```ts
 * import { decodeJwt } from 'ai-access-token';
 * const { header, payload } = decodeJwt(token.encoded());
 * header.kid; // 'NzbLsX…' (unverified!)
 * payload.sub; // 'user-42' (unverified!)
 * ```
 */
export function decodeJwt(token: unknown): DecodedJwt {
  if (typeof token !== 'string') {
    throw malformed(`token must be a string; got ${typeName(token)}`);
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw malformed(
      `token is ${token.length} characters long; at most ${MAX_TOKEN_LENGTH} are accepted`,
    );
  }
  if (token.length === 0) throw malformed('token is empty');
  if (/^bearer\s/i.test(token)) {
    throw malformed('token starts with "Bearer "; pass the token without the scheme');
  }
  const segments = token.split('.');
  if (segments.length !== 3) {
    throw malformed(
      `token must have 3 dot-separated segments (header.payload.signature); got ${segments.length}`,
    );
  }
  const [headerText, payloadText, signatureText] = segments as [string, string, string];
  const header = jsonObjectSegment('header', headerText);
  const payload = jsonObjectSegment('payload', payloadText);
  const signature = base64urlSegment('signature', signatureText);
  return { header, payload, signingInput: `${headerText}.${payloadText}`, signature };
}

function base64urlSegment(name: string, text: string): Buffer {
  // length % 4 === 1 cannot encode whole bytes; the round trip refuses non-zero padding bits,
  // so each byte string has exactly one accepted spelling (no signature malleability).
  if (!BASE64URL.test(text) || text.length % 4 === 1) {
    throw malformed(`${name} segment is not base64url (A-Z a-z 0-9 - _ without padding)`);
  }
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw malformed(`${name} segment is not canonical base64url`);
  }
  return bytes;
}

/**
 * One segment of a compact JWS parsed strictly, as {@link decodeJwt} parses the header and
 * payload: canonical base64url of UTF-8 JSON of an object.
 *
 * @throws {@link TokenVerificationError} `ERR_TOKEN_MALFORMED`.
 */
export function jsonObjectSegment(name: string, text: string): Record<string, unknown> {
  if (text.length === 0) throw malformed(`${name} segment is empty`);
  const bytes = base64urlSegment(name, text);
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch (cause) {
    throw malformed(`${name} segment is not UTF-8 JSON`, cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${name} must be a JSON object; got ${typeName(value)}`);
  }
  return value as Record<string, unknown>;
}

function malformed(message: string, cause?: unknown): TokenVerificationError {
  return new TokenVerificationError(
    'ERR_TOKEN_MALFORMED',
    message,
    cause === undefined ? undefined : { cause },
  );
}

// Never echo the token or its parts: they may be a live credential.
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
