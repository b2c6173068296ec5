import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { run as runType } from '../../src/cli/run';
import { runCli } from './run-cli';

jest.setTimeout(60_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-migrate-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// The codemod is another module's subject (__tests__/codemod); here: that the CLI dispatches to it.
describe('ai-access-token migrate', () => {
  it.each([[['migrate', '--help']], [['help', 'migrate']]])(
    '%j prints the codemod help',
    async (argv) => {
      const result = await runCli(argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: ai-access-token migrate /);
    },
  );

  it('passes its arguments and streams to the codemod', async () => {
    const file = join(dir, 'mint.ts');
    const source = [
      "import { CodeSuggestionsAccessToken } from 'ai-access-token';",
      "export const token = new CodeSuggestionsAccessToken({ subject: 'user-42' });",
      '',
    ].join('\n');
    writeFileSync(file, source);
    const result = await runCli(['migrate', '--dry-run', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('+import { AiAccessToken }');
    expect(readFileSync(file, 'utf8')).toBe(source);
  });

  it('reports its usage errors with exit 2', async () => {
    const result = await runCli(['migrate']);
    expect(result.code).toBe(2);
  });
});

describe('ai-access-token migrate, when the codemod cannot be loaded', () => {
  /** `run` from a fresh module registry in which loading the codemod module does `load()`. */
  function runWithCodemod(load: () => unknown): typeof runType {
    let isolated: typeof runType | undefined;
    jest.isolateModules(() => {
      jest.doMock('../../src/codemod/migrate-command', load);
      isolated = jest.requireActual<{ run: typeof runType }>('../../src/cli/run').run;
    });
    return isolated!;
  }

  async function capture(runIsolated: typeof runType, argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runIsolated(argv, {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdin: Readable.from([]),
      env: {},
    });
    return { code, stdout, stderr };
  }

  afterEach(() => {
    jest.dontMock('../../src/codemod/migrate-command');
  });

  it('says the command is unavailable when its module is missing from the build (exit 1)', async () => {
    // A real failed require of a module file that does not exist, as in a build without it.
    const missing = runWithCodemod(() => jest.requireActual('./not-built/migrate-command'));
    expect(await capture(missing, ['migrate', '--dry-run', 'src'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'ai-access-token migrate: migrate is unavailable: its codemod module is missing from this build\n',
    });
    // Its help cannot come from the codemod either.
    expect((await capture(missing, ['migrate', '--help'])).code).toBe(1);
    // The other commands do not need it.
    expect((await capture(missing, ['--version'])).code).toBe(0);
  });

  it('reports any other failure to load the codemod as it is (exit 1)', async () => {
    const broken = runWithCodemod(() => {
      throw new SyntaxError('Unexpected token in migrate.js');
    });
    expect(await capture(broken, ['migrate', 'src'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ai-access-token migrate: unexpected error: Unexpected token in migrate.js\n',
    });
  });

  it('reports a missing dependency of the codemod module by name, not as a missing build', async () => {
    const withoutDependency = runWithCodemod(() =>
      jest.requireActual('some-dependency-that-is-not-installed'),
    );
    const result = await capture(withoutDependency, ['migrate', 'src']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^ai-access-token migrate: unexpected error: Cannot find module 'some-dependency-that-is-not-installed'/,
    );
  });
});
