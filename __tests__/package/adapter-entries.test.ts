// The framework adapters' subpaths, as a consumer loads them (built dist/, resolved through the
// package's `exports` map, in separate Node processes), and proof that the main entry loads none
// of the frameworks.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'express', 'index.js'))) {
    throw new Error('dist/ is missing or stale: run `npm run build` (npm test does) before jest');
  }
});

// Which frameworks (and adapter modules) a script has loaded, read from require.cache.
const LOADED = `
  const frameworks = Object.keys(require.cache)
    .map((file) => /node_modules[\\\\/](express|fastify|fastify-plugin|hono|@hono[\\\\/][^\\\\/]+)[\\\\/]/.exec(file)?.[1]
      ?? /dist[\\\\/](express|fastify|hono)[\\\\/]/.exec(file)?.[0])
    .filter(Boolean);
  console.log(JSON.stringify([...new Set(frameworks)].sort()));`;

it('the main entry loads none of the frameworks, nor any adapter', () => {
  expect(node(['-e', `require('ai-access-token'); ${LOADED}`])).toBe('[]\n');
});

it.each([
  ['express', ['discoveryRouter', 'requireAiAccessToken', 'tokenRoute'], '["dist/express/"]'],
  ['hono', ['discoveryRoutes', 'requireAiAccessToken', 'tokenRoute'], '["dist/hono/"]'],
  // fastify-plugin is what makes the decorators visible outside the plugin; fastify itself is not loaded.
  ['fastify', ['aiAccessTokenPlugin'], '["dist/fastify/","fastify-plugin"]'],
])(
  'ai-access-token/%s exports its functions and loads no framework of its own',
  (name, names, loaded) => {
    const out = node([
      '-e',
      `const m = require('ai-access-token/${name}');
     console.log(JSON.stringify(${JSON.stringify(names)}.filter((n) => typeof m[n] !== 'function')));
     ${LOADED}`,
    ]);
    expect(out.replaceAll('\\\\', '/')).toBe(`[]\n${loaded}\n`);
  },
);

it.each(['express', 'fastify', 'hono'])(
  'ai-access-token/%s works with named ESM imports',
  (name) => {
    const out = node([
      '--input-type=module',
      '-e',
      `import * as m from 'ai-access-token/${name}'; console.log(Object.keys(m).length > 0);`,
    ]);
    expect(out).toBe('true\n');
  },
);
