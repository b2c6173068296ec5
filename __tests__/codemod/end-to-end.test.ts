// The slow checks, in child processes: the migrated code type-checks against the package's own
// declarations, and the compiled transform runs under the real jscodeshift CLI.
//
// The package is compiled into a temporary `node_modules/ai-access-token/dist` (with the real
// package.json, hence the real `exports` map) instead of using the repository's dist/: `npm run
// build` starts with `rm -rf dist`, which would race with other test files and builds running at
// the same time, and a stale dist/ would test yesterday's code.
import { execFileSync, spawnSync } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { buildPackage } from '../helpers/build-package';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runMigration } from '../../src/codemod/migrate';
import { loadFixtures } from './fixtures';

const REPO = resolve(__dirname, '../..');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const JSCODESHIFT = join(REPO, 'node_modules/jscodeshift/bin/jscodeshift.js');
const CHILD_TIMEOUT_MS = 240_000;

const fixtures = loadFixtures();
let work: string;
let packageDir: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'aat-codemod-e2e-'));
  packageDir = join(work, 'node_modules', 'ai-access-token');
  await buildPackage(packageDir, 'dist/codemod/transform.js');
  expect(existsSync(join(packageDir, 'dist/index.d.ts'))).toBe(true);
}, CHILD_TIMEOUT_MS);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function typeCheck(project: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TSC, '-p', project, '--noEmit'], {
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the library entry point', () => {
  it('loads neither the codemod nor jscodeshift', () => {
    const loaded = execFileSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(packageDir, 'dist/index.js'))});` +
          'console.log(JSON.stringify(Object.keys(require.cache)))',
      ],
      {
        encoding: 'utf8',
        timeout: CHILD_TIMEOUT_MS,
        // The copy's runtime dependencies (jsonwebtoken, uuid, date-fns) come from the repository.
        env: { ...process.env, NODE_PATH: join(REPO, 'node_modules') },
      },
    );
    const modules = JSON.parse(loaded) as string[];
    expect(modules.some((file) => file.includes('jscodeshift'))).toBe(false);
    expect(modules.some((file) => file.includes('/codemod/'))).toBe(false);
    expect(modules.length).toBeGreaterThan(5);
  });
});

describe('a TypeScript project migrated by the codemod', () => {
  it(
    'type-checks with tsc --noEmit against the package declarations, before and after',
    async () => {
      const project = join(work, 'project');
      const src = join(project, 'src');
      mkdirSync(join(src, 'legacy'), { recursive: true });
      const typescript = fixtures.filter((f) => f.file.endsWith('.ts') && f.output !== undefined);
      for (const fixture of typescript) writeFileSync(join(src, fixture.file), fixture.input);
      // What the fixtures import besides ai-access-token.
      writeFileSync(
        join(src, 'logger.ts'),
        'export class Logger {\n  info(_message: string): void {}\n}\n',
      );
      writeFileSync(
        join(src, 'legacy/code-suggestions-access-token.ts'),
        'export class CodeSuggestionsAccessToken {\n  constructor(readonly options: { subject: string }) {}\n}\n',
      );
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'node16',
            moduleResolution: 'node16',
            strict: true,
            skipLibCheck: true,
            types: ['node'],
            typeRoots: [join(REPO, 'node_modules/@types')],
            noEmit: true,
          },
          include: ['src'],
        }),
      );
      // Resolution of 'ai-access-token' walks up from the project to work/node_modules.
      expect(typeCheck(project)).toEqual({ status: 0, output: '' });

      const summary = await runMigration(
        { paths: [src], cwd: project },
        { stdout: { write: () => true }, stderr: { write: () => true } },
      );
      expect(summary.sitesLeft).toEqual([]);
      expect(summary.filesChanged).toBeGreaterThan(5);
      for (const fixture of typescript) {
        expect(readFileSync(join(src, fixture.file), 'utf8')).toBe(fixture.output);
      }
      expect(typeCheck(project)).toEqual({ status: 0, output: '' });
    },
    CHILD_TIMEOUT_MS,
  );
});

describe('the compiled transform under the jscodeshift CLI', () => {
  it(
    'rewrites a tree like our runner does, reports left sites, and survives a parse error',
    () => {
      const tree = join(work, 'jscodeshift-tree');
      mkdirSync(tree, { recursive: true });
      // `<T>value` assertions are a syntax error under --parser=tsx, so that fixture stays out.
      const used = fixtures.filter((f) => f.name !== 'type-assertion');
      for (const fixture of used) writeFileSync(join(tree, fixture.file), fixture.input);

      // jscodeshift colours its report when it thinks it may (e.g. CI=true); read it as plain text.
      const rawOutput = execFileSync(
        process.execPath,
        [
          JSCODESHIFT,
          '-t',
          join(packageDir, 'dist/codemod/transform.js'),
          '--parser=tsx',
          '--run-in-band',
          '--extensions=ts,tsx,js,mjs,cjs,jsx',
          tree,
        ],
        {
          encoding: 'utf8',
          timeout: CHILD_TIMEOUT_MS,
          cwd: work,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
        },
      );
      const output = stripVTControlCharacters(rawOutput);
      for (const fixture of used) {
        expect(readFileSync(join(tree, fixture.file), 'utf8')).toBe(
          fixture.output ?? fixture.input,
        );
      }
      expect(output).toContain(
        `REP ${join(tree, 'left-reexport.ts')} 3:10: left for a person: re-exports CodeSuggestionsAccessToken`,
      );
      expect(output).toMatch(/ERR .*parse-error\.ts/);
      const changed = used.filter((f) => f.output !== undefined && f.output !== f.input).length;
      expect(output).toMatch(new RegExp(`\\b${changed} ok\\b`));
    },
    CHILD_TIMEOUT_MS,
  );
});
