import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidMigrationOptionError, MissingDependencyError } from '../../src/errors';
import { loadJscodeshift, type JscodeshiftModule } from '../../src/codemod/load-jscodeshift';
import { runMigration, type MigrationIo } from '../../src/codemod/migrate';
import { migrateCommand } from '../../src/codemod/migrate-command';
import { loadFixtures, type Fixture } from './fixtures';

interface Capture extends MigrationIo {
  readonly out: string[];
  readonly err: string[];
}

function capture(isTTY = false): Capture {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    isTTY,
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
  };
}

const fixtures = loadFixtures();
let root: string;

/** Writes every fixture input under `dir/src`, plus copies that the walk must skip. */
function writeProject(dir: string): void {
  for (const fixture of fixtures) write(join(dir, 'src', fixture.file), fixture.input);
  const relevant = fixtures.find((f) => f.name === 'named-import')!.input;
  for (const skipped of ['node_modules/dep', 'dist', '.git', 'src/node_modules']) {
    write(join(dir, skipped, 'index.ts'), relevant);
  }
  write(join(dir, 'src', 'notes.md'), relevant);
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function snapshot(dir: string): Map<string, { text: string; mtimeMs: number }> {
  const files = execFileSync('find', [dir, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
  return new Map(
    files.map((file) => [
      file,
      { text: readFileSync(file, 'utf8'), mtimeMs: statSync(file).mtimeMs },
    ]),
  );
}

const expectedFile = (fixture: Fixture): string => fixture.output ?? fixture.input;
const rewritten = fixtures.filter((f) => f.output !== undefined && f.output !== f.input);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aat-migrate-'));
  writeProject(root);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('runMigration', () => {
  it('rewrites the files, skips node_modules/dist/.git, reports what it left and what it could not parse', async () => {
    const io = capture();
    const summary = await runMigration({ paths: ['src'], cwd: root }, io);

    for (const fixture of fixtures) {
      expect(readFileSync(join(root, 'src', fixture.file), 'utf8')).toBe(expectedFile(fixture));
    }
    for (const skipped of ['node_modules/dep', 'dist', '.git', 'src/node_modules']) {
      expect(readFileSync(join(root, skipped, 'index.ts'), 'utf8')).toContain(
        'new CodeSuggestionsAccessToken(',
      );
    }
    expect(summary.filesScanned).toBe(fixtures.length);
    expect(summary.filesChanged).toBe(rewritten.length);
    expect(summary.sitesRewritten).toBeGreaterThan(rewritten.length * 2);
    expect(summary.parseErrors).toEqual([
      { file: 'src/parse-error.ts', message: expect.stringMatching(/Unexpected token/) },
    ]);
    expect(summary.sitesLeft).toContainEqual({
      file: 'src/left-reexport.ts',
      line: 3,
      column: 10,
      reason: expect.stringMatching(/^re-exports CodeSuggestionsAccessToken/),
    });
    expect(summary.sitesLeft).toHaveLength(10);

    const stdout = io.out.join('');
    expect(stdout).toContain(
      'src/left-options-variable.ts:5:49: left for a person: options are passed as a variable (options)',
    );
    expect(stdout).toMatch(
      new RegExp(
        `migrate: ${fixtures.length} files scanned, ${rewritten.length} files changed, ${summary.sitesRewritten} sites rewritten, 10 sites left for a person, 1 file skipped\\n$`,
      ),
    );
    expect(io.err.join('')).toMatch(/^src\/parse-error\.ts: skipped, Unexpected token/);
  });

  it('is idempotent over a tree: a second run changes nothing', async () => {
    await runMigration({ paths: ['src'], cwd: root }, capture());
    const before = snapshot(root);
    const again = await runMigration({ paths: ['src'], cwd: root }, capture());
    expect(again.filesChanged).toBe(0);
    expect(again.sitesRewritten).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it('--dry-run writes nothing and prints a unified diff that git apply accepts', async () => {
    const before = snapshot(root);
    const io = capture();
    const summary = await runMigration({ paths: ['src'], cwd: root, dryRun: true }, io);
    expect(snapshot(root)).toEqual(before); // same contents and same mtimes
    expect(summary.filesChanged).toBe(rewritten.length);

    const stdout = io.out.join('');
    expect(stdout).toContain('--- a/src/named-import.ts\n+++ b/src/named-import.ts\n@@ ');
    expect(stdout).toContain("-import { CodeSuggestionsAccessToken } from 'ai-access-token';");
    expect(stdout).toMatch(/files would change, .* \(dry run: nothing written\)\n$/);

    // The diff is a real patch: applied, it gives exactly what the migration writes.
    const patch = stdout.slice(0, stdout.indexOf('src/left-'));
    writeFileSync(join(root, 'migration.patch'), patch);
    execFileSync('git', ['apply', 'migration.patch'], { cwd: root });
    for (const fixture of rewritten) {
      expect(readFileSync(join(root, 'src', fixture.file), 'utf8')).toBe(fixture.output);
    }
  });

  it('shows progress only on a terminal', async () => {
    const tty = capture(true);
    await runMigration({ paths: ['src/esm.mjs', 'src/component.jsx'], cwd: root }, tty);
    expect(tty.err.join('')).toBe('\rmigrate: 1/2 files\rmigrate: 2/2 files\r\u001b[K');

    const pipe = capture(false);
    await runMigration({ paths: ['src'], cwd: root }, pipe);
    expect(pipe.err.join('')).not.toContain('files\r');
  });

  it('looks only at the given extensions in directories, but takes a file named explicitly', async () => {
    const summary = await runMigration(
      { paths: ['src', 'src/esm.mjs'], cwd: root, extensions: ['.cjs'] },
      capture(),
    );
    const cjs = fixtures.filter((f) => f.file.endsWith('.cjs'));
    expect(summary.filesScanned).toBe(cjs.length + 1);
    expect(readFileSync(join(root, 'src/named-import.ts'), 'utf8')).toContain(
      'new CodeSuggestionsAccessToken(',
    );
  });

  it.each([
    ['no paths', { paths: [] }, 'paths'],
    ['a missing path', { paths: ['nope'] }, 'paths'],
    ['an empty path', { paths: [''] }, 'paths'],
    ['an empty extension list', { paths: ['src'], extensions: [] }, 'extensions'],
    ['a malformed extension', { paths: ['src'], extensions: ['t s'] }, 'extensions'],
    [
      'a non-string extension',
      { paths: ['src'], extensions: [7 as unknown as string] },
      'extensions',
    ],
  ])('refuses %s with ERR_INVALID_MIGRATION_OPTION', async (_name, options, option) => {
    const error: unknown = await runMigration({ ...options, cwd: root }, capture()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidMigrationOptionError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_MIGRATION_OPTION', option });
  });
  it('prints the path itself when cwd is the file being migrated', async () => {
    const file = join(root, 'src', 'left-reexport.ts');
    const summary = await runMigration({ paths: ['.'], cwd: file }, capture());
    expect(summary.sitesLeft.map((site) => `${site.file}:${site.line}:${site.column}`)).toEqual([
      `${file}:3:10`,
    ]);
  });

  it('reports the first line of whatever a parser throws, and goes on', async () => {
    const thrown: unknown = 'not an Error\nsecond line';
    const failing: JscodeshiftModule = {
      withParser: () => () => {
        throw thrown;
      },
    };
    const io = capture();
    const summary = await runMigration(
      { paths: ['src/esm.mjs', 'src/named-import.ts'], cwd: root, jscodeshift: failing },
      io,
    );
    expect(summary.parseErrors).toEqual([
      { file: 'src/esm.mjs', message: 'not an Error' },
      { file: 'src/named-import.ts', message: 'not an Error' },
    ]);
    expect(io.err.join('')).toBe(
      'src/esm.mjs: skipped, not an Error\nsrc/named-import.ts: skipped, not an Error\n',
    );
  });
});

describe('loadJscodeshift', () => {
  it('names the install command when jscodeshift is missing', () => {
    const missing = (): never => {
      throw Object.assign(new Error("Cannot find module 'jscodeshift'"), {
        code: 'MODULE_NOT_FOUND',
      });
    };
    const error: unknown = (() => {
      try {
        return loadJscodeshift(missing);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(error).toMatchObject({ code: 'ERR_MISSING_DEPENDENCY', packageName: 'jscodeshift' });
    expect((error as Error).message).toContain('npm install --save-dev jscodeshift');
  });

  it.each([
    [
      'an installed copy that fails to load',
      () => {
        throw new SyntaxError('Unexpected token');
      },
      'jscodeshift cannot be loaded; ai-access-token migrate needs it to parse your code: npm install --save-dev jscodeshift',
    ],
    [
      'an installed copy without withParser()',
      () => ({ version: '0.1.0' }),
      'the installed jscodeshift has no withParser(); install a supported version: npm install --save-dev jscodeshift',
    ],
  ])('refuses %s with ERR_MISSING_DEPENDENCY', (_name, load, message) => {
    expect(() => loadJscodeshift(load)).toThrow(
      expect.objectContaining({ code: 'ERR_MISSING_DEPENDENCY', message }) as Error,
    );
  });

  it('loads the installed one', () => {
    expect(typeof loadJscodeshift().withParser).toBe('function');
  });
});

describe('migrateCommand', () => {
  it('exits 0 when every file was processed, 1 when one could not be parsed', async () => {
    rmSync(join(root, 'src', 'parse-error.ts'));
    const cwd = process.cwd();
    process.chdir(root);
    try {
      expect(await migrateCommand(['src', '--dry-run', '--extensions', 'ts,tsx'], capture())).toBe(
        0,
      );
      write(join(root, 'src', 'broken.ts'), fixtures.find((f) => f.name === 'parse-error')!.input);
      const io = capture();
      expect(await migrateCommand(['src'], io)).toBe(1);
      expect(io.err.join('')).toContain('src/broken.ts: skipped,');
    } finally {
      process.chdir(cwd);
    }
  });

  it.each([
    ['no path', []],
    ['an unknown flag', ['src', '--force']],
    ['a missing path', ['does-not-exist']],
    ['a bad extension list', ['src', '--extensions', ',']],
  ])('exits 2 for %s', async (_name, argv) => {
    const io = capture();
    expect(await migrateCommand(argv, io)).toBe(2);
    expect(io.err.join('')).toMatch(/^migrate: /);
  });

  it('exits 1, naming the install command, when jscodeshift cannot be loaded', async () => {
    jest.doMock('jscodeshift', () => ({}));
    try {
      const io = capture();
      expect(await migrateCommand([join(root, 'src')], io)).toBe(1);
      expect(io.err.join('')).toBe(
        'migrate: the installed jscodeshift has no withParser(); install a supported version: npm install --save-dev jscodeshift\n',
      );
    } finally {
      jest.dontMock('jscodeshift');
    }
  });

  it('lets other failures through, such as a broken output stream', async () => {
    const io: MigrationIo = {
      stdout: {
        write: () => {
          throw new Error('write EPIPE');
        },
      },
      stderr: { write: () => true },
    };
    await expect(migrateCommand([join(root, 'src', 'left-reexport.ts')], io)).rejects.toThrow(
      'write EPIPE',
    );
  });

  it('prints its help with --help', async () => {
    const io = capture();
    expect(await migrateCommand(['--help'], io)).toBe(0);
    expect(io.out.join('')).toContain('Usage: ai-access-token migrate [--dry-run]');
  });
});
