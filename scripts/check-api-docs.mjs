// API reference gate: regenerates the TypeDoc Markdown reference into temp/ and compares it with
// the checked-in docs/api/, file by file. Fails (naming the files) when they differ, so a change to
// an export's TSDoc cannot land without `npm run docs:api`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(root, 'docs', 'api');
const fresh = join(root, 'temp', 'api-docs');
rmSync(fresh, { recursive: true, force: true });

execFileSync(
  process.execPath,
  [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', fresh, '--logLevel', 'Warn'],
  { cwd: root, stdio: 'inherit' },
);

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

const expected = files(fresh);
const actual = new Set(files(committed));
const problems = [];
for (const file of expected) {
  if (!actual.has(file)) problems.push(`missing  docs/api/${file}`);
  else if (
    readFileSync(join(fresh, file), 'utf8') !== readFileSync(join(committed, file), 'utf8')
  ) {
    problems.push(`stale    docs/api/${file}`);
  }
  actual.delete(file);
}
for (const file of actual) problems.push(`extra    docs/api/${file}`);

if (problems.length > 0) {
  console.error(`docs:api:check: the API reference is out of date (${problems.length} files):`);
  for (const problem of problems.slice(0, 20)) console.error(`  ${problem}`);
  if (problems.length > 20) console.error(`  … and ${problems.length - 20} more`);
  console.error('Run `npm run docs:api` and commit docs/api/.');
  process.exitCode = 1;
} else {
  console.log(`docs:api:check: docs/api/ is up to date (${expected.length} files)`);
}
rmSync(fresh, { recursive: true, force: true });
