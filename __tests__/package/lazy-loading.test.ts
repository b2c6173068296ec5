// Cold start: the main entry, required in a fresh process as a consumer would, loads nothing that
// minting does not use. jsonwebtoken (and its semver) is required at the first verification, the
// date-fns locale at the first human-readable time, uuid at the first generated jti; the
// verification, store, discovery, issuer-cache, gateway-header and HTTP modules when one of their
// exports is first read (the build's scripts/lazy-entry.mjs wires them).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from '../../src/index';

const root = join(__dirname, '..', '..');
const entry = join(root, 'dist', 'index.js');

beforeAll(() => {
  if (
    !existsSync(entry) ||
    !readFileSync(entry, 'utf8').includes('MAX_VERIFIED_TOKEN_CACHE_ENTRIES')
  ) {
    throw new Error('dist/ is missing or stale: run `npm run build` (npm test does) before jest');
  }
});

// Our own modules (under dist/) in require.cache, as paths relative to dist/.
const OWN_MODULES = `
  const own = () => Object.keys(Module._cache)
    .filter((file) => file.startsWith(${JSON.stringify(join(root, 'dist'))}))
    .map((file) => file.slice(${JSON.stringify(join(root, 'dist').length + 1)}).replace(/\\\\/g, '/'))
    .sort();
`;

// Runs `steps` after requiring the entry in a fresh Node process; reports which packages are in
// require.cache (Module._cache) after the require and after each step.
function loadedPackages(steps: string): Record<string, string[]> {
  const script = `
    const Module = require('node:module');
    const packages = () => [...new Set(Object.keys(Module._cache)
      .map((file) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file)?.[1])
      .filter(Boolean))].sort();
    ${OWN_MODULES}
    const seen = {};
    const lib = require(${JSON.stringify(entry)});
    seen.required = packages();
    seen.ownRequired = own();
    const key = lib.SigningKey.generate();
    const token = new lib.AiAccessToken({
      subject: 'user-42', scopes: ['code_suggestions'], issuer: 'https://gitlab.example.com', signingKey: key,
    }).encoded();
    seen.minted = packages();
    seen.ownMinted = own();
    ${steps}
    process.stdout.write(JSON.stringify(seen));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 }),
  ) as Record<string, string[]>;
}

it('mints without loading jsonwebtoken, and loads it at the first verification', () => {
  const seen = loadedPackages(`
    lib.verifyAiAccessToken(token, { keys: key });
    seen.verified = packages();
  `);
  expect(seen.required).not.toContain('jsonwebtoken');
  expect(seen.required).not.toContain('semver');
  expect(seen.required).not.toContain('uuid');
  expect(seen.minted).not.toContain('jsonwebtoken');
  expect(seen.minted).toContain('uuid');
  expect(seen.verified).toContain('jsonwebtoken');
});

// The directories of the features a minting process does not use.
const OPTIONAL_FEATURES =
  /^(verify\/(?!decode\.js$)|service-access-token\/|discovery\/|issuer\/|gateway\/|http\/|resolve-access-token)/;

it('mints without loading the verification, store, discovery, gateway or HTTP modules', () => {
  const seen = loadedPackages('');
  expect(seen.ownRequired).toContain('token/ai-access-token.js');
  expect(seen.ownRequired!.filter((file) => OPTIONAL_FEATURES.test(file))).toEqual([]);
  expect(seen.ownMinted!.filter((file) => OPTIONAL_FEATURES.test(file))).toEqual([]);
});

it.each([
  ['createAiAccessTokenVerifier', 'verify/verify-ai-access-token.js'],
  ['SqliteServiceAccessTokenStore', 'service-access-token/sqlite-store.js'],
  ['PostgresServiceAccessTokenStore', 'service-access-token/postgres-store.js'],
  ['createRemoteKeySet', 'discovery/remote-key-set.js'],
  ['createDiscoveryHandler', 'discovery/discovery-handler.js'],
  ['AiAccessTokenIssuer', 'issuer/ai-access-token-issuer.js'],
  ['checkGatewayHeaders', 'gateway/check-gateway-headers.js'],
  ['createTokenEndpoint', 'http/token-endpoint.js'],
])('loads the module behind %s when that export is first read', (name, file) => {
  const seen = loadedPackages(`
    seen.before = own();
    seen.type = typeof lib[${JSON.stringify(name)}];
    seen.after = own();
    seen.same = [lib[${JSON.stringify(name)}] === lib[${JSON.stringify(name)}]];
  `);
  expect(seen.before).not.toContain(file);
  expect(seen.type).toBe('function');
  expect(seen.after).toContain(file);
  expect(seen.same).toEqual([true]);
});

it('exposes the same names to require() and to ESM imports, and each is the same value', () => {
  const script = `
    import { createRequire } from 'node:module';
    const namespace = await import(${JSON.stringify(entry)});
    const required = createRequire(import.meta.url)(${JSON.stringify(entry)});
    const esm = Object.keys(namespace).filter((name) => name !== 'default' && name !== '__esModule').sort();
    const cjs = Object.keys(required).filter((name) => name !== '__esModule').sort();
    const differ = cjs.filter((name) => namespace[name] !== required[name]);
    process.stdout.write(JSON.stringify({ esm, cjs, differ }));
  `;
  const { esm, cjs, differ } = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    }),
  ) as { esm: string[]; cjs: string[]; differ: string[] };
  // What src/index.ts exports, loaded here eagerly from source: the build's entry has the same names.
  const source = Object.keys(api)
    .filter((name) => name !== '__esModule')
    .sort();
  expect(source.length).toBeGreaterThan(60);
  expect(cjs).toEqual(source);
  expect(esm).toEqual(cjs);
  expect(differ).toEqual([]);
});
