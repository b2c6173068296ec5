// AiAccessToken given a KeySchedule (or the environment's schedule file) signs with the key the
// schedule has active at the token's own clock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from 'node:crypto';
import { NoSigningKeyError } from '../../src/errors';
import { KeySchedule } from '../../src/keys/key-schedule';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { decodeParts, testKey } from '../helpers/keys';

const a = testKey('a');
const b = testKey('b');
const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-04T00:00:00Z');
const schedule = new KeySchedule([
  { key: a, activatesAt: T0 },
  { key: b, activatesAt: T1 },
]);
const tokenAt = (now: Date) =>
  new AiAccessToken({
    subject: 'user-1',
    scopes: ['duo_chat'],
    issuer: 'https://gitlab.example.com',
    signingKey: schedule,
    now: () => now,
  });

function expectSignedBy(token: string, key: typeof a): void {
  const { header, signingInput, signature } = decodeParts(token);
  expect(header.kid).toBe(key.kid);
  expect(verify('sha256', Buffer.from(signingInput), key.publicKey, signature)).toBe(true);
}

describe('AiAccessToken with a KeySchedule', () => {
  it('signs with the key active at its own clock, whatever the schedule clock says', async () => {
    const before = tokenAt(new Date(T1.getTime() - 1));
    expect(before.signingKey()).toBe(a);
    expect(before.header().kid).toBe(a.kid);
    expectSignedBy(before.encoded(), a);
    const after = tokenAt(T1);
    expect(after.signingKey()).toBe(b);
    expectSignedBy(await after.encodedAsync(), b);
  });

  it('before the first activation: payload() works, encoding throws NoSigningKeyError', async () => {
    const early = tokenAt(new Date('2025-12-31T00:00:00Z'));
    expect(early.payload().sub).toBe('user-1');
    expect(() => early.encoded()).toThrow(NoSigningKeyError);
    expect(() => early.encoded()).toThrow(/activates at 2026-01-01T00:00:00.000Z \(in 1 day\)/);
    await expect(early.encodedAsync()).rejects.toThrow(NoSigningKeyError);
  });

  it('reads AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE when no key is given, before the single-key variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aat-token-schedule-'));
    const saved = { ...process.env };
    try {
      writeFileSync(join(dir, 'a.pem'), a.toPem());
      writeFileSync(join(dir, 'b.pem'), b.toPem());
      const file = join(dir, 'schedule.json');
      writeFileSync(
        file,
        JSON.stringify([
          { file: 'a.pem', activatesAt: T0.toISOString() },
          { file: 'b.pem', activatesAt: T1.toISOString() },
        ]),
      );
      process.env.AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE = file;
      process.env.AI_ACCESS_TOKEN_SIGNING_KEY = testKey('single').toPem();
      const token = (now: Date) =>
        new AiAccessToken({
          subject: 'user-1',
          scopes: ['duo_chat'],
          issuer: 'https://gitlab.example.com',
          now: () => now,
        });
      expectSignedBy(token(T0).encoded(), a);
      expectSignedBy(token(T1).encoded(), b);
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
