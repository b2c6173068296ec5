// Reads the fenced code blocks of the documentation, with the hidden preamble a block may carry.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const root = join(__dirname, '..', '..');

/**
 * One fenced code block. `line` is the 1-based line of its first code line in `file`; `preamble`
 * is the body of a `<!-- docs-check … -->` comment written right before the fence (only blank
 * lines between), and `preambleLine` the line of its first line.
 */
export interface CodeBlock {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  readonly indent: number;
  readonly preamble: string | undefined;
  readonly preambleLine: number | undefined;
}

const PREAMBLE_OPEN = '<!-- docs-check';

/**
 * The code blocks of a Markdown text, in order. Fences may be indented (inside list items); the
 * indentation is removed from the code and the preamble.
 *
 * @example
 * ```ts
 * codeBlocks(readFileSync('README.md', 'utf8'), 'README.md').filter((b) => b.lang === 'ts');
 * ```
 */
export function codeBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let pending: { text: string; line: number } | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const trimmed = line.trim();
    if (trimmed.startsWith(PREAMBLE_OPEN)) {
      const indent = line.length - line.trimStart().length;
      const body: string[] = [];
      const first = trimmed.slice(PREAMBLE_OPEN.length).trim();
      if (first !== '' && first !== '-->') body.push(first.replace(/-->$/, '').trim());
      let end = index;
      if (!trimmed.endsWith('-->')) {
        end += 1;
        while (end < lines.length && !lines[end]!.trim().endsWith('-->')) {
          body.push(lines[end]!.slice(indent));
          end += 1;
        }
        if (end >= lines.length) {
          throw new Error(`${file}:${index + 1}: unterminated <!-- docs-check comment`);
        }
        const last = lines[end]!.trim().replace(/-->$/, '').trim();
        if (last !== '') body.push(last);
      }
      pending = { text: body.join('\n'), line: index + 2 };
      index = end;
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence === null) {
      if (trimmed !== '') pending = undefined;
      continue;
    }
    const indent = fence[1]!.length;
    const marker = fence[2]!;
    const code: string[] = [];
    let end = index + 1;
    while (end < lines.length) {
      const closing = lines[end]!.trim();
      if (closing.startsWith(marker[0]!.repeat(marker.length)) && /^[`~]+$/.test(closing)) break;
      code.push(
        lines[end]!.slice(Math.min(indent, lines[end]!.length - lines[end]!.trimStart().length)),
      );
      end += 1;
    }
    blocks.push({
      file,
      line: index + 2,
      lang: fence[3]!.toLowerCase(),
      code: code.join('\n'),
      indent,
      preamble: pending?.text,
      preambleLine: pending?.line,
    });
    pending = undefined;
    index = end;
  }
  return blocks;
}

/**
 * The documentation the checks cover: README.md and docs/**\/*.md, except the generated API
 * reference (docs/api/, whose examples are TSDoc fragments), as paths relative to the root.
 *
 * @example
 * ```ts
 * documentationFiles(); // ['README.md', 'docs/cli.md', …]
 * ```
 */
export function documentationFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .filter((path) => !path.startsWith('docs/api/'));
  return ['README.md', ...docs.sort()];
}

/**
 * Every code block of a documentation file.
 *
 * @example
 * ```ts
 * blocksOf('docs/cli.md').filter((block) => block.lang === 'console');
 * ```
 */
export function blocksOf(path: string): CodeBlock[] {
  return codeBlocks(readFileSync(join(root, path), 'utf8'), path);
}
