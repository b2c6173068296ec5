import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
