import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningKey } from '../../src/keys/signing-key';
import { runCli } from './run-cli';

jest.setTimeout(60_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-keygen-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('ai-access-token keygen', () => {
  it('prints a PKCS#8 PEM RSA-2048 key to stdout and its kid to stderr', async () => {
    const result = await runCli(['keygen']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/,
    );
    const key = SigningKey.fromPem(result.stdout);
    expect(key.modulusLength).toBe(2048);
    expect(result.stderr).toBe(`kid: ${key.kid}\n`);
  });

  it.each([['3072'], ['4096']])('--bits %s', async (bits) => {
    const result = await runCli(['keygen', '--bits', bits]);
    expect(result.code).toBe(0);
    expect(SigningKey.fromPem(result.stdout).modulusLength).toBe(Number(bits));
  });

  it.each([['1024'], ['2047'], ['8192'], ['lots']])('--bits %s is a usage error', async (bits) => {
    const result = await runCli(['keygen', '--bits', bits]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      `ai-access-token keygen: --bits must be 2048, 3072 or 4096; got "${bits}" (see ai-access-token keygen --help)\n`,
    );
  });

  it('--out writes the key with mode 0600 and prints the kid to stdout', async () => {
    const file = join(dir, 'fresh.pem');
    const result = await runCli(['keygen', '--out', file]);
    expect(result.code).toBe(0);
    const key = SigningKey.fromPem(readFileSync(file, 'utf8'));
    expect(result.stdout).toBe(`${key.kid}\n`);
    expect(result.stderr).toBe(`wrote an RSA-2048 private key to ${file} (mode 0600)\n`);
    expect(result.stderr).not.toContain('PRIVATE KEY-----');
    expect(mode(file)).toBe(0o600);
  });

  it('--out refuses to overwrite an existing file (exit 1, file untouched)', async () => {
    const file = join(dir, 'existing.pem');
    writeFileSync(file, 'keep me');
    const result = await runCli(['keygen', '-o', file]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      `ai-access-token keygen: --out ${JSON.stringify(file)} already exists; pass --force to overwrite it\n`,
    );
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('--force overwrites, leaving the file with mode 0600 even if it was world-readable', async () => {
    const file = join(dir, 'overwrite.pem');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644);
    const result = await runCli(['keygen', '--out', file, '--force']);
    expect(result.code).toBe(0);
    expect(SigningKey.fromPem(readFileSync(file, 'utf8')).kid).toBe(result.stdout.trim());
    expect(mode(file)).toBe(0o600);
  });

  it('reports a file it cannot create (exit 1) with the system error code', async () => {
    const file = join(dir, 'no-such-dir', 'key.pem');
    const result = await runCli(['keygen', '--out', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ai-access-token keygen: cannot create --out file ${JSON.stringify(file)} (ENOENT)\n`,
    );
  });

  it.each([
    [['--force'], '--force only applies with --out FILE'],
    [['extra'], 'keygen takes no arguments, only options; got 1 ("extra")'],
    [['extra', 'more'], 'keygen takes no arguments, only options; got 2 ("extra", …)'],
    // A flag too long to be one (a pasted secret, say) is not echoed.
    [[`--${'x'.repeat(40)}`], 'unknown option an option for keygen'],
    [['--bits'], '--bits needs a value'],
    [['--verbose'], 'unknown option --verbose for keygen'],
    [['--force=yes', '--out', 'x'], '--force does not take a value'],
  ])('usage error %j', async (argv, message) => {
    const result = await runCli(['keygen', ...argv]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      `ai-access-token keygen: ${message} (see ai-access-token keygen --help)\n`,
    );
  });
});
