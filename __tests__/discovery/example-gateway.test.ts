// `npm run example:gateway` end to end: the example runs in its own Node process against the built
// dist/ (imported by package name), so it proves what a consumer of the package would see.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');
const run = promisify(execFile);

beforeAll(() => {
  const entry = join(root, 'dist', 'index.js');
  if (
    !existsSync(join(root, 'dist', 'express', 'index.js')) ||
    !readFileSync(entry, 'utf8').includes('createTokenEndpoint')
  ) {
    throw new Error('dist/ is missing or stale: run `npm run build` (npm test does) before jest');
  }
});

it('starts a backend and a gateway on Express, verifies over HTTP, prints the answers and exits 0', async () => {
  // Generous timeout: other test suites may be loading the machine.
  const { stdout } = await run(process.execPath, [join(root, 'examples', 'gateway.mjs')], {
    cwd: root,
    timeout: 60_000,
    encoding: 'utf8',
  });
  const lines = stdout.trimEnd().split('\n');
  const issuer = /^backend\s+issuer (http:\/\/127\.0\.0\.1:\d+), publishing key \S+$/.exec(
    lines[0] ?? '',
  )?.[1];
  expect(issuer).toBeDefined();

  // Discovery first, then the JWKS it names; each fetched once for all three calls.
  expect(lines.filter((line) => line.startsWith('gateway  GET '))).toEqual([
    `gateway  GET ${issuer!}/.well-known/openid-configuration`,
    `gateway  GET ${issuer!}/oauth/discovery/keys`,
  ]);
  expect(stdout).toContain(
    'gateway  accepted user-42: audience gitlab-ai-gateway, scopes ["code_suggestions","duo_chat"]',
  );
  expect(stdout).toContain(
    'gateway  accepted user-42: audience gitlab-code-suggestions (legacy), scopes ["code_suggestions"]',
  );
  expect(stdout).toContain('editor   POST /api/v4/code_suggestions/tokens: 200, expires_in 3600');
  // The guard's own RFC 6750 answer; the route never runs.
  expect(stdout).toContain('backend  403 {"error":"insufficient_scope","code":"ERR_TOKEN_SCOPE"}');
  const answers = lines.filter((line) => /^backend\s+\d{3} /.test(line));
  expect(answers.map((line) => line.split(/\s+/)[1])).toEqual(['200', '200', '403']);
  expect(answers[0]).toContain('"completion":"def add(a, b):\\n    return a + b"');
  expect(lines.at(-1)).toBe('example  both servers stopped');
}, 90_000);
