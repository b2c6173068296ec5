import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeParts, testKey } from '../helpers/keys';
import { runCli } from './run-cli';

const a = testKey('a');
const b = testKey('b');
const HOUR = 3600_000;
const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-04T00:00:00Z');
const at = (ms: number) => () => new Date(T1.getTime() + ms);

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-keys-plan-'));
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', 'a.pem'), a.toPem());
  writeFileSync(join(dir, 'keys', 'b.pem'), b.toPem());
  file = join(dir, 'key-schedule.json');
  writeFileSync(
    file,
    JSON.stringify([
      { file: 'keys/a.pem', activatesAt: T0.toISOString() },
      { file: 'keys/b.pem', activatesAt: T1.toISOString() },
    ]),
  );
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ai-access-token keys plan', () => {
  it('prints the timeline in local time and UTC, what is true now, and says it is safe', async () => {
    const result = await runCli(['keys', 'plan', file], { now: at(-48 * HOUR) });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      `Key schedule ${file}: 2 key(s); each published 25 hours before it signs, retired 24 hours 5 minutes after the next key activates`,
    );
    const timeline = lines.filter((line) => /^\d/.test(line));
    expect(timeline).toHaveLength(5);
    // Local time with its offset, then UTC, then the event; future events are marked.
    expect(timeline[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d  2025-12-30T23:00:00Z    ${a.kid} published \\(enters the JWKS\\) \\(2 days ago\\)$`,
      ),
    );
    expect(timeline[2]).toContain(
      `2026-01-02T23:00:00Z  › ${b.kid} published (enters the JWKS) (in 23 hours)`,
    );
    expect(timeline[3]).toContain(`2026-01-04T00:00:00Z  › ${b.kid} starts signing (in 2 days)`);
    expect(timeline[4]).toContain(`2026-01-05T00:05:00Z  › ${a.kid} retired (leaves the JWKS)`);
    expect(result.stdout).toContain(`  signing:   ${a.kid}\n  published: ${a.kid}\n`);
    expect(result.stdout).toContain(
      `  next:      ${b.kid} published (enters the JWKS) at 2026-01-02T23:00:00Z (in 23 hours)\n`,
    );
    expect(result.stdout).toMatch(/✔ safe to deploy now\n$/);
  });

  it('exits 1 when the next key activates less than the publish lead from now', async () => {
    const result = await runCli(['keys', 'plan', file], { now: at(-10 * HOUR) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`  published: ${a.kid}, ${b.kid}\n`);
    expect(result.stdout).not.toContain('safe to deploy');
    expect(result.stderr).toBe(
      `ai-access-token keys plan: unsafe to deploy now: key ${b.kid} activates at 2026-01-04T00:00:00.000Z, 10 hours from now: less than publishLeadSeconds (25 hours), so a receiver that fetched the JWKS just before this deploy will reject its first tokens (safe only if this key has been published since 2026-01-02T23:00:00.000Z)\n`,
    );
    // With a shorter lead (receivers that refetch on an unknown kid), the same moment is safe.
    const short = await runCli(['keys', 'plan', file, '--publish-lead-seconds', '3600'], {
      now: at(-10 * HOUR),
    });
    expect(short.code).toBe(0);
  });

  it('exits 1 when no key signs now, saying when the first does', async () => {
    const result = await runCli(['keys', 'plan', file], {
      now: () => new Date('2025-12-31T00:00:00Z'),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('  signing:   (no key yet)\n');
    expect(result.stderr).toContain(
      `unsafe to deploy now: no key signs now: the first key (kid ${a.kid}) activates at 2026-01-01T00:00:00.000Z (in 1 day)`,
    );
  });

  it('after the last event: nothing scheduled, and safe', async () => {
    const result = await runCli(['keys', 'plan', file], { now: at(30 * 24 * HOUR) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`  signing:   ${b.kid}\n  published: ${b.kid}\n`);
    expect(result.stdout).toContain(
      '  next:      (nothing scheduled: the last key signs until a new one is added)',
    );
  });

  it.each([
    [['keys'], 'expected "keys plan SCHEDULE_FILE"; got undefined'],
    [['keys', 'apply', 'x.json'], 'expected "keys plan SCHEDULE_FILE"; got "apply"'],
    [['keys', 'plan'], 'keys plan takes exactly one SCHEDULE_FILE'],
    [['keys', 'plan', 'a.json', 'b.json'], 'keys plan takes exactly one SCHEDULE_FILE'],
  ])('%j is a usage error', async (argv, message) => {
    const result = await runCli(argv);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      `ai-access-token keys: ${message} (see ai-access-token keys --help)\n`,
    );
  });

  it('reports a bad option value as the flag', async () => {
    const result = await runCli(['keys', 'plan', file, '--retire-after-seconds', 'soon']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--retire-after-seconds must be a whole number of seconds');
  });

  it('reports an invalid schedule file with its code, the file and the entry (exit 1)', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ file: 'keys/a.pem', activatesAt: 'tomorrow' }]));
    const result = await runCli(['keys', 'plan', bad]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain(
      `ERR_INVALID_KEY_SCHEDULE: key schedule ${JSON.stringify(bad)}: entries[0].activatesAt`,
    );
  });

  it('mint signs with the key AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE has active at its clock', async () => {
    const mint = (ms: number) =>
      runCli(
        [
          'mint',
          '--subject',
          'user-1',
          '--scopes',
          'duo_chat',
          '--issuer',
          'https://gitlab.example.com',
        ],
        {
          env: { AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE: file },
          now: at(ms),
        },
      );
    const kid = (token: string) => decodeParts(token.trim()).header.kid;
    expect(kid((await mint(-1)).stdout)).toBe(a.kid);
    expect(kid((await mint(0)).stdout)).toBe(b.kid);
  });

  it('has help naming the rule', async () => {
    const result = await runCli(['keys', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: ai-access-token keys plan SCHEDULE_FILE');
    expect(result.stdout).toContain('never refetches on an unknown kid');
  });
});
