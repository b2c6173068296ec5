// `mint`'s flags for the typed gateway claims, and the refusals it shares with the library.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningKey } from '../../src/keys/signing-key';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { runCli } from './run-cli';

const ISSUER = 'https://gitlab.example.com';
const NOW = new Date('2026-01-01T00:00:00Z');
const now = () => NOW;
let dir: string;
let key: SigningKey;
let keyFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-mint-gw-'));
  key = SigningKey.generate();
  keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, key.toPem(), { mode: 0o600 });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mint = (...flags: string[]) =>
  runCli(
    [
      'mint',
      '--subject',
      'i-1',
      '--scopes',
      'code_suggestions',
      '--issuer',
      ISSUER,
      '--key',
      keyFile,
      ...flags,
    ],
    { now },
  );

describe('ai-access-token mint: typed gateway claims', () => {
  it('mints --instance-id, --duo-seat-count and --third-party-ai-features as typed claims', async () => {
    const result = await mint(
      '--instance-id',
      'i-1',
      '--duo-seat-count',
      '25',
      '--third-party-ai-features',
      'false',
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const verified = verifyAiAccessToken(result.stdout.trim(), { keys: key.publicKey, now });
    expect(verified).toMatchObject({
      instanceId: 'i-1',
      duoSeatCount: 25,
      thirdPartyAiFeaturesEnabled: false,
    });
    expect(verified.claims).toMatchObject({
      gitlab_instance_id: 'i-1',
      duo_seat_count: '25',
      third_party_ai_features_enabled: false,
    });
  });

  it.each([
    [['--duo-seat-count', '1e3'], '--duo-seat-count must be a whole number from 0; got "1e3"'],
    [['--duo-seat-count=-1'], '--duo-seat-count must be a whole number from 0; got "-1"'],
    [
      ['--duo-seat-count', '99999999999999999999'],
      '--duo-seat-count must be a whole number from 0 to 9007199254740991; got 100000000000000000000',
    ],
    [
      ['--third-party-ai-features', 'no'],
      '--third-party-ai-features must be true or false; got "no"',
    ],
    [['--instance-id', ''], '--instance-id must be a non-empty string; got ""'],
    [
      ['--claim', 'at_hash=abc'],
      /: --claim must not set "at_hash": the gateway's JWT library rejects/,
    ],
    [
      ['--claim', 'duo_seat_count=3'],
      /: --claim must not set "duo_seat_count": use the typed option duoSeatCount/,
    ],
    [
      ['--claim', 'blob=' + 'x'.repeat(9000)],
      /: --claim make the token 12\d{3} characters long; verifiers accept at most 8192/,
    ],
  ])('refuses %#', async (flags, message) => {
    const result = await mint(...flags);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    const firstLine = result.stderr.split('\n')[0] ?? '';
    if (typeof message === 'string') expect(firstLine).toContain(message);
    else expect(firstLine).toMatch(message);
  });
});
