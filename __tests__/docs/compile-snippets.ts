// Type-checks documentation snippets as standalone strict modules that import the built package
// by name, and reports each diagnostic at its Markdown file and line.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { root, type CodeBlock } from './markdown';

const LANGUAGES = new Set(['ts', 'typescript', 'mts', 'cts', 'js', 'javascript', 'mjs', 'cjs']);

/**
 * Whether the checks compile this block: TypeScript and JavaScript fences.
 *
 * @example
 * ```ts
 * blocks.filter(isCompiled);
 * ```
 */
export function isCompiled(block: CodeBlock): boolean {
  return LANGUAGES.has(block.lang);
}

// TypeScript is compiled as an ES module (.mts: top-level await allowed). JavaScript is a
// CommonJS script when it uses require or module.exports, an ES module otherwise.
function extensionOf(block: CodeBlock): string {
  if (block.lang === 'cts') return '.cts';
  if (block.lang === 'cjs') return '.cjs';
  if (['ts', 'typescript', 'mts'].includes(block.lang)) return '.mts';
  if (block.lang === 'mjs') return '.mjs';
  return /\brequire\(|\bmodule\.exports\b/.test(block.code) ? '.cjs' : '.mjs';
}

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  moduleDetection: ts.ModuleDetectionKind.Force,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  typeRoots: [join(root, 'node_modules', '@types')],
  allowJs: true,
  checkJs: true,
  esModuleInterop: true,
  noEmit: true,
  skipLibCheck: true,
};

/**
 * Compiles `blocks` (strict, `module: node16`) against the built package, resolved by its name
 * through the package's own `exports` map, and returns one `file:line:column: TSnnnn message`
 * per diagnostic, pointing into the Markdown (or into the preamble comment). Empty means clean.
 * Needs `dist/` (`npm run build`).
 *
 * @example
 * ```ts
 * expect(compileSnippets(blocksOf('docs/verifying.md').filter(isCompiled), 'verifying')).toEqual([]);
 * ```
 */
export function compileSnippets(blocks: readonly CodeBlock[], name: string): string[] {
  // Inside the package folder, so that `'ai-access-token'` is a self-reference.
  const work = join(root, 'temp', `docs-snippets-${name}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const sources = new Map<string, { block: CodeBlock; preambleLines: number }>();
  try {
    for (const block of blocks) {
      const path = join(
        work,
        `${block.file.replace(/[^\w.-]+/g, '_')}-L${block.line}${extensionOf(block)}`,
      );
      const preambleLines = block.preamble === undefined ? 0 : block.preamble.split('\n').length;
      const text = block.preamble === undefined ? block.code : `${block.preamble}\n${block.code}`;
      writeFileSync(path, `${text}\n`);
      sources.set(path, { block, preambleLines });
    }
    const program = ts.createProgram([...sources.keys()], OPTIONS);
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
      const source = diagnostic.file && sources.get(diagnostic.file.fileName);
      if (diagnostic.file === undefined || source === undefined || diagnostic.start === undefined) {
        return `TS${diagnostic.code}: ${message}`;
      }
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      const { block, preambleLines } = source;
      const inPreamble = line < preambleLines;
      const markdownLine = inPreamble
        ? block.preambleLine! + line
        : block.line + line - preambleLines;
      const where = `${block.file}:${markdownLine}:${character + 1 + block.indent}`;
      return `${where}: TS${diagnostic.code} ${message}${inPreamble ? ' (in the docs-check preamble)' : ''}`;
    });
    return problems.sort(byLocation);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// file, then line, then column: the order a reader fixes them in.
function byLocation(a: string, b: string): number {
  const [fileA = '', lineA = 0, columnA = 0] = location(a);
  const [fileB = '', lineB = 0, columnB = 0] = location(b);
  return fileA.localeCompare(fileB) || lineA - lineB || columnA - columnB;
}

function location(problem: string): [string, number, number] | [] {
  const match = /^(.+?):(\d+):(\d+):/.exec(problem);
  return match === null ? [] : [match[1]!, Number(match[2]), Number(match[3])];
}
