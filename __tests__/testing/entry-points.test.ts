import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// The entry points as a consumer gets them: the package is built with tsc from src into
// <fixture>/node_modules/ai-access-token/dist beside a copy of package.json (so its `exports` map
// is the one resolved), and a consumer package in <fixture> requires, imports and type-checks it.
const run = promisify(execFile);
const root = resolve(__dirname, '../..');
const tsc = require.resolve('typescript/bin/tsc');
const TIMEOUT = 300_000;

let fixture = '';
let pkg = '';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[]): Promise<Outcome> {
  return exec(process.execPath, args);
}

async function exec(file: string, args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: fixture, timeout: TIMEOUT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof code === 'number' ? code : 1,
      stdout: stdout ?? '',
      stderr: stderr ?? '',
    };
  }
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

beforeAll(async () => {
  mkdirSync(join(root, 'temp'), { recursive: true });
  fixture = mkdtempSync(join(root, 'temp', 'testing-entry-'));
  pkg = join(fixture, 'node_modules', 'ai-access-token');
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
  // A package of its own, so `ai-access-token` resolves through node_modules, not as the
  // repository's self-reference.
  writeJson(join(fixture, 'package.json'), { name: 'consumer', private: true });
  writeJson(join(fixture, 'tsconfig.build.json'), {
    extends: join(root, 'tsconfig.build.json'),
    compilerOptions: { rootDir: join(root, 'src'), outDir: join(pkg, 'dist') },
    include: [],
    files: ['index.ts', 'testing/index.ts', 'testing/jest-setup.ts'].map((file) =>
      join(root, 'src', file),
    ),
  });
  // Type errors elsewhere in src (other work in progress) do not stop tsc from emitting; the
  // tests below fail on their own if an entry point is missing.
  await exec(process.execPath, [tsc, '-p', join(fixture, 'tsconfig.build.json')]);
}, TIMEOUT);

afterAll(() => {
  if (fixture !== '') rmSync(fixture, { recursive: true, force: true });
});

describe('the main entry', () => {
  test(
    'does not load ai-access-token/testing',
    async () => {
      const result = await node([
        '-e',
        `const main = require('ai-access-token');
       const files = Object.keys(require.cache);
       console.log(JSON.stringify({
         verify: typeof main.verifyAiAccessToken,
         testingExports: ['frozenClock', 'aiAccessTokenMatchers', 'generateTestSigningKey'].filter((name) => name in main),
         mainLoaded: files.some((file) => file.endsWith('/dist/index.js')),
         testingLoaded: files.filter((file) => file.includes('/dist/testing/')),
       }));`,
      ]);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({
        verify: 'function',
        testingExports: [],
        mainLoaded: true,
        testingLoaded: [],
      });
    },
    TIMEOUT,
  );
});

