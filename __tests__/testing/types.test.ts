import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const tsc = require.resolve('typescript/bin/tsc');
const typesDir = join(__dirname, 'types');

// Each project compiles one file with `tsc --noEmit`; the files hold `@ts-expect-error` lines, so
// a matcher typed as `any` (or missing) fails the compile as surely as a wrong signature does.
async function typecheck(tsconfig: string): Promise<string> {
  try {
    await run(
      process.execPath,
      [tsc, '-p', join(typesDir, tsconfig), '--noEmit', '--pretty', 'false'],
      {
        timeout: 240_000,
      },
    );
    return '';
  } catch (error) {
    const { stdout, stderr, message } = error as {
      stdout?: string;
      stderr?: string;
      message: string;
    };
    return `${stdout ?? ''}${stderr ?? ''}` || message;
  }
}

describe('matcher types', () => {
  test('are on the global expect of @types/jest', async () => {
    expect(await typecheck('tsconfig.json')).toBe('');
  }, 300_000);

  test('are on expect from @jest/globals, without @types/jest', async () => {
    expect(await typecheck('tsconfig.jest-globals.json')).toBe('');
  }, 300_000);
});
