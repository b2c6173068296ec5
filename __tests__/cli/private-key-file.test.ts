import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CliFailure } from '../../src/cli/cli-errors';
import { writePrivateKeyFile } from '../../src/cli/private-key-file';
import { run } from '../../src/cli/run';
import { SigningKey } from '../../src/keys/signing-key';
import { runCli } from './run-cli';

// Issue 15, reproduction 2: `keygen --out F --force` reopened F with 'w', so it wrote the new
// private key through a symlink into the symlink's target, and a process that had F open while
// it was 0644 read the new key through its old descriptor.

jest.setTimeout(60_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-key-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string): number => statSync(file).mode & 0o777;
const VICTIM_TEXT = 'the file a symlink points to: must never receive the key\n';

function victim(): string {
  const file = join(dir, 'victim.txt');
  writeFileSync(file, VICTIM_TEXT);
  chmodSync(file, 0o644);
  return file;
}

/** The key in `file`, checked to be a regular 0600 file (not a symlink) holding `kid`'s key. */
function expectKeyFile(file: string, kid: string): void {
  expect(lstatSync(file).isFile()).toBe(true);
  expect(mode(file)).toBe(0o600);
  expect(SigningKey.fromPem(readFileSync(file, 'utf8')).kid).toBe(kid);
}

/** Nothing but `names` is left in the directory: no temporary file. */
function expectOnly(names: string[]): void {
  expect(readdirSync(dir).sort()).toEqual([...names].sort());
}

describe('keygen --out through a symlink', () => {
  it('--force replaces the symlink itself; its target is untouched', async () => {
    const target = victim();
    const link = join(dir, 'key.pem');
    symlinkSync(target, link);
    const result = await runCli(['keygen', '--out', link, '--force']);
    expect(result.code).toBe(0);
    expectKeyFile(link, result.stdout.trim());
    expect(readFileSync(target, 'utf8')).toBe(VICTIM_TEXT);
    expect(mode(target)).toBe(0o644);
    expectOnly(['key.pem', 'victim.txt']);
  });

  it('--force replaces a dangling symlink without creating what it points to', async () => {
    const missing = join(dir, 'elsewhere', 'planted.pem');
    mkdirSync(join(dir, 'elsewhere'));
    const link = join(dir, 'key.pem');
    symlinkSync(missing, link);
    const result = await runCli(['keygen', '--out', link, '--force']);
    expect(result.code).toBe(0);
    expectKeyFile(link, result.stdout.trim());
    expect(existsSync(missing)).toBe(false);
  });

  it.each([
    ['to a file', true],
    ['dangling', false],
  ])('without --force a symlink %s is refused and left as it is', async (_what, toFile) => {
    const target = toFile ? victim() : join(dir, 'planted.pem');
    const link = join(dir, 'key.pem');
    symlinkSync(target, link);
    const result = await runCli(['keygen', '--out', link]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      `ai-access-token keygen: --out ${JSON.stringify(link)} already exists; pass --force to overwrite it\n`,
    );
    expect(readlinkSync(link)).toBe(target);
    if (toFile) expect(readFileSync(target, 'utf8')).toBe(VICTIM_TEXT);
    else expect(existsSync(target)).toBe(false);
    expectOnly(toFile ? ['key.pem', 'victim.txt'] : ['key.pem']);
  });
});

describe('keygen --out over an existing file', () => {
  it('a descriptor opened on the old 0644 file never sees the new key (a new inode)', async () => {
    const file = join(dir, 'key.pem');
    writeFileSync(file, 'old contents\n');
    chmodSync(file, 0o644);
    const reader = openSync(file, 'r');
    try {
      const oldInode = fstatSync(reader).ino;
      const result = await runCli(['keygen', '--out', file, '--force']);
      expect(result.code).toBe(0);
      expectKeyFile(file, result.stdout.trim());
      expect(statSync(file).ino).not.toBe(oldInode);
      const buffer = Buffer.alloc(4096);
      const read = readSync(reader, buffer, 0, buffer.length, 0);
      expect(buffer.subarray(0, read).toString()).toBe('old contents\n');
      expect(fstatSync(reader).mode & 0o777).toBe(0o644);
    } finally {
      closeSync(reader);
    }
    expectOnly(['key.pem']);
  });

  it('--force onto a directory fails, leaving the directory and no temporary file', async () => {
    const target = join(dir, 'key.pem');
    mkdirSync(target);
    const result = await runCli(['keygen', '--out', target, '--force']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^ai-access-token keygen: cannot create --out file ".+" \((EISDIR|ENOTEMPTY|EEXIST)\)\n$/,
    );
    expect(statSync(target).isDirectory()).toBe(true);
    expectOnly(['key.pem']);
  });
});

describe('writePrivateKeyFile', () => {
  it('is exactly 0600 whatever the umask allowed', () => {
    const file = join(dir, 'key.pem');
    writePrivateKeyFile(file, 'secret\n', { flag: '--out' });
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('secret\n');
  });

  it('names the flag in its errors', () => {
    const error = (() => {
      try {
        writePrivateKeyFile(join(dir, 'missing', 'key.pem'), 'secret\n', { flag: '--key-out' });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CliFailure);
    expect((error as CliFailure).message).toMatch(/^cannot create --key-out file ".+" \(ENOENT\)$/);
  });
});

describe('keygen to stdout', () => {
  async function keygenTo(stdout: { write(chunk: string): unknown; fd?: number }) {
    let stderr = '';
    const code = await run(['keygen'], {
      stdout,
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdin: Readable.from([]),
      env: {},
    });
    return { code, stderr };
  }

  it('sets a regular file it is redirected to (`keygen > key.pem`) to mode 0600', async () => {
    const file = join(dir, 'key.pem');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const fd = openSync(file, 'w');
    try {
      const result = await keygenTo({ write: (chunk) => writeSync(fd, chunk), fd });
      expect(result.code).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(mode(file)).toBe(0o600);
    expect(SigningKey.fromPem(readFileSync(file, 'utf8')).modulusLength).toBe(2048);
  });

  it('writes nothing when the mode of its file cannot be checked or set', async () => {
    let written = '';
    // A descriptor number no process has open: fstat fails with EBADF.
    const result = await keygenTo({ write: (chunk) => (written += chunk), fd: 2 ** 30 });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'ai-access-token keygen: stdout is a file whose mode cannot be set to 0600 (EBADF); the key was not written (use --out FILE)\n',
    );
    expect(written).toBe('');
  });

  it('leaves a pipe alone', async () => {
    const [reader, writer] = pipeFds();
    let stdoutText = '';
    try {
      const result = await keygenTo({
        write: (chunk) => {
          stdoutText += chunk;
        },
        fd: writer,
      });
      expect(result.code).toBe(0);
      expect(fstatSync(writer).isFIFO()).toBe(true);
    } finally {
      closeSync(reader);
      closeSync(writer);
    }
    expect(stdoutText).toContain('-----BEGIN PRIVATE KEY-----');
  });
});

/** A pipe's two descriptors, made by a FIFO in the test directory. */
function pipeFds(): [number, number] {
  const fifo = join(dir, 'fifo');
  // mkfifo is POSIX; node has no binding for pipe(2), so the shell's tool makes one.
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, 'r+');
  const writer = openSync(fifo, 'w');
  return [reader, writer];
}
