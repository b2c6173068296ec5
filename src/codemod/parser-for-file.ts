import { extname } from 'node:path';

/**
 * A jscodeshift parser name.
 *
 * @example
 * ```ts
 * const parser: ParserName = parserForFile('src/token.ts'); // 'ts'
 * ```
 */
export type ParserName = 'ts' | 'tsx' | 'babylon';

/**
 * Extensions `ai-access-token migrate` looks at by default.
 *
 * @example
 * ```ts
 * DEFAULT_MIGRATION_EXTENSIONS.includes('tsx'); // true
 * ```
 */
export const DEFAULT_MIGRATION_EXTENSIONS: readonly string[] = Object.freeze([
  'ts',
  'tsx',
  'js',
  'mjs',
  'cjs',
  'jsx',
]);

// `.ts` gets the plain TypeScript parser because `<Type>value` assertions are legal there and a
// syntax error under tsx. JavaScript gets jscodeshift's Babel set-up (JSX, Flow, proposals), the
// one jscodeshift itself defaults to for JavaScript.
const PARSERS: Readonly<Record<string, ParserName>> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'babylon',
  '.mjs': 'babylon',
  '.cjs': 'babylon',
  '.jsx': 'babylon',
};

/**
 * The parser that reads a file, by extension; `tsx` for anything else (it reads JSX and types).
 *
 * @example
 * ```ts
 * parserForFile('a.tsx'); // 'tsx'
 * parserForFile('a.cjs'); // 'babylon'
 * ```
 */
export function parserForFile(file: string): ParserName {
  return PARSERS[extname(file).toLowerCase()] ?? 'tsx';
}
