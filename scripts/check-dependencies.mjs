// Dependency gate: the runtime `dependencies` are exactly the packages dist/ requires at the top
// level of a module (loaded on import), and every lazily required package is a declared optional
// peer. Run after `npm run build`.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.js') || path.endsWith('.d.ts')) yield path;
  }
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const required = new Map(); // package -> files requiring it at runtime
const referenced = new Set(); // packages named as a module anywhere in dist/ (.js or .d.ts)
for (const file of files(join(root, 'dist'))) {
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
    const specifier = match[1];
    if (specifier.startsWith('.') || builtins.has(specifier)) continue;
    const name = packageName(specifier);
    if (name === pkg.name) continue;
    if (!required.has(name)) required.set(name, new Set());
    required.get(name).add(relative(root, file));
  }
  for (const match of source.matchAll(/["']((?:@[\w.-]+\/)?[\w.-]+)["']/g))
    referenced.add(match[1]);
}

const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
const optionalPeers = new Set(
  Object.entries(pkg.peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta.optional)
    .map(([name]) => name),
);
const problems = [];
for (const [name, where] of required) {
  if (!dependencies.has(name) && !optionalPeers.has(name)) {
    problems.push(
      `${name} is required by ${[...where].join(', ')} but is not a dependency or optional peer`,
    );
  }
}
for (const name of dependencies) {
  if (!required.has(name))
    problems.push(`${name} is a runtime dependency that dist/ never requires`);
}
// Optional peers are loaded lazily (through a loader function) or only named in declarations.
for (const name of optionalPeers) {
  if (!required.has(name) && !referenced.has(name)) {
    problems.push(`${name} is an optional peer that dist/ never loads or names`);
  }
}
if (pkg.engines?.node !== '>=20')
  problems.push(`engines.node must be ">=20"; got ${pkg.engines?.node}`);

if (problems.length > 0) {
  for (const problem of problems) console.error(`check-dependencies: ${problem}`);
  process.exitCode = 1;
} else {
  console.log(
    `check-dependencies: ok (${[...dependencies].join(', ')}; optional peers ${[...optionalPeers].join(', ')})`,
  );
}
