// Type-test gate: compiles type-tests/*.ts against the built declarations (dist/), resolved
// through the package's own `exports` map, as a CommonJS consumer and an ESM consumer under
// `moduleResolution: node16`, and as a bundler consumer. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = readdirSync(join(root, 'type-tests')).filter((name) => name.endsWith('.ts'));
// Inside the package folder, so that `import 'ai-access-token'` is a self-reference.
const work = join(root, 'temp', 'type-tests');
rmSync(work, { recursive: true, force: true });

const common = {
  strict: true,
  esModuleInterop: true,
  noEmit: true,
  skipLibCheck: false,
  types: ['node'],
  typeRoots: [join(root, 'node_modules', '@types')],
  lib: ['ES2022'],
  target: 'ES2022',
};
const projects = {
  'node16-cjs': { ext: '.cts', options: { module: 'node16', moduleResolution: 'node16' } },
  'node16-esm': { ext: '.mts', options: { module: 'node16', moduleResolution: 'node16' } },
  bundler: { ext: '.ts', options: { module: 'esnext', moduleResolution: 'bundler' } },
};

let failed = false;
for (const [name, { ext, options }] of Object.entries(projects)) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const source of sources) {
    copyFileSync(join(root, 'type-tests', source), join(dir, source.replace(/\.ts$/, ext)));
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...common, ...options }, include: [`*${ext}`] }),
  );
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], {
      stdio: 'inherit',
    });
    console.log(`type-tests: ${name} ok`);
  } catch {
    console.error(`type-tests: ${name} failed`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
