// Type tests: how consumers use the published declarations. Compiled (never run) by
// scripts/type-tests.mjs as CommonJS and ESM under `moduleResolution: node16`, and under
// `bundler`. Each `@ts-expect-error` line must stay an error: if a wrong use starts compiling,
// tsc reports the unused directive and the gate fails.
import {
  AI_GATEWAY_AUDIENCE,
  AiAccessToken,
  AiAccessTokenError,
  CodeSuggestionsAccessToken,
  KeyRing,
  SigningKey,
  jwks,
  type AiAccessTokenErrorCode,
  type AiAccessTokenOptions,
  type AiAccessTokenPayload,
  type GitlabRealm,
  type Jwks,
} from 'ai-access-token';
import {
  aiAccessTokenMatchers,
  decodeUnverified,
  frozenClock,
  generateTestSigningKey,
  type AiAccessTokenMatcherImplementations,
} from 'ai-access-token/testing';
import transform from 'ai-access-token/codemod/transform';

const signingKey: SigningKey = SigningKey.generate();
const ring = new KeyRing(signingKey);
const published: Jwks = jwks(ring);
void published;

// Right uses compile.
const token = new AiAccessToken({
  subject: 'user-42',
  scopes: ['code_suggestions'],
  issuer: 'https://gitlab.example.com',
  signingKey: ring,
  gitlabRealm: 'self-managed',
  audience: [AI_GATEWAY_AUDIENCE],
  extraClaims: { team: 'ai', nested: { ok: [1, true, null] } },
  now: () => new Date(),
});
const encoded: string = token.encoded();
const payload: AiAccessTokenPayload = token.payload();
const realm: GitlabRealm = payload.gitlab_realm;
const scopes: string[] = payload.scopes;
void [encoded, realm, scopes];

// The deprecated alias still compiles, without scopes, and is an AiAccessToken.
const legacy: AiAccessToken = new CodeSuggestionsAccessToken({
  subject: 'user-42',
  issuer: 'https://gitlab.example.com',
});
void legacy;

// Error codes are a closed union callers can switch on.
function handle(error: unknown): AiAccessTokenErrorCode | undefined {
  return error instanceof AiAccessTokenError ? error.code : undefined;
}
void handle;

// Wrong uses are rejected.
// @ts-expect-error scopes is required on AiAccessToken
new AiAccessToken({ subject: 'user-42', issuer: 'https://gitlab.example.com' });

const badRealm: AiAccessTokenOptions = {
  subject: 'user-42',
  scopes: ['duo_chat'],
  // @ts-expect-error only 'saas' and 'self-managed' are realms
  gitlabRealm: 'dedicated',
};
void badRealm;

// @ts-expect-error subject is a string, never a number
new AiAccessToken({ subject: 42, scopes: ['duo_chat'] });

// @ts-expect-error extra claims must be JSON
new AiAccessToken({ subject: 's', scopes: ['duo_chat'], extraClaims: { when: new Date() } });

// @ts-expect-error payload times are numbers
const iat: Date = payload.iat;
void iat;

// The testing subpath.
const clock = frozenClock('2026-01-01T00:00:00Z');
clock.advance(60);
const testKey: SigningKey = generateTestSigningKey();
const matchers: AiAccessTokenMatcherImplementations = aiAccessTokenMatchers;
const { payload: decodedPayload } = decodeUnverified(encoded);
void [testKey, matchers, decodedPayload];
// @ts-expect-error frozenClock takes a Date or an ISO string, not epoch numbers
frozenClock(1767225600);

// The codemod subpath is a jscodeshift transform.
const rewritten: string | null = transform(
  { path: 'a.ts', source: '' },
  { jscodeshift: undefined, report: () => undefined },
);
void rewritten;
// @ts-expect-error a transform needs the file's source
transform({ path: 'a.ts' }, { jscodeshift: undefined, report: () => undefined });