describe('ai-access-token/testing', () => {
  test(
    'loads from CommonJS',
    async () => {
      const result = await node([
        '-e',
        `const testing = require('ai-access-token/testing');
       const key = testing.generateTestSigningKey();
       console.log(JSON.stringify({
         exports: Object.keys(testing).sort(),
         sameKey: key === testing.generateTestSigningKey(),
         clock: testing.frozenClock('2026-01-01T00:00:00Z').advance(60).toISOString(),
       }));`,
      ]);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({
        exports: [
          'aiAccessTokenMatchers',
          'decodeUnverified',
          'frozenClock',
          'generateTestSigningKey',
        ],
        sameKey: true,
        clock: '2026-01-01T00:01:00.000Z',
      });
    },
    TIMEOUT,
  );

  test(
    'has named ESM imports',
    async () => {
      const result = await node([
        '--input-type=module',
        '-e',
        `import { aiAccessTokenMatchers, decodeUnverified, frozenClock, generateTestSigningKey } from 'ai-access-token/testing';
       import { AiAccessToken } from 'ai-access-token';
       const signingKey = generateTestSigningKey();
       const now = frozenClock('2026-01-01T00:00:00Z');
       const token = new AiAccessToken({ subject: 'user-42', scopes: ['duo_chat'], issuer: 'https://gitlab.example.com', signingKey, now });
       console.log(JSON.stringify({
         sub: decodeUnverified(token.encoded()).payload.sub,
         matchers: Object.keys(aiAccessTokenMatchers).sort(),
       }));`,
      ]);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({
        sub: 'user-42',
        matchers: [
          'toBeAiAccessToken',
          'toExpireWithin',
          'toHaveAudience',
          'toHaveClaims',
          'toHaveScopes',
        ],
      });
    },
    TIMEOUT,
  );

  test(
    'jest-setup outside jest fails with a message saying where it belongs',
    async () => {
      const result = await node(['-e', `require('ai-access-token/testing/jest-setup')`]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(
        /InvalidClaimError: ai-access-token\/testing\/jest-setup must run inside jest/,
      );
    },
    TIMEOUT,
  );

  test('the emitted declarations carry the Matchers augmentation', () => {
    const dist = join(pkg, 'dist', 'testing');
    expect(readFileSync(join(dist, 'index.d.ts'), 'utf8')).toContain("from './jest-matchers'");
    expect(readFileSync(join(dist, 'jest-setup.d.ts'), 'utf8')).toContain(
      "import './jest-matchers'",
    );
    const augmentation = readFileSync(join(dist, 'jest-matchers.d.ts'), 'utf8');
    expect(augmentation).toMatch(
      /declare global \{\s+namespace jest \{\s+interface Matchers<R, T = \{\}> extends AiAccessTokenMatchers<R>/,
    );
    expect(augmentation).toMatch(
      /declare module 'expect' \{\s+interface Matchers<R extends void \| Promise<void>, T = unknown> extends AiAccessTokenMatchers<R>/,
    );
  });

  test(
    'the shipped types put the matchers on both expects, and on jest-setup alone',
    async () => {
      // The type tests of ./types, re-pointed from src to the package as a consumer imports it.
      for (const file of ['global-expect.ts', 'jest-globals-expect.ts']) {
        const source = readFileSync(join(__dirname, 'types', file), 'utf8')
          .replaceAll("'../../../src/testing'", "'ai-access-token/testing'")
          .replaceAll("'../../../src/keys/key-ring'", "'ai-access-token'");
        expect(source).not.toContain('../src/');
        writeFileSync(join(fixture, file), source);
      }
      // No import at all: the types come from `compilerOptions.types`, as the README says.
      writeFileSync(
        join(fixture, 'setup-only.ts'),
        `export function assertions(token: string): void {
         expect(token).toHaveScopes(['duo_chat']);
         // @ts-expect-error -- scopes is an array
         expect(token).toHaveScopes('duo_chat');
       }\n`,
      );
      const project = (name: string, files: string[], types: string[]): string => {
        const path = join(fixture, `tsconfig.${name}.json`);
        writeJson(path, {
          extends: join(root, 'tsconfig.json'),
          compilerOptions: { noEmit: true, types },
          include: [],
          files,
        });
        return path;
      };
      const results = await Promise.all([
        exec(process.execPath, [
          tsc,
          '--pretty',
          'false',
          '-p',
          project('global', ['global-expect.ts'], ['node', 'jest']),
        ]),
        exec(process.execPath, [
          tsc,
          '--pretty',
          'false',
          '-p',
          project('globals', ['jest-globals-expect.ts'], ['node']),
        ]),
        exec(process.execPath, [
          tsc,
          '--pretty',
          'false',
          '-p',
          project(
            'setup',
            ['setup-only.ts'],
            ['node', 'jest', 'ai-access-token/testing/jest-setup'],
          ),
        ]),
      ]);
      expect(results.map((result) => result.stdout + result.stderr)).toEqual(['', '', '']);
    },
    TIMEOUT,
  );
});
