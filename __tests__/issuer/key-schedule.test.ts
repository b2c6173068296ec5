// AiAccessTokenIssuer given a KeySchedule evaluates it at its own clock on every call: a cached
// token signed by a key that no longer signs is never served again.
import { NoSigningKeyError } from '../../src/errors';
import { AiAccessTokenIssuer } from '../../src/issuer/ai-access-token-issuer';
import { KeySchedule } from '../../src/keys/key-schedule';
import { decodeParts, testKey } from '../helpers/keys';

const a = testKey('a');
const b = testKey('b');
const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-04T00:00:00Z');
const REQUEST = { subject: 'user-1', scopes: ['duo_chat'] };
const kidOf = (token: string): unknown => decodeParts(token).header.kid;

function issuerWithClock(start: Date) {
  const clock = { now: start };
  const schedule = new KeySchedule(
    [
      { key: a, activatesAt: T0 },
      { key: b, activatesAt: T1 },
    ],
    // The schedule's own clock is deliberately wrong: the issuer must use its own.
    { now: () => new Date('2030-01-01T00:00:00Z') },
  );
  const issuer = new AiAccessTokenIssuer({
    issuer: 'https://gitlab.example.com',
    signingKey: schedule,
    now: () => clock.now,
  });
  return { clock, issuer };
}

describe('AiAccessTokenIssuer with a KeySchedule', () => {
  it('re-mints at activation a cached token that the old key signed, though it is still fresh', () => {
    const { clock, issuer } = issuerWithClock(new Date(T1.getTime() - 60_000));
    const old = issuer.issue(REQUEST);
    expect(kidOf(old)).toBe(a.kid);
    clock.now = new Date(T1.getTime() - 1);
    expect(issuer.issue(REQUEST)).toBe(old);
    clock.now = T1;
    const fresh = issuer.issue(REQUEST);
    expect(kidOf(fresh)).toBe(b.kid);
    expect(issuer.stats()).toEqual({ hits: 1, misses: 2, size: 1 });
    clock.now = new Date(T1.getTime() + 60_000);
    expect(issuer.issue(REQUEST)).toBe(fresh);
  });

  it('does the same for issueAsync', async () => {
    const { clock, issuer } = issuerWithClock(new Date(T1.getTime() - 60_000));
    expect(kidOf(await issuer.issueAsync(REQUEST))).toBe(a.kid);
    clock.now = T1;
    expect(kidOf(await issuer.issueAsync(REQUEST))).toBe(b.kid);
  });

  it('before the first activation: NoSigningKeyError (thrown by issue, rejected by issueAsync)', async () => {
    const { issuer } = issuerWithClock(new Date('2025-12-31T00:00:00Z'));
    expect(() => issuer.issue(REQUEST)).toThrow(NoSigningKeyError);
    await expect(issuer.issueAsync(REQUEST)).rejects.toThrow(
      /first key .* activates at 2026-01-01T00:00:00.000Z/,
    );
  });
});
