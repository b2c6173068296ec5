// Benchmark: tokens per second through a PKCS#11 key (SoftHSM2) against crypto.sign with the key
// in process, and the synchronous issuer against the asynchronous one. Run with
// `npm run bench:hsm` (builds dist/ first); needs softhsm2, opensc (pkcs11-tool) and pkcs11js.
// Every path mints fresh tokens (a new subject each time: no cache hits) for a fixed time.
import { execFileSync } from 'node:child_process';
import { sign as cryptoSign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const MODULE = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
].find(existsSync);
if (MODULE === undefined) {
  console.log('skipped: SoftHSM2 is not installed (apt-get install softhsm2 opensc)');
  process.exit(0);
}
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONCURRENCY = 8;
const PIN = 'bench-pin-1234';

// A token in a temporary directory; SoftHSM2 reads SOFTHSM2_CONF when the module is initialised.
const dir = mkdtempSync(join(tmpdir(), 'ai-access-token-bench-hsm-'));
mkdirSync(join(dir, 'tokens'));
process.env.SOFTHSM2_CONF = join(dir, 'softhsm2.conf');
writeFileSync(
  process.env.SOFTHSM2_CONF,
  `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
);
execFileSync(
  'softhsm2-util',
  ['--init-token', '--free', '--label', 'bench', '--so-pin', '12345678', '--pin', PIN],
  { stdio: 'pipe' },
);
execFileSync(
  'pkcs11-tool',
  [
    '--module',
    MODULE,
    '--token-label',
    'bench',
    '--login',
    '--pin',
    PIN,
    '--keypairgen',
    '--key-type',
    'rsa:2048',
    '--label',
    'bench-key',
  ],
  { stdio: 'pipe' },
);

const lib = require('../dist/index.js');
const { openPkcs11Signer } = require('../dist/pkcs11/index.js');
const ISSUER = 'https://gitlab.example.com';
const key = lib.SigningKey.generate();
const signer = await openPkcs11Signer({
  module: MODULE,
  tokenLabel: 'bench',
  keyLabel: 'bench-key',
  pin: PIN,
  sessions: CONCURRENCY,
});

let subject = 0;
const request = () => ({ subject: `user-${(subject += 1)}`, scopes: ['duo_chat'] });

// Runs `one` back to back (sync) or with CONCURRENCY in flight (async) for SECONDS; tokens/s.
async function rate(one, concurrent) {
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  if (!concurrent) {
    while (performance.now() < end) {
      one();
      done += 1;
    }
  } else {
    const worker = async () => {
      while (performance.now() < end) {
        await one();
        done += 1;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
  return Math.round(done / SECONDS);
}

// One signature at a time through the token: the latency-bound figure.
async function rateOne() {
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  while (performance.now() < end) {
    await signer.sign(input);
    done += 1;
  }
  return Math.round(done / SECONDS);
}

const input = Buffer.from('x'.repeat(300));
const syncIssuer = new lib.AiAccessTokenIssuer({ issuer: ISSUER, signingKey: key });
const asyncIssuer = new lib.AiAccessTokenIssuer({ issuer: ISSUER, signingKey: key });
const hsmIssuer = new lib.AiAccessTokenIssuer({ issuer: ISSUER, signingKey: signer });
const rows = [
  [
    'crypto.sign (key in process, floor)',
    await rate(() => cryptoSign('sha256', input, key.privateKey), false),
  ],
  ['issuer.issue, SigningKey (sync)', await rate(() => syncIssuer.issue(request()), false)],
  [
    `issuer.issueAsync, SigningKey (${CONCURRENCY} in flight)`,
    await rate(() => asyncIssuer.issueAsync(request()), true),
  ],
  ['signer.sign, SoftHSM2 (1 in flight)', await rateOne()],
  [`signer.sign, SoftHSM2 (${CONCURRENCY} in flight)`, await rate(() => signer.sign(input), true)],
  [
    `issuer.issueAsync, SoftHSM2 (${CONCURRENCY} in flight)`,
    await rate(() => hsmIssuer.issueAsync(request()), true),
  ],
];

await signer.close();
rmSync(dir, { recursive: true, force: true });
console.log(`RSA-2048, ${SECONDS} s per path, ${cpus().length} CPU(s), node ${process.version}`);
for (const [name, perSecond] of rows)
  console.log(`${name.padEnd(48)} ${String(perSecond).padStart(7)} tokens/s`);
