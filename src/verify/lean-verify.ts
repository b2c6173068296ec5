// The fast path of a verification: everything around jsonwebtoken's signature check made nearly
// free. The alphabet of every segment is checked once, by jws inside jsonwebtoken's verify; the
// canonical end of each segment here, without decoding (no decode-and-re-encode round trip); the
// header is parsed and checked once per distinct header segment (a fleet's tokens share a handful), and the
// payload is parsed only once, by jsonwebtoken, whose result is kept. Whenever anything is not
// plainly valid this path answers `undefined` and the caller takes the careful path (decodeJwt,
// checkHeader, verifySignature), which produces the precise error: a rejected token pays twice,
// an accepted one once.
import { isUtf8 } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import type jwt from 'jsonwebtoken';
import { checkHeader } from './check-header';
import { MAX_TOKEN_LENGTH, jsonObjectSegment } from './decode';
import { jsonwebtoken } from './jsonwebtoken';
import type { VerificationKey } from './verification-keys';

/** A header segment parsed and checked: frozen, so every result that shares it is safe. */
export interface CheckedHeaderSegment {
  /** The header segment, as it is in the token. */
  readonly segment: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly kid: string | undefined;
}

/** What the fast path hands on to the claim checks. */
export interface LeanVerification {
  readonly header: Readonly<Record<string, unknown>>;
  readonly kid: string | undefined;
  readonly payload: Record<string, unknown>;
  /** The key whose signature check succeeded. */
  readonly key: KeyObject;
}

// Only the signature: the header was checked here (RS256 only), keys were checked when resolved
// (RSA of at least 2048 bits, so jsonwebtoken's own key-type check would only repeat it), and the
// time claims are checked strictly afterwards by check-claims.ts.
const LEAN_OPTIONS: jwt.VerifyOptions = Object.freeze({
  algorithms: ['RS256'],
  ignoreExpiration: true,
  ignoreNotBefore: true,
  allowInvalidAsymmetricKeyTypes: true,
}) as jwt.VerifyOptions;

// Header segments are attacker-chosen, so the memo is bounded; emptied when full rather than
// kept in LRU order, because legitimate headers are few and come back at once.
const HEADER_MEMO_SIZE = 64;
const headerMemo = new Map<string, CheckedHeaderSegment>();

/**
 * The header segment parsed and checked, from the memo when it was seen before; `undefined` when
 * it is malformed or refused (the careful path then says why).
 */
export function checkedHeaderSegment(segment: string): CheckedHeaderSegment | undefined {
  const memo = headerMemo.get(segment);
  if (memo !== undefined) return memo;
  let checked: CheckedHeaderSegment;
  try {
    const header = Object.freeze(jsonObjectSegment('header', segment));
    checked = Object.freeze({ segment, header, kid: checkHeader(header).kid });
  } catch {
    return undefined;
  }
  if (headerMemo.size >= HEADER_MEMO_SIZE) headerMemo.clear();
  headerMemo.set(segment, checked);
  return checked;
}

// The header of the last token verified: most tokens a receiver sees carry the same one, which
// is recognised in place, without cutting it out of the token and hashing it for the memo.
let lastHeader: CheckedHeaderSegment | undefined;

function tokenHeader(token: string, dot: number): CheckedHeaderSegment | undefined {
  const last = lastHeader;
  if (last !== undefined && last.segment.length === dot && token.startsWith(last.segment)) {
    return last;
  }
  const checked = checkedHeaderSegment(token.slice(0, dot));
  if (checked !== undefined) lastHeader = checked;
  return checked;
}

// Sextet value of each base64url character, -1 for anything else.
const SEXTET = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  .split('')
  .forEach((character, value) => {
    SEXTET[character.charCodeAt(0)] = value;
  });

/**
 * Whether `token[start, end)` ends as canonical unpadded base64url does: non-empty, a length that
 * encodes whole bytes, and zero bits where the last character pads (Node's decoder ignores them,
 * so `…AQ` and `…AR` would decode to the same signature). The characters before the last are not
 * looked at here: jsonwebtoken (through jws) refuses any token with a character outside the
 * base64url alphabet before it checks a signature, and hostile-lean.test.ts holds it to that.
 */
export function hasCanonicalEnd(token: string, start: number, end: number): boolean {
  const length = end - start;
  if (length <= 0 || length % 4 === 1) return false;
  const code = token.charCodeAt(end - 1);
  const last = code < 128 ? (SEXTET[code] as number) : -1;
  if (last < 0) return false;
  const rest = length % 4;
  return rest === 0 || (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Verifies `token` against `keys` on the fast path: the verified header and payload and the key
 * that verified it, or `undefined` when the token is anything but plainly valid.
 */
export function verifyLean(
  token: unknown,
  keys: readonly VerificationKey[],
): LeanVerification | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0) return undefined;
  const checked = tokenHeader(token, first);
  // A third dot, like any character outside the alphabet, fails jws's check inside verify().
  if (
    checked === undefined ||
    !hasCanonicalEnd(token, first + 1, second) ||
    !hasCanonicalEnd(token, second + 1, token.length)
  ) {
    return undefined;
  }
  // jsonwebtoken decodes leniently (invalid UTF-8 becomes U+FFFD); decodeJwt refuses it.
  if (!isUtf8(Buffer.from(token.slice(first + 1, second), 'base64url'))) return undefined;
  const { kid } = checked;
  const { verify } = jsonwebtoken();
  for (const entry of keys) {
    if (kid !== undefined && entry.kid !== undefined && entry.kid !== kid) continue;
    let payload: unknown;
    try {
      payload = verify(token, entry.key, LEAN_OPTIONS);
    } catch {
      continue;
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
    return {
      header: checked.header,
      kid,
      payload: payload as Record<string, unknown>,
      key: entry.key,
    };
  }
  return undefined;
}
