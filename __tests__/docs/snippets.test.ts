// Every TypeScript and JavaScript block of README.md and docs/ compiles as a strict module
// against the built package. A block may declare what it assumes in a hidden preamble
// (CONTRIBUTING.md, "Documentation"); nothing may be left undefined.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compileSnippets, isCompiled } from './compile-snippets';
import { blocksOf, codeBlocks, documentationFiles, root } from './markdown';

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before jest');
  }
});

describe('documentation snippets', () => {
  const files = documentationFiles();

  it('covers README.md and every guide', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/verifying.md');
    expect(files.filter((file) => file.startsWith('docs/api/'))).toEqual([]);
  });

  it('compile (strict, module node16) against ai-access-token', () => {
    const blocks = files.flatMap((file) => blocksOf(file)).filter(isCompiled);
    expect(blocks.length).toBeGreaterThanOrEqual(25);
    expect(compileSnippets(blocks, 'all')).toEqual([]);
  }, 120_000);
});

describe('the snippet check', () => {
  const broken = [
    '# Guide',
    '',
    '```ts',
    "import { verifyAiAccessToken } from 'ai-access-token';",
    '',
    'verifyAiAccessToken(incoming.token, { keys: jwks });',
    '```',
    '',
    '<!-- docs-check',
    'declare const jwks: { keys: [] };',
    'declare const incoming: { token: string };',
    '-->',
    '',
    '1. In a list:',
    '',
    '   ```js',
    "   const { AiAccessToken } = require('ai-access-token');",
    "   new AiAccessToken({ subject: 42, scopes: ['duo_chat'] });",
    '   ```',
    '',
    '<!-- docs-check',
    'declare const pem: Strin;',
    '-->',
    '',
    '```ts',
    "import { SigningKey } from 'ai-access-token';",
    'SigningKey.fromPem(pem);',
    '```',
  ].join('\n');

  it('fails on a broken snippet, naming the Markdown file, line and column', () => {
    const problems = compileSnippets(
      codeBlocks(broken, 'docs/broken.md').filter(isCompiled),
      'broken',
    );
    expect(problems).toEqual([
      "docs/broken.md:6:21: TS2304 Cannot find name 'incoming'.",
      "docs/broken.md:6:45: TS2304 Cannot find name 'jwks'.",
      expect.stringMatching(/^docs\/broken\.md:18:24: TS2322 Type 'number' is not assignable/),
      expect.stringMatching(
        /^docs\/broken\.md:22:20: TS2552 Cannot find name 'Strin'.*\(in the docs-check preamble\)$/,
      ),
    ]);
  }, 60_000);

  it('passes the same snippets once their preambles declare what they assume', () => {
    const fixed = broken
      .replace(
        '```ts\nimport { verifyAiAccessToken }',
        '<!-- docs-check\ndeclare const jwks: { keys: [] };\ndeclare const incoming: { token: string };\n-->\n```ts\nimport { verifyAiAccessToken }',
      )
      .replace('subject: 42', "subject: '42'")
      .replace('Strin;', 'string;');
    expect(compileSnippets(codeBlocks(fixed, 'docs/fixed.md').filter(isCompiled), 'fixed')).toEqual(
      [],
    );
  }, 60_000);
});
