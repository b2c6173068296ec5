// keygen --schedule: the new key is appended to a key schedule file.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeySchedule } from '../../src/keys/key-schedule';
import { SigningKey } from '../../src/keys/signing-key';
import { testKey } from '../helpers/keys';
import { runCli } from './run-cli';

jest.setTimeout(60_000);

const current = testKey('current');
const NOW = new Date('2026-03-02T09:30:00Z');
const now = () => NOW;

let dir: string;
let count = 0;
beforeEach(() => {
  count += 1;
  dir = join(mkdtempSync(join(tmpdir(), 'aat-keygen-schedule-')), String(count));
  mkdirSync(join(dir, 'keys'), { recursive: true });
  writeFileSync(join(dir, 'keys', 'current.pem'), current.toPem());
});
afterEach(() => {
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

const scheduleWithCurrentKey = (): string => {
  const file = join(dir, 'key-schedule.json');
  writeFileSync(
    file,
    JSON.stringify([{ file: 'keys/current.pem', activatesAt: '2026-01-01T00:00:00Z' }]),
  );
  return file;
};
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

describe('ai-access-token keygen --schedule', () => {
  it('--activates-in 48h appends the key, relative to the schedule; keys plan then says safe', async () => {
    const schedule = scheduleWithCurrentKey();
    const out = join(dir, 'keys', 'next.pem');
    const result = await runCli(
      ['keygen', '--out', out, '--schedule', schedule, '--activates-in', '48h'],
      { now },
    );
    expect(result.code).toBe(0);
    const key = SigningKey.fromPem(readFileSync(out, 'utf8'));
    expect(result.stdout).toBe(`${key.kid}\n`);
    expect(result.stderr).toBe(
      `wrote an RSA-2048 private key to ${out} (mode 0600)\nadded it to ${schedule} as "keys/next.pem": it activates at 2026-03-04T09:30:00.000Z\n`,
    );
    expect(readJson(schedule)).toEqual([
      { file: 'keys/current.pem', activatesAt: '2026-01-01T00:00:00Z' },
      { file: 'keys/next.pem', activatesAt: '2026-03-04T09:30:00.000Z' },
    ]);
    const loaded = KeySchedule.fromFile(schedule);
    expect(loaded.signingKeyAt(new Date('2026-03-04T09:30:00Z')).kid).toBe(key.kid);
    const plan = await runCli(['keys', 'plan', schedule], { now });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(
      `  next:      ${key.kid} published (enters the JWKS) at 2026-03-03T08:30:00Z (in 23 hours)`,
    );
  });

  it('--activates-at creates a missing schedule; a key outside its directory is kept absolute', async () => {
    const schedule = join(dir, 'sub', 'schedule.json');
    mkdirSync(join(dir, 'sub'));
    const out = join(dir, 'keys', 'outside.pem');
    const result = await runCli(
      ['keygen', '-o', out, '--schedule', schedule, '--activates-at', '2026-04-01T00:00:00+02:00'],
      { now },
    );
    expect(result.code).toBe(0);
    expect(readJson(schedule)).toEqual([{ file: out, activatesAt: '2026-03-31T22:00:00.000Z' }]);
  });

  it('warns when the key activates less than 25 hours ahead', async () => {
    const schedule = scheduleWithCurrentKey();
    const result = await runCli(
      [
        'keygen',
        '--out',
        join(dir, 'keys', 'soon.pem'),
        '--schedule',
        schedule,
        '--activates-in',
        '1d',
      ],
      { now },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'warning: the key activates in 1 day, less than 25 hours ahead',
    );
    expect(result.stderr).toContain('"keys plan" will call this schedule unsafe');
  });

  it.each([
    [['--activates-in', '48h'], '--activates-at and --activates-in need --schedule SCHEDULE_FILE'],
    [
      ['--schedule', 'x.json', '--activates-in', '48h'],
      '--schedule needs --out FILE: the schedule names the key file',
    ],
    [
      ['--out', 'k.pem', '--schedule', 'x.json'],
      '--schedule needs --activates-in DURATION or --activates-at ISO',
    ],
    [
      [
        '--out',
        'k.pem',
        '--schedule',
        'x.json',
        '--activates-in',
        '48h',
        '--activates-at',
        '2026-04-01T00:00:00Z',
      ],
      'pass either --activates-at or --activates-in, not both',
    ],
    [
      ['--out', 'k.pem', '--schedule', 'x.json', '--activates-in', '2 days'],
      '--activates-in must be a duration such as 48h, 2d or 1d12h (units d, h, m, s); got "2 days"',
    ],
    [
      ['--out', 'k.pem', '--schedule', 'x.json', '--activates-at', '2026-04-01'],
      '--activates-at must be an ISO 8601 time with a zone',
    ],
    [
      ['--out', 'k.pem', '--schedule', 'x.json', '--activates-at', '2026-03-01T00:00:00Z'],
      'the new key must activate in the future',
    ],
    [
      ['--out', 'k.pem', '--schedule', 'x.json', '--activates-in', '0h'],
      'the new key must activate in the future',
    ],
  ])('%j is a usage error and writes nothing', async (args, message) => {
    const result = await runCli(
      [
        'keygen',
        ...args.map((arg) =>
          arg.endsWith('.json') || arg.endsWith('.pem') ? join(dir, arg) : arg,
        ),
      ],
      { now },
    );
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(message);
    expect(existsSync(join(dir, 'k.pem'))).toBe(false);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });

  it('refuses, before writing a key, a time that another entry already has', async () => {
    const schedule = scheduleWithCurrentKey();
    const out = join(dir, 'keys', 'dup.pem');
    const result = await runCli(
      ['keygen', '--out', out, '--schedule', schedule, '--activates-at', '2026-01-01T00:00:00Z'],
      { now: () => new Date('2025-12-01T00:00:00Z') },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERR_INVALID_KEY_SCHEDULE: key schedule');
    expect(result.stderr).toContain('entries[0] already activates at 2026-01-01T00:00:00.000Z');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses, before writing a key, an existing schedule that is invalid', async () => {
    const schedule = join(dir, 'broken.json');
    writeFileSync(
      schedule,
      JSON.stringify([{ file: 'keys/missing.pem', activatesAt: '2026-01-01T00:00:00Z' }]),
    );
    const out = join(dir, 'keys', 'new.pem');
    const result = await runCli(
      ['keygen', '--out', out, '--schedule', schedule, '--activates-in', '48h'],
      { now },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('entries[0].file "keys/missing.pem": cannot be read (ENOENT)');
    expect(existsSync(out)).toBe(false);
    expect(readJson(schedule)).toHaveLength(1);
  });

  it('reports a schedule it cannot write, leaving no temporary file', async () => {
    const schedule = join(dir, 'no-such-dir', 'schedule.json');
    const out = join(dir, 'keys', 'orphan.pem');
    const result = await runCli(
      ['keygen', '--out', out, '--schedule', schedule, '--activates-in', '48h'],
      { now },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `cannot write --schedule file ${JSON.stringify(schedule)} (ENOENT)`,
    );
  });
});
