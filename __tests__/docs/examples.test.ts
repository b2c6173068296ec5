// The example each guide starts with runs as written: every JavaScript block whose first line
// names its file (`// quick-start.mjs`) is saved under that name and run with node against the
// built package, resolved by name. The README's Quick start must also print what it shows.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { blocksOf, documentationFiles, root, type CodeBlock } from './markdown';
import { matchesShown, normalize } from './normalize-output';

const NAMED = /^\/\/ ([\w.-]+\.(?:mjs|cjs))(?::|\s|$)/;

const examples = documentationFiles()
  .flatMap((file) => blocksOf(file))
  .filter((block) => ['js', 'javascript'].includes(block.lang) && NAMED.test(block.code));

// Inside the package folder, so that `'ai-access-token'` is a self-reference.
const work = join(root, 'temp', `docs-examples-${process.pid}`);

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before jest');
  }
  mkdirSync(work, { recursive: true });
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

async function run(block: CodeBlock): Promise<{ stdout: string; stderr: string }> {
  const name = NAMED.exec(block.code)![1]!;
  const dir = join(work, `${block.file.replace(/[^\w.-]+/g, '_')}-L${block.line}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), block.code);
  // The examples pass their keys and issuers explicitly; the developer's own settings stay out.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('AI_ACCESS_TOKEN_')),
  );
  return promisify(execFile)(process.execPath, [name], { cwd: dir, env, timeout: 60_000 });
}

describe('the examples the guides start with', () => {
  it('include the README Quick start and one per guide', () => {
    const files = new Set(examples.map((block) => block.file));
    expect(examples.filter((block) => block.file === 'README.md')).toHaveLength(2);
    expect(files.size).toBeGreaterThanOrEqual(8);
  });

  it.each(examples.map((block) => [`${block.file}:${block.line}`, block] as const))(
    '%s runs',
    async (_where, block) => {
      const { stderr } = await run(block);
      expect(stderr).toBe('');
    },
    60_000,
  );
});

describe('README Quick start', () => {
  const readme = blocksOf('README.md');
  const shown = readme.find(
    (block) => block.lang === 'console' && block.code.startsWith('$ node quick-start.mjs'),
  );

  it.each(['quick-start.mjs', 'quick-start.cjs'])(
    '%s prints what the README shows',
    async (name) => {
      const block = readme.find((candidate) => candidate.code.startsWith(`// ${name}\n`));
      expect(block).toBeDefined();
      expect(shown).toBeDefined();
      const { stdout } = await run(block!);
      const expected = shown!.code.split('\n').slice(1).join('\n');
      if (!matchesShown(stdout, expected)) {
        expect(normalize(stdout)).toBe(normalize(expected)); // shows where they differ
      }
    },
    60_000,
  );
});
