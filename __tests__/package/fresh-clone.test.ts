// A package packed from a fresh clone that was never built still contains dist/ (the `prepack`
// script builds it), and installs into a project that requires and imports it. This is what
// `npm publish` and `npm install git+…` do.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackResult {
  filename: string;
  files: { path: string }[];
}

function gitAvailable(): boolean {
  try {
    execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const available = gitAvailable();
if (!available && process.env.AI_ACCESS_TOKEN_REQUIRE_SERVICES !== '1') {
  console.log('fresh-clone test skipped: git, or a git checkout of this package, is not available');
}
const describeWithGit =
  available || process.env.AI_ACCESS_TOKEN_REQUIRE_SERVICES === '1' ? describe : describe.skip;

describeWithGit('npm pack from a fresh clone, never built', () => {
  let work = '';
  let pack: PackResult;
  let project = '';

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ai-access-token-clone-'));
    const clone = join(work, 'clone');
    // The committed HEAD only: no dist/, no node_modules, nothing uncommitted.
    execFileSync('git', ['clone', '--quiet', root, clone], { stdio: 'pipe' });
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    const head = (dir: string) =>
      execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
    expect(head(clone)).toBe(head(root));
    // The project's installed dependencies, instead of a two-minute `npm ci`.
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const env = { ...process.env, npm_config_ignore_scripts: 'false', npm_config_offline: 'true' };
    const out = execFileSync(npm, ['pack', '--json', '--pack-destination', work], {
      cwd: clone,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    // npm prints the prepack script's output before the JSON.
    pack = (JSON.parse(out.slice(out.indexOf('\n[') + 1)) as PackResult[])[0]!;

    // A consumer project with the tarball unpacked as node_modules/ai-access-token and its
    // runtime dependencies resolved to the project's own copies (no registry).
    project = join(work, 'consumer');
    const installed = join(project, 'node_modules', 'ai-access-token');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', [
      '-xzf',
      join(work, pack.filename),
      '-C',
      installed,
      '--strip-components=1',
    ]);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies)) {
      symlinkSync(
        join(root, 'node_modules', dependency),
        join(project, 'node_modules', dependency),
        'dir',
      );
    }
  }, 240_000);

  afterAll(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  function node(args: string[]): string {
    return execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' });
  }

  it('contains the built entry points, because prepack built them', () => {
    const files = pack.files.map((file) => file.path);
    for (const entry of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/testing/index.js',
      'dist/codemod/transform.js',
      'dist/cli/main.js',
    ]) {
      expect(files).toContain(entry);
    }
  });

  it('is required by a CommonJS consumer', () => {
    const out = node([
      '-e',
      `const { AiAccessToken, SigningKey, verifyAiAccessToken } = require('ai-access-token');
       const signingKey = SigningKey.generate();
       const token = new AiAccessToken({ subject: 'user-42', scopes: ['duo_chat'], issuer: 'https://i.example', signingKey }).encoded();
       console.log(verifyAiAccessToken(token, { keys: signingKey }).subject);
       console.log(require.resolve('ai-access-token').includes('consumer'));`,
    ]);
    expect(out).toBe('user-42\ntrue\n');
  });

  it('is imported by an ES module consumer, with the testing entry point', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { AI_GATEWAY_AUDIENCE } from 'ai-access-token';
       import { frozenClock } from 'ai-access-token/testing';
       console.log(AI_GATEWAY_AUDIENCE, frozenClock('2026-01-01T00:00:00Z')().toISOString());`,
    ]);
    expect(out).toBe('gitlab-ai-gateway 2026-01-01T00:00:00.000Z\n');
  });

  it('runs its command-line tool', () => {
    const version = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    expect(node(['node_modules/ai-access-token/dist/cli/main.js', '--version'])).toBe(
      `${version}\n`,
    );
  });
});
