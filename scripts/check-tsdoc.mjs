// TSDoc gate: every symbol exported by an entry point carries a TSDoc comment with an `@example`.
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(import.meta.url)('typescript');
const entries = [
  'src/index.ts',
  'src/testing/index.ts',
  'src/codemod/transform.ts',
  'src/express/index.ts',
  'src/fastify/index.ts',
  'src/hono/index.ts',
  'src/pkcs11/index.ts',
].map((entry) => join(root, entry));
const program = ts.createProgram(entries, {
  strict: true,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
});
const checker = program.getTypeChecker();

const missing = [];
for (const entry of entries) {
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry));
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.[0];
    const documented =
      declaration === undefined
        ? declaration
        : ts.isVariableDeclaration(declaration)
          ? declaration.parent.parent
          : declaration;
    const tags = documented === undefined ? [] : ts.getJSDocTags(documented);
    if (!tags.some((tag) => tag.tagName.text === 'example')) {
      const where = declaration ? relative(root, declaration.getSourceFile().fileName) : '?';
      missing.push(`${relative(root, entry)}: ${exported.name} (declared in ${where})`);
    }
  }
}
if (missing.length > 0) {
  console.error(`check-tsdoc: exports without an @example:\n  ${missing.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log('check-tsdoc: every export has TSDoc with an @example');
}
