// The framework-neutral guard: every way of giving it keys, the gateway header check, and its
// option checks. (The answers over HTTP are proved per framework by guard-contract.ts.)
import { createBearerGuard, resolveGuard, type GuardOutcome } from '../../src/http/bearer-guard';
import { gatewayHeaders } from '../../src/gateway/gateway-headers';
import { KeyRing } from '../../src/keys/key-ring';
import { KeySchedule } from '../../src/keys/key-schedule';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { TokenVerificationError } from '../../src/errors';
import { createAiAccessTokenVerifier } from '../../src/verify/verify-ai-access-token';
import { frozenClock, START } from '../discovery/remote-fixtures';
import { testKey } from '../helpers/keys';

const clock = frozenClock();
const ring = new KeyRing(testKey('a'));
const mint = (options: Partial<ConstructorParameters<typeof AiAccessToken>[0]> = {}) =>
  new AiAccessToken({
    subject: 'user-42',
    scopes: ['code_suggestions'],
    issuer: 'https://gitlab.example.com',
    signingKey: ring,
    now: clock.now,
    ...options,
  });

const ok = (outcome: GuardOutcome) => (outcome.ok ? outcome.token : undefined);
const code = (outcome: GuardOutcome) => (outcome.ok ? 'ok' : outcome.body.code);

describe('keys', () => {
  it.each([
    ['a KeyRing', ring],
    ['a JWKS document', ring.jwks()],
    ['a public KeyObject', testKey('a').publicKey],
  ])('verifies with %s', async (_, keys) => {
    const guard = createBearerGuard(resolveGuard({ keys, now: clock.now }));
    expect(ok(await guard(`Bearer ${mint().encoded()}`, {}))?.subject).toBe('user-42');
  });

  it('verifies with a KeySchedule, following it from one key to the next', async () => {
    const next = testKey('b');
    const activates = new Date(START + 48 * 3600 * 1000);
    const schedule = new KeySchedule(
      [
        { key: testKey('a'), activatesAt: new Date(START - 3600 * 1000) },
        { key: next, activatesAt: activates },
      ],
      { now: clock.now, publishLeadSeconds: 3600, retireAfterSeconds: 3600 },
    );
    const local = frozenClock();
    const guard = createBearerGuard(resolveGuard({ keys: schedule, now: local.now }));
    const byNext = (at: () => Date) => mint({ signingKey: next, now: at }).encoded();
    expect(code(await guard(`Bearer ${mint({ now: local.now }).encoded()}`, {}))).toBe('ok');
    // Not yet published: the next key's tokens are refused...
    expect(code(await guard(`Bearer ${byNext(local.now)}`, {}))).toBe('ERR_TOKEN_SIGNATURE');
    // ...and accepted once the schedule publishes it, with no new guard.
    local.advance(48 * 3600);
    expect(code(await guard(`Bearer ${byNext(local.now)}`, {}))).toBe('ok');
  });

  it('uses a verifier of the application, and maps its ERR_TOKEN_SCOPE to 403', async () => {
    const verify = createAiAccessTokenVerifier({ keys: ring, now: clock.now });
    const guard = createBearerGuard(resolveGuard({ verifier: (token) => verify(token) }));
    expect(code(await guard(`Bearer ${mint().encoded()}`, {}))).toBe('ok');
    const strict = createBearerGuard(
      resolveGuard({
        verifier: () => {
          throw new TokenVerificationError('ERR_TOKEN_SCOPE', 'no');
        },
        requiredScopes: ['duo_chat'],
      }),
    );
    const outcome = await strict('Bearer x', {});
    expect(outcome).toMatchObject({ ok: false, status: 403 });
  });
});

describe('gatewayHeaders', () => {
  const token = mint({
    subject: 'instance-1',
    instanceId: 'instance-1',
    gitlabRealm: 'self-managed',
  });
  const sent = gatewayHeaders(token, { globalUserId: 'user-9' });

  it('is off by default: headers are not compared', async () => {
    const guard = createBearerGuard(resolveGuard({ keys: ring, now: clock.now }));
    expect(code(await guard(`Bearer ${token.encoded()}`, {}))).toBe('ok');
  });

  it('when on, lets matching headers through and answers a mismatch with 401', async () => {
    const guard = createBearerGuard(
      resolveGuard({ keys: ring, now: clock.now, gatewayHeaders: true }),
    );
    expect(code(await guard(`Bearer ${token.encoded()}`, sent))).toBe('ok');
    const outcome = await guard(`Bearer ${token.encoded()}`, { ...sent, 'X-Gitlab-Realm': 'saas' });
    expect(outcome).toMatchObject({ ok: false, status: 401 });
    expect(code(outcome)).toBe('ERR_TOKEN_HEADER_MISMATCH');
  });

  it('passes its options on to checkGatewayHeaders', async () => {
    const mismatches: unknown[] = [];
    const guard = createBearerGuard(
      resolveGuard({
        keys: ring,
        now: clock.now,
        gatewayHeaders: { onSeatCountMismatch: (mismatch) => mismatches.push(mismatch) },
      }),
    );
    const seats = mint({ subject: 'i-2', instanceId: 'i-2', duoSeatCount: 5 });
    const headers = { ...gatewayHeaders(seats), 'X-Gitlab-Duo-Seat-Count': '4' };
    expect(code(await guard(`Bearer ${seats.encoded()}`, headers))).toBe('ok');
    expect(mismatches).toEqual([{ claim: '5', header: '4' }]);
  });
});

describe('options', () => {
  it('uses realm and retryAfterSeconds in its answers', async () => {
    const guard = createBearerGuard(
      resolveGuard({ keys: ring, realm: 'gateway', retryAfterSeconds: 5 }),
    );
    expect(await guard(undefined, {})).toMatchObject({
      headers: { 'WWW-Authenticate': 'Bearer realm="gateway"' },
    });
  });

  it.each([
    ['neither keys nor verifier', {}, 'keys'],
    ['both keys and verifier', { keys: ring, verifier: () => mint() as never }, 'verifier'],
    [
      'a verifier with a claim option',
      { verifier: () => mint() as never, issuer: 'x' },
      'verifier',
    ],
    ['a realm with a quote', { keys: ring, realm: 'a"b' }, 'realm'],
    ['an empty realm', { keys: ring, realm: '' }, 'realm'],
    ['a scope with a space', { keys: ring, requiredScopes: ['a b'] }, 'requiredScopes'],
    ['scopes that are not a list', { keys: ring, requiredScopes: 'duo_chat' }, 'requiredScopes'],
    ['gatewayHeaders of another type', { keys: ring, gatewayHeaders: 'yes' }, 'gatewayHeaders'],
    ['a negative retryAfterSeconds', { keys: ring, retryAfterSeconds: -1 }, 'retryAfterSeconds'],
    ['an unknown option', { keys: ring, scopes: ['x'] }, 'scopes'],
    ['a verifier that is not a function', { verifier: 'x' }, 'verifier'],
  ])('refuses %s, naming the option', (_, options, option) => {
    expect(() => resolveGuard(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CLAIM', option }),
    );
  });

  it('refuses bad route scopes when the route guard is made', () => {
    const resolved = resolveGuard({ keys: ring });
    expect(() => createBearerGuard(resolved, ['ok', 'not ok'])).toThrow(
      expect.objectContaining({ option: 'requiredScopes' }),
    );
  });
});
