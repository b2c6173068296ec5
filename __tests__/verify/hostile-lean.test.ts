// The fast path (lean-verify.ts) leaves the base64url alphabet to jsonwebtoken (jws refuses a
// token with any other character before it checks a signature) and checks only how each segment
// ends. Node's decoder is lenient (it reads + and / as - and _, skips = and ignores the bits the
// last character pads), so each row here is signed correctly over what the decoder would read:
// only the strict checks can refuse it. Both paths must refuse it, with the careful path's code.
import { sign } from 'node:crypto';
import { AI_GATEWAY_AUDIENCE } from '../../src/constants';
import { TokenVerificationError } from '../../src/errors';
import { KeyRing } from '../../src/keys/key-ring';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { verifyLean } from '../../src/verify/lean-verify';
import {
  createAiAccessTokenVerifier,
  verifyAiAccessToken,
} from '../../src/verify/verify-ai-access-token';
import { b64url, thrown } from './forge';
import { testKey } from '../helpers/keys';

const key = testKey('current');
const jwks = new KeyRing(key).jwks();
const ISSUER = 'https://gitlab.example.com';
const MINTED_AT = new Date('2026-01-01T00:00:00Z');
const VERIFY_AT = new Date('2026-01-01T00:10:00Z');
const IAT = MINTED_AT.getTime() / 1000;

const valid = new AiAccessToken({
  subject: 'user-42',
  scopes: ['code_suggestions'],
  issuer: ISSUER,
  signingKey: key,
  now: () => MINTED_AT,
}).encoded();
const [header, payload, signature] = valid.split('.') as [string, string, string];

const signed = (input: string) => sign('sha256', Buffer.from(input), key.privateKey);
const b64 = (bytes: Buffer) => bytes.toString('base64url');

// Sets the padding bits of a segment's last character (the decoder ignores them).
function withPaddingBits(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(segment.at(-1) as string);
  const bits = segment.length % 4 === 2 ? 0x0f : 0x03;
  return segment.slice(0, -1) + alphabet.charAt(last | bits);
}

// A signature segment that decodes to the same bytes with + or / in it: signature bytes are
// searched for a sextet 62 or 63, which base64url writes as - or _.
function standardBase64Signature(): string {
  for (let nonce = 0; ; nonce += 1) {
    const claims = { aud: AI_GATEWAY_AUDIENCE, iss: ISSUER, exp: IAT + 3600, nonce };
    const input = `${header}.${b64url(claims)}`;
    const sig = b64(signed(input));
    if (/[-_]/.test(sig)) return `${input}.${sig.replace('-', '+').replace('_', '/')}`;
  }
}

// A payload segment whose padding bits are set, signed over exactly that text.
function signedNonCanonicalPayload(): string {
  for (let pad = 0; ; pad += 1) {
    const segment = b64url({
      aud: AI_GATEWAY_AUDIENCE,
      iss: ISSUER,
      exp: IAT + 3600,
      p: 'x'.repeat(pad),
    });
    if (segment.length % 4 === 0) continue;
    const input = `${header}.${withPaddingBits(segment)}`;
    return `${input}.${b64(signed(input))}`;
  }
}

// A payload segment with `inserted` put in the middle of its text, signed over exactly that text:
// the decoder skips or maps these characters, jws's alphabet check must refuse them.
function signedPayloadWith(inserted: string): string {
  const segment = b64url({
    aud: AI_GATEWAY_AUDIENCE,
    iss: ISSUER,
    exp: IAT + 3600,
    sub: 'user-42',
  });
  const middle = segment.length >> 1;
  const input = `${header}.${segment.slice(0, middle)}${inserted}${segment.slice(middle)}`;
  return `${input}.${b64(signed(input))}`;
}

const invalidUtf8Payload = (() => {
  const json = Buffer.concat([
    Buffer.from(`{"aud":"${AI_GATEWAY_AUDIENCE}","iss":"${ISSUER}","exp":${IAT + 3600},"sub":"`),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('"}'),
  ]);
  const input = `${header}.${b64(json)}`;
  return `${input}.${b64(signed(input))}`;
})();

const rows: [string, string][] = [
  ['a signature with its padding bits set', `${header}.${payload}.${withPaddingBits(signature)}`],
  ['a signature in standard base64 (+ /)', standardBase64Signature()],
  ['a signature with = padding', `${valid}==`],
  [
    'a signature with a character outside the alphabet',
    `${header}.${payload}.${signature.slice(0, 10)}*${signature.slice(10)}`,
  ],
  ['a payload signed with its padding bits set', signedNonCanonicalPayload()],
  ['a payload signed with invalid UTF-8', invalidUtf8Payload],
  ['a payload signed with a space inside', signedPayloadWith(' ')],
  ['a payload signed with a newline inside', signedPayloadWith('\n')],
  ['a payload signed with + inside', signedPayloadWith('+')],
  ['a payload signed with / inside', signedPayloadWith('/')],
  ['a payload signed with = inside', signedPayloadWith('=')],
  ['a payload signed with a non-ASCII letter inside', signedPayloadWith('é')],
  ['a fourth segment', `${valid}.${signature}`],
];

const keys = [{ kid: key.kid, key: key.publicKey }];
const options = { keys: jwks, issuer: ISSUER, now: () => VERIFY_AT };

it('accepts the untouched token on both paths', () => {
  expect(verifyAiAccessToken(valid, options).subject).toBe('user-42');
  expect(createAiAccessTokenVerifier(options)(valid).subject).toBe('user-42');
  expect(verifyLean(valid, keys)).toBeDefined();
});

it.each(rows)('refuses %s on the fast path and the careful path alike', (_name, token) => {
  expect(verifyLean(token, keys)).toBeUndefined();
  const careful = thrown(() => verifyAiAccessToken(token, options));
  const fast = thrown(() =>
    createAiAccessTokenVerifier({ ...options, cache: { maxEntries: 10 } })(token),
  );
  expect(careful).toBeInstanceOf(TokenVerificationError);
  expect(fast).toBeInstanceOf(TokenVerificationError);
  expect(fast.code).toBe(careful.code);
  expect(careful.code).toBe('ERR_TOKEN_MALFORMED');
});
