// What `npm pack` would publish: built JS, declarations, README, CHANGELOG, LICENSE and
// package.json — no sources, tests, fixtures, source maps or keys.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface PackResult {
  files: { path: string }[];
}

function packedFiles(): string[] {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(out) as PackResult[];
  return result!.files.map((file) => file.path).sort();
}

describe('npm pack', () => {
  const files = packedFiles();

  it('publishes only what a user needs', () => {
    const unexpected = files.filter(
      (file) =>
        !['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(file) &&
        !/^dist\/.+\.(js|d\.ts)$/.test(file),
    );
    expect(unexpected).toEqual([]);
    expect(
      files.filter((file) => /\.map$|\.pem$|__tests__|__fixtures__|\.test\./.test(file)),
    ).toEqual([]);
  });

  it('ships a declaration file beside every module', () => {
    const js = files.filter((file) => file.endsWith('.js'));
    expect(js.filter((file) => !files.includes(file.replace(/\.js$/, '.d.ts')))).toEqual([]);
  });

  it('ships every entry point of the exports map and the bin', () => {
    for (const entry of [
      'dist/index.js',
      'dist/testing/index.js',
      'dist/testing/jest-setup.js',
      'dist/codemod/transform.js',
      'dist/cli/main.js',
    ]) {
      expect(files).toContain(entry);
    }
  });

  it('publishes exactly the reviewed file list', () => {
    expect(files).toMatchSnapshot();
  });
});
