// The README stays short, and every relative link of README.md, CONTRIBUTING.md and docs/ leads
// to a file that exists and, with a #fragment, to a heading of that file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { documentationFiles, root } from './markdown';

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

function withoutCode(markdown: string): string {
  // Blank lines in place of code blocks, so line numbers stay those of the file.
  return markdown.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[ \t]*$/gm, (block) =>
    block.replace(/[^\n]/g, ''),
  );
}

function anchorsOf(path: string): Set<string> {
  const text = withoutCode(readFileSync(path, 'utf8'));
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchor(match[1]!)));
}

describe('documentation links', () => {
  it('README.md has at most 300 lines', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(
      300,
    );
  });

  const files = [...documentationFiles(), 'CONTRIBUTING.md', 'bench/README.md'];
  it.each(files)('%s links only to files and headings that exist', (file) => {
    const text = withoutCode(readFileSync(join(root, file), 'utf8'));
    const broken: string[] = [];
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1]!;
      if (/^[a-z]+:/i.test(link)) continue;
      const [path = '', fragment] = link.split('#');
      const target = path === '' ? join(root, file) : normalize(join(root, dirname(file), path));
      const line = text.slice(0, match.index).split('\n').length;
      if (!existsSync(target)) broken.push(`${file}:${line}: ${link}: no such file`);
      else if (
        fragment !== undefined &&
        target.endsWith('.md') &&
        !anchorsOf(target).has(fragment)
      ) {
        broken.push(`${file}:${line}: ${link}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });
});
