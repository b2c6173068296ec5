// Cold start: the main entry, required in a fresh process as a consumer would, loads nothing that
// minting does not use. jsonwebtoken (and its semver) is required at the first verification, the
// date-fns locale at the first human-readable time, uuid at the first generated jti.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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

// Runs `steps` after requiring the entry in a fresh Node process; reports which packages are in
// require.cache (Module._cache) after the require and after each step.
function loadedPackages(steps: string): Record<string, string[]> {
  const script = `
    const Module = require('node:module');
    const packages = () => [...new Set(Object.keys(Module._cache)
      .map((file) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file)?.[1])
      .filter(Boolean))].sort();
    const seen = {};
    const lib = require(${JSON.stringify(entry)});
    seen.required = packages();
    const key = lib.SigningKey.generate();
    const token = new lib.AiAccessToken({
      subject: 'user-42', scopes: ['code_suggestions'], issuer: 'https://gitlab.example.com', signingKey: key,
    }).encoded();
    seen.minted = packages();
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
