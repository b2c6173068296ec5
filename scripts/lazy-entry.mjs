// Build step after tsc: makes the main entry (dist/index.js) load its optional features on first
// use. tsc turns each `export { A, B } from './m'` of src/index.ts into
//
//   var m_1 = require("./m");
//   Object.defineProperty(exports, "A", { enumerable: true, get: function () { return m_1.A; } });
//
// This script rewrites the first line, for every module not in MINTING below, into
//
//   var m_1 = (0, lazy_module_1.lazyModule)(() => require("./m"), ["A", "B"]);
//
// The getters stay as tsc wrote them, so Node's ESM loader (cjs-module-lexer) still finds every
// named export, and dist/index.d.ts is tsc's own: the public API and its types do not change. A
// process that only mints loads what MINTING lists; the rest loads when one of its names is read.
// __tests__/package/lazy-loading.test.ts holds the build to that.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `node scripts/lazy-entry.mjs [DIST]`: DIST defaults to the repository's dist/ (tests build into
// a private folder and pass theirs).
const dist = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const entry = join(dist, 'index.js');

/** The modules minting uses: required when the entry is. */
const MINTING = new Set([
  './constants',
  './errors',
  './keys/signing-key',
  './keys/key-ring',
  './keys/key-schedule',
  './token/ai-access-token',
]);

const source = readFileSync(entry, 'utf8');
if (source.includes('lazy_module_1')) {
  throw new Error(`lazy-entry: ${entry} is already rewritten; run tsc first`);
}
const requireLine = /^var (\w+) = require\("(\.\/[^"]+)"\);$/gm;
let lazy = 0;
const rewritten = source.replace(requireLine, (line, binding, path) => {
  if (MINTING.has(path)) return line;
  const names = [
    ...source.matchAll(new RegExp(`return ${binding}\\.(\\w+); \\} \\}\\);$`, 'gm')),
  ].map((match) => match[1]);
  if (names.length === 0) throw new Error(`lazy-entry: no export reads ${binding} (${path})`);
  lazy += 1;
  return `var ${binding} = (0, lazy_module_1.lazyModule)(() => require("${path}"), ${JSON.stringify(names)});`;
});
const firstRequire = rewritten.search(requireLine);
if (lazy === 0 || firstRequire < 0) {
  throw new Error('lazy-entry: the entry no longer has the shape tsc emitted; update this script');
}
writeFileSync(
  entry,
  `${rewritten.slice(0, firstRequire)}var lazy_module_1 = require("./lazy-module");\n${rewritten.slice(firstRequire)}`,
);
