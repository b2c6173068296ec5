import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwks } from '../../src/keys/key-ring';
import { SigningKey } from '../../src/keys/signing-key';
import { runCli } from './run-cli';

jest.setTimeout(60_000);

let dir: string;
let current: SigningKey;
let previous: SigningKey;
let files: { current: string; previous: string; publicKey: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-jwks-'));
  current = SigningKey.generate();
  previous = SigningKey.generate();
  files = {
    current: join(dir, 'current.pem'),
    previous: join(dir, 'previous.pem'),
    publicKey: join(dir, 'public.pem'),
  };
  writeFileSync(files.current, current.toPem());
  writeFileSync(files.previous, previous.toPem());
  writeFileSync(files.publicKey, current.publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ai-access-token jwks', () => {
  it('prints the JWKS of the keys, first is current, without duplicates or private members', async () => {
    const result = await runCli([
      'jwks',
      '--key',
      files.current,
      '-k',
      files.previous,
      '--key',
      files.current,
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const document = JSON.parse(result.stdout);
    expect(document).toEqual(jwks(current, previous));
    expect(document.keys.map((k: { kid: string }) => k.kid)).toEqual([current.kid, previous.kid]);
    expect(result.stdout).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
  });

  it('needs at least one --key (exit 2)', async () => {
    const result = await runCli(['jwks']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      'ai-access-token jwks: --key is required (see ai-access-token jwks --help)\n',
    );
  });

  it('fails (exit 1) on a public key file, naming it', async () => {
    const result = await runCli(['jwks', '--key', files.publicKey]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ai-access-token jwks: --key ${JSON.stringify(files.publicKey)}: signing key is a public key; RS256 signing needs the RSA private key\n`,
    );
  });
});
