// Changelog gate: when src/ changed since the last released version entry of CHANGELOG.md, the
// `## [Unreleased]` section must say something.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

const unreleased = /^## \[Unreleased\]\s*$([\s\S]*?)(?=^## \[)/m.exec(changelog);
if (unreleased === null) {
  console.error(
    'check-changelog: CHANGELOG.md has no "## [Unreleased]" section followed by a version',
  );
  process.exit(1);
}
const unreleasedHasEntries = /^\s*[-*] \S/m.test(unreleased[1]);
const lastVersion = /^## \[(\d+\.\d+\.\d+[^\]]*)\]/m.exec(changelog)?.[1];

// The commit that added the last version heading is the release point.
let since;
try {
  since = git('log', '-1', '--format=%H', '-S', `## [${lastVersion}]`, '--', 'CHANGELOG.md');
} catch {
  since = '';
}
if (since === '') {
  console.log(`check-changelog: no git history for [${lastVersion}]; nothing to compare`);
  process.exit(0);
}
const changed = new Set([
  ...git('diff', '--name-only', since, '--', 'src').split('\n'),
  ...git('ls-files', '--others', '--exclude-standard', '--', 'src').split('\n'),
]);
changed.delete('');
if (changed.size > 0 && !unreleasedHasEntries) {
  console.error(
    `check-changelog: src/ changed since ${lastVersion} (${[...changed].slice(0, 5).join(', ')}${changed.size > 5 ? ', ...' : ''}) but "## [Unreleased]" has no entries`,
  );
  process.exit(1);
}
console.log(
  `check-changelog: ok (${changed.size} src file(s) changed since ${lastVersion}; Unreleased ${unreleasedHasEntries ? 'has entries' : 'is empty'})`,
);
