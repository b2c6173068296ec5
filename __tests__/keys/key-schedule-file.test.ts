import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidKeyScheduleError } from '../../src/errors';
import { KeySchedule } from '../../src/keys/key-schedule';
import { testKey } from '../helpers/keys';

const a = testKey('a');
const b = testKey('b');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-schedule-'));
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', 'a.pem'), a.toPem(), { mode: 0o600 });
  writeFileSync(join(dir, 'keys', 'b.pem'), b.toPem(), { mode: 0o600 });
  writeFileSync(
    join(dir, 'keys', 'public.pem'),
    a.publicKey.export({ type: 'spki', format: 'pem' }),
  );
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function scheduleFile(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function failure(path: string): InvalidKeyScheduleError {
  try {
    KeySchedule.fromFile(path);
  } catch (error) {
    if (error instanceof InvalidKeyScheduleError) return error;
    throw error;
  }
  throw new Error('expected InvalidKeyScheduleError');
}

describe('KeySchedule.fromFile', () => {
  it('reads the keys at paths relative to the schedule file, in activation order', () => {
    const file = scheduleFile('schedule.json', [
      { file: 'keys/b.pem', activatesAt: '2026-12-01T00:00:00Z' },
      { file: join(dir, 'keys', 'a.pem'), activatesAt: '2026-01-01T00:00:00Z' },
    ]);
    const schedule = KeySchedule.fromFile(file, { publishLeadSeconds: 3600 });
    expect(schedule.entries.map((entry) => entry.key.kid)).toEqual([a.kid, b.kid]);
    expect(schedule.publishLeadSeconds).toBe(3600);
    expect(schedule.signingKeyAt(new Date('2026-12-01T00:00:00Z')).kid).toBe(b.kid);
  });

  it.each<[string, unknown, string, number | undefined, string]>([
    ['not JSON', '[{"file":', 'invalid-file', undefined, 'is not valid JSON'],
    ['not an array', { file: 'keys/a.pem' }, 'invalid-file', undefined, 'must be a JSON array'],
    ['an empty array', [], 'empty', undefined, 'non-empty array'],
    [
      'an entry that is not an object',
      ['keys/a.pem'],
      'invalid-entry',
      0,
      'entries[0] must be an object',
    ],
    [
      'an entry with a misspelt field',
      [{ file: 'keys/a.pem', activatesAT: '2026-01-01T00:00:00Z' }],
      'invalid-entry',
      0,
      'entries[0] has an unknown field "activatesAT"',
    ],
    [
      'an entry without a file',
      [{ activatesAt: '2026-01-01T00:00:00Z' }],
      'invalid-entry',
      0,
      'entries[0].file must be the path of a PEM private key; got undefined',
    ],
    [
      'a key file that does not exist',
      [
        { file: 'keys/a.pem', activatesAt: '2026-01-01T00:00:00Z' },
        { file: 'keys/missing.pem', activatesAt: '2026-12-01T00:00:00Z' },
      ],
      'invalid-key',
      1,
      'entries[1].file "keys/missing.pem": cannot be read (ENOENT)',
    ],
    [
      'a public key file',
      [{ file: 'keys/public.pem', activatesAt: '2026-01-01T00:00:00Z' }],
      'invalid-key',
      0,
      'entries[0].file "keys/public.pem": signing key is a public key',
    ],
    [
      'a time without a zone',
      [{ file: 'keys/a.pem', activatesAt: '2026-01-01 00:00' }],
      'invalid-time',
      0,
      'entries[0].activatesAt must be a valid Date or an ISO 8601 time with a zone',
    ],
    [
      'the same key twice',
      [
        { file: 'keys/a.pem', activatesAt: '2026-01-01T00:00:00Z' },
        { file: './keys/a.pem', activatesAt: '2026-12-01T00:00:00Z' },
      ],
      'duplicate-kid',
      1,
      'entries[1].key is the key of entries[0]',
    ],
  ])('refuses %s, naming the file and the entry', (name, content, reason, entry, message) => {
    const file = scheduleFile(`${name.replace(/\W+/g, '-')}.json`, content);
    const error = failure(file);
    expect(error).toMatchObject({ code: 'ERR_INVALID_KEY_SCHEDULE', reason, entry });
    expect(error.message).toContain(`key schedule ${JSON.stringify(file)}`);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('refuses a schedule file it cannot read, with the system error code', () => {
    const error = failure(join(dir, 'nope.json'));
    expect(error).toMatchObject({ reason: 'unreadable-file', entry: undefined });
    expect(error.message).toContain('cannot be read (ENOENT)');
  });

  it('refuses a file far larger than a schedule', () => {
    const file = scheduleFile('huge.json', `[${' '.repeat(1024 * 1024)}]`);
    expect(failure(file)).toMatchObject({ reason: 'invalid-file' });
  });
});
