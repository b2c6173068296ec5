import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SigningKey } from '../../src/keys/signing-key';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { buildPackage } from '../helpers/build-package';
import { ANSI } from './run-cli';

// The BUILT command line, run as `node <bin>` in a child process, as `npx ai-access-token` runs it.
//
// The build goes to a private folder under temp/ (see buildPackage), laid out as installed, so
// `--version` finds package.json as it does for a user.

jest.setTimeout(120_000);

const root = resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};
const packageDir = join(root, 'temp', `cli-${process.pid}-${randomBytes(4).toString('hex')}`);
const bin = join(packageDir, manifest.bin['ai-access-token'] ?? 'missing-bin');
const ISSUER = 'https://gitlab.example.com';
let work: string;
let keyFile: string;
let key: SigningKey;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'aat-cli-'));
  await buildPackage(packageDir, 'dist/cli/main.js');
  key = SigningKey.generate();
  keyFile = join(work, 'key.pem');
  writeFileSync(keyFile, key.toPem(), { mode: 0o600 });
}, 300_000);

afterAll(() => {
  rmSync(packageDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with a clean environment (no inherited FORCE_COLOR or key variables). */
function cli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

const mintArgs = () => [
  'mint',
  '--subject',
  'user-42',
  '--scopes',
  'code_suggestions',
  '--issuer',
  ISSUER,
  '--key',
  keyFile,
];

function expectNothingSecret(stderr: string): void {
  expect(stderr).not.toMatch(/eyJ[\w-]{10,}/);
  expect(stderr).not.toContain('PRIVATE KEY');
}

describe('the built ai-access-token binary', () => {
  it('is the package bin, with a node shebang', () => {
    expect(manifest.bin).toEqual({ 'ai-access-token': './dist/cli/main.js' });
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('--version prints the package version', async () => {
    expect(await cli(['--version'])).toEqual({
      code: 0,
      stdout: `${manifest.version}\n`,
      stderr: '',
    });
  });

  it.each([[[]], [['keygen']], [['mint']], [['decode']], [['verify']], [['jwks']], [['demo']]])(
    '%j --help prints usage, exit 0',
    async (command) => {
      const result = await cli([...command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(`^Usage: ai-access-token ${command[0] ?? '<command>'}`),
      );
      expect(result.stderr).toBe('');
    },
  );

  it('does not load the codemod (or jscodeshift) for other commands', async () => {
    const result = await cli(['--version'], { env: { NODE_DEBUG: 'module' } });
    expect(result.stderr).not.toMatch(/jscodeshift|codemod/);
  });

  it('keygen prints a PEM key to stdout and the kid to stderr', async () => {
    const result = await cli(['keygen']);
    expect(result.code).toBe(0);
    const generated = SigningKey.fromPem(result.stdout);
    expect(result.stderr).toBe(`kid: ${generated.kid}\n`);
  });

  it('keygen --out creates the file with mode 0600, refuses to overwrite it, and --force does', async () => {
    const file = join(work, 'signing-key.pem');
    const first = await cli(['keygen', '--out', file, '--bits', '3072']);
    expect(first.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file, 'utf8');
    expect(SigningKey.fromPem(written).kid).toBe(first.stdout.trim());
    expect(SigningKey.fromPem(written).modulusLength).toBe(3072);

    const again = await cli(['keygen', '--out', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists; pass --force to overwrite it');
    expect(readFileSync(file, 'utf8')).toBe(written);

    const forced = await cli(['keygen', '--out', file, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toBe(written);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['--out FILE', 'umask-out.pem', `exec node "$BIN" keygen --out "$FILE"`],
    [
      '--out FILE --force over a world-readable file',
      'umask-force.pem',
      `exec node "$BIN" keygen --out "$FILE" --force`,
    ],
    ['a shell redirection of stdout', 'umask-stdout.pem', `exec node "$BIN" keygen > "$FILE"`],
  ])('keygen under umask 000 leaves the key 0600: %s', async (_how, name, command) => {
    const file = join(work, name);
    if (name === 'umask-force.pem') writeFileSync(file, 'old', { mode: 0o666 });
    // The umask is the shell's, inherited by node: the way a user's session sets it.
    const result = await new Promise<{ code: number | null; stderr: string }>((done, reject) => {
      const child = spawn('sh', ['-c', `umask 000 && ${command}`], {
        cwd: work,
        env: { PATH: process.env.PATH, BIN: bin, FILE: file },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        done({ code, stderr });
      });
    });
    expect(result.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(SigningKey.fromPem(readFileSync(file, 'utf8')).modulusLength).toBe(2048);
  });

  it('mint → decode → verify round trip, through stdin and with Bearer', async () => {
    const minted = await cli(mintArgs());
    expect(minted).toMatchObject({ code: 0, stderr: '' });
    const token = minted.stdout.trim();

    const decoded = await cli(['decode', '-'], { input: `Bearer ${token}\n` });
    expect(decoded.code).toBe(0);
    expect(decoded.stdout).toMatch(/^⚠ signature NOT verified/);
    expect(decoded.stdout).toContain('expires in 59 minutes');

    const verified = await cli(['verify', '-', '--key', keyFile, '--issuer', ISSUER], {
      input: token,
    });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^✔ valid/);
    expect(verified.stderr).toBe('');
  });

  it('mint takes its key and issuer from the environment', async () => {
    const result = await cli(['mint', '--subject', 'u', '--scopes', 'duo_chat', '--json'], {
      env: { AI_ACCESS_TOKEN_SIGNING_KEY_FILE: keyFile, AI_ACCESS_TOKEN_ISSUER: ISSUER },
    });
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.header.kid).toBe(key.kid);
    expect(output.claims.iss).toBe(ISSUER);
  });

  it('verify: exit 0 for a valid token, exit 1 and one line for an expired or tampered one', async () => {
    const token = (await cli(mintArgs())).stdout.trim();
    const expired = new AiAccessToken({
      subject: 'user-42',
      scopes: ['code_suggestions'],
      issuer: ISSUER,
      signingKey: key,
      now: () => new Date(Date.now() - 4 * 3600_000),
    }).encoded();
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: 'admin', aud: 'gitlab-ai-gateway', exp: 4_102_444_800 }),
    ).toString('base64url');
    const tampered = `${header}.${forged}.${signature}`;

    expect((await cli(['verify', token, '--key', keyFile])).code).toBe(0);
    for (const [bad, code] of [
      [expired, 'ERR_TOKEN_EXPIRED'],
      [tampered, 'ERR_TOKEN_SIGNATURE'],
    ] as const) {
      const result = await cli(['verify', bad, '--key', keyFile]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(new RegExp(`^${code}: [^\\n]+\\n$`));
      expectNothingSecret(result.stderr);
    }
  });

  it('jwks prints the JWKS for the key', async () => {
    const result = await cli(['jwks', '--key', keyFile]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ keys: [key.publicJwk()] });
  });

  it('demo runs the round trip', async () => {
    const result = await cli(['demo']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('✔ valid: subject user-42, scopes code_suggestions');
    expect(result.stdout).toContain('rejected, ERR_TOKEN_SIGNATURE');
  });

  it.each([
    [['mint', '--subject', 'u', '--scopes', 'a', '--bogus'], '--bogus'],
    [['mint', '--scopes', 'a', '--issuer', ISSUER], '--subject is required'],
    [['mint', '--subject', 'u', '--scopes', 'a', '--ttl', 'soon'], '--ttl must be a whole number'],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('usage error %j: exit 2, one line naming the flag', async (args, text) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(text);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('--debug adds the stack trace', async () => {
    const result = await cli([
      'mint',
      '--subject',
      'u',
      '--scopes',
      'a',
      '--ttl',
      'soon',
      '--debug',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('never colours piped output; FORCE_COLOR forces it, NO_COLOR wins', async () => {
    const token = (await cli(mintArgs())).stdout.trim();
    const piped = await cli(['decode', token]);
    expect(piped.stdout).not.toMatch(ANSI);
    const forced = await cli(['decode', token], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(ANSI);
    const noColor = await cli(['decode', token], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(noColor.stdout).not.toMatch(ANSI);
    const error = await cli(['verify', 'a.b.c', '--key', keyFile], { env: { NO_COLOR: '1' } });
    expect(error.stderr).not.toMatch(ANSI);
  });
});
