import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '../..');

/**
 * Builds the package as it is installed: `src/` compiled with the project's tsconfig.build.json
 * into `<packageDir>/dist` and its entry rewired by scripts/lazy-entry.mjs, as `npm run build` does,
 * beside a copy of package.json (so its `exports` map and `bin` apply).
 *
 * Tests build privately instead of using the repository's dist/: `npm run build` starts with
 * `rm -rf dist`, which would pull dist/ out from under test files running at the same time, and a
 * stale dist/ would test old code. Type errors are `npm run typecheck`'s job, so a build that
 * reports them but still emits `expected` is used.
 */
export async function buildPackage(packageDir: string, expected = 'dist/index.js'): Promise<void> {
  mkdirSync(packageDir, { recursive: true });
  copyFileSync(join(root, 'package.json'), join(packageDir, 'package.json'));
  try {
    await promisify(execFile)(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '-p',
        join(root, 'tsconfig.build.json'),
        '--outDir',
        join(packageDir, 'dist'),
      ],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    if (!existsSync(join(packageDir, expected))) throw error;
  }
  // The rest of `npm run build`: the main entry loads its optional modules on first use.
  await promisify(execFile)(process.execPath, [
    join(root, 'scripts', 'lazy-entry.mjs'),
    join(packageDir, 'dist'),
  ]);
}
