// A real SoftHSM2 token in a temporary directory, with an RSA-2048 key generated on it by
// pkcs11-tool. Absent SoftHSM2, pkcs11-tool or pkcs11js, `softHsmMissing` says why, and the tests
// skip with one line — unless AI_ACCESS_TOKEN_REQUIRE_SERVICES=1 (CI), where absence fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';

const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

export const SOFTHSM_MODULE = MODULE_CANDIDATES.find((path) => existsSync(path)) ?? '';
export const TOKEN_LABEL = 'ai-issuer';
export const KEY_LABEL = 'signing-2026';
export const USER_PIN = '4711-test-pin';
const SO_PIN = '12345678';

function missing(): string | undefined {
  const tools = ['softhsm2-util', 'pkcs11-tool'];
  for (const tool of tools) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`]);
    if (found.status !== 0) return `${tool} is not installed (apt-get install softhsm2 opensc)`;
  }
  if (SOFTHSM_MODULE === '') return 'the SoftHSM2 PKCS#11 module (libsofthsm2.so) was not found';
  try {
    require.resolve('pkcs11js');
  } catch {
    return 'pkcs11js is not installed (npm install -D pkcs11js)';
  }
  return undefined;
}

/** Why the SoftHSM2 tests cannot run here, or `undefined` when they can. */
export const softHsmMissing = missing();
export const requireServices = process.env.AI_ACCESS_TOKEN_REQUIRE_SERVICES === '1';

/** `it`, or `it.skip` with one printed line when SoftHSM2 is missing and not required. */
export function softHsmIt(file: string): jest.It {
  if (softHsmMissing === undefined) return it;
  if (requireServices) {
    throw new Error(`AI_ACCESS_TOKEN_REQUIRE_SERVICES=1 but ${softHsmMissing}`);
  }
  console.log(`skipped ${file}: ${softHsmMissing}`);
  return it.skip;
}

export interface SoftHsmToken {
  readonly dir: string;
  readonly conf: string;
  /** `pkcs11-tool` with the module, token and PIN given. */
  tool(args: readonly string[]): string;
  remove(): void;
}

/**
 * Creates a token labelled {@link TOKEN_LABEL} with an RSA-2048 key pair labelled
 * {@link KEY_LABEL}, under a fresh directory, and points SOFTHSM2_CONF at it (SoftHSM2 reads it
 * when the module is initialised).
 */
export function createSoftHsmToken(): SoftHsmToken {
  const dir = mkdtempSync(join(tmpdir(), 'ai-access-token-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  // SoftHSM2 reads SOFTHSM2_CONF with getenv() when the module is initialised, but jest gives each
  // test file a copy of process.env: the process's own environment is set through the outer realm.
  (runInThisContext('process') as NodeJS.Process).env.SOFTHSM2_CONF = conf;
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', TOKEN_LABEL, '--so-pin', SO_PIN, '--pin', USER_PIN],
    { env, stdio: 'pipe' },
  );
  const tool = (args: readonly string[]): string =>
    execFileSync(
      'pkcs11-tool',
      [
        '--module',
        SOFTHSM_MODULE,
        '--token-label',
        TOKEN_LABEL,
        '--login',
        '--pin',
        USER_PIN,
        ...args,
      ],
      { env, stdio: 'pipe' },
    ).toString();
  tool(['--keypairgen', '--key-type', 'rsa:2048', '--label', KEY_LABEL, '--id', '01']);
  return {
    dir,
    conf,
    tool,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
