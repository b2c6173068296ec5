import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJscodeshift } from '../../src/codemod/load-jscodeshift';
import { runMigration, type MigrationIo } from '../../src/codemod/migrate';
import transform from '../../src/codemod/transform';

// Issue 15, reproduction 3: the codemod read and wrote files as UTF-8, so a Latin-1 `é` on a line
// it never edited became U+FFFD, and its --dry-run diff showed that line as unchanged context:
// the patch did not apply to the original.

jest.setTimeout(60_000);

/** A file the codemod rewrites, with non-ASCII text on lines it never edits. */
const SOURCE = [
  '// Café: tokens for the AI gateway (this line is never edited)',
  "import { CodeSuggestionsAccessToken } from 'ai-access-token';",
  '',
  '// naïve déjà vu « ü » ±',
  "export const token = new CodeSuggestionsAccessToken({ subject: 'u1', issuer: 'https://gitlab.example.com' });",
  'export const label = "sécurité";',
  '',
].join('\n');

/** [file, its bytes] of the project, each a different encoding of SOURCE. */
const FILES: readonly (readonly [string, Buffer])[] = [
  ['src/latin1.ts', Buffer.from(SOURCE, 'latin1')],
  ['src/latin1-crlf.ts', Buffer.from(SOURCE.replaceAll('\n', '\r\n'), 'latin1')],
  ['src/utf8-crlf.ts', Buffer.from(SOURCE.replaceAll('\n', '\r\n'), 'utf8')],
  ['src/utf8-bom.ts', Buffer.from(`\ufeff${SOURCE}`, 'utf8')],
  ['src/no-final-newline.ts', Buffer.from(SOURCE.slice(0, -1), 'latin1')],
  ['src/nom-\u00e9.ts', Buffer.from(SOURCE, 'latin1')],
];

interface Capture extends MigrationIo {
  readonly stdout: { write(chunk: string | Uint8Array): unknown };
  bytes(): Buffer;
  errors(): string;
}

/** Captures stdout as process.stdout would hand it on: strings as UTF-8, bytes as they are. */
function capture(): Capture {
  const out: Buffer[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (chunk: string | Uint8Array) => out.push(Buffer.from(chunk)) },
    stderr: { write: (chunk: string | Uint8Array) => err.push(String(chunk)) },
    isTTY: false,
    bytes: () => Buffer.concat(out),
    errors: () => err.join(''),
  };
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aat-migrate-bytes-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function writeProject(dir: string): void {
  for (const [file, bytes] of FILES) {
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, file), bytes);
  }
}

/** What the migration must make of `bytes`: the edits, in the file's own encoding. */
function expectedBytes(bytes: Buffer): Buffer {
  const latin1 = bytes.toString('latin1');
  // The edits are ASCII: the same on the bytes read one per character, whatever the encoding.
  const migrated = latin1
    .replaceAll('CodeSuggestionsAccessToken', 'AiAccessToken')
    .replace(
      "issuer: 'https://gitlab.example.com' }",
      "issuer: 'https://gitlab.example.com', scopes: ['code_suggestions'] }",
    );
  return Buffer.from(migrated, 'latin1');
}

describe('runMigration keeps every byte it does not edit', () => {
  it('a Latin-1 é on a line never edited stays the byte 0xE9, not U+FFFD', async () => {
    writeProject(root);
    const io = capture();
    const summary = await runMigration({ paths: ['src/latin1.ts'], cwd: root }, io);
    expect(summary).toMatchObject({ filesChanged: 1, parseErrors: [] });
    const written = readFileSync(join(root, 'src/latin1.ts'));
    expect(written.includes(Buffer.from('\ufffd'))).toBe(false);
    expect(written.subarray(0, 7)).toEqual(Buffer.from('// Caf\xe9', 'latin1'));
    expect(written).toEqual(expectedBytes(FILES[0]![1]));
  });

  it.each(FILES)('%s: exactly the edits, in the file’s own encoding', async (file, bytes) => {
    writeProject(root);
    const summary = await runMigration({ paths: [file], cwd: root }, capture());
    expect(summary).toMatchObject({ filesChanged: 1, parseErrors: [] });
    expect(readFileSync(join(root, file))).toEqual(expectedBytes(bytes));
  });
});

const git = spawnSync('git', ['--version']);
const gitMissing = git.error !== undefined || git.status !== 0;
if (gitMissing && process.env.AI_ACCESS_TOKEN_REQUIRE_SERVICES !== '1') {
  console.log('skipped: the git apply test of the codemod diff needs git, which is not installed');
}

describe('runMigration --dry-run', () => {
  (gitMissing && process.env.AI_ACCESS_TOKEN_REQUIRE_SERVICES !== '1' ? it.skip : it)(
    'prints a diff that git apply applies to the original files, giving what a real run writes',
    async () => {
      const original = join(root, 'original');
      const migrated = join(root, 'migrated');
      writeProject(original);
      cpSync(original, migrated, { recursive: true });

      const io = capture();
      const dry = await runMigration({ paths: ['src'], cwd: original, dryRun: true }, io);
      expect(dry).toMatchObject({ filesChanged: FILES.length, parseErrors: [] });
      const patch = io.bytes();
      for (const [file, bytes] of FILES) {
        expect(readFileSync(join(original, file))).toEqual(bytes);
      }

      await runMigration({ paths: ['src'], cwd: migrated }, capture());
      writeFileSync(join(root, 'migrate.patch'), patch);
      execFileSync('git', ['apply', '--check', join(root, 'migrate.patch')], { cwd: original });
      execFileSync('git', ['apply', join(root, 'migrate.patch')], { cwd: original });
      for (const [file] of FILES) {
        expect(readFileSync(join(original, file))).toEqual(readFileSync(join(migrated, file)));
      }
      // Written as the file's bytes: the Latin-1 é is the byte 0xE9 in the diff too.
      expect(patch.includes(Buffer.from('\ufffd'))).toBe(false);
    },
  );
});

describe('transform (jscodeshift decodes files as UTF-8)', () => {
  it('leaves a file holding U+FFFD unchanged and says why', () => {
    const reports: string[] = [];
    const api = {
      jscodeshift: loadJscodeshift().withParser('tsx'),
      report: (message: string) => reports.push(message),
    };
    // What jscodeshift hands over for the Latin-1 file: é already replaced.
    const lossy = Buffer.from(SOURCE, 'latin1').toString('utf8');
    expect(lossy).toContain('\ufffd');
    expect(transform({ path: 'src/latin1.ts', source: lossy }, api)).toBeNull();
    expect(reports).toEqual([expect.stringMatching(/^skipped, not valid UTF-8/)]);
    // The same file, valid UTF-8: migrated as before.
    expect(transform({ path: 'src/utf8.ts', source: SOURCE }, api)).toContain('AiAccessToken');
  });
});
