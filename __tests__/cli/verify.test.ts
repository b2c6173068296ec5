import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwks } from '../../src/keys/key-ring';
import { SigningKey } from '../../src/keys/signing-key';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { forgeRs256 } from '../verify/forge';
import { runCli } from './run-cli';

jest.setTimeout(60_000);

const ISSUER = 'https://gitlab.example.com';
let dir: string;
let key: SigningKey;
let files: {
  privateKey: string;
  publicKey: string;
  jwks: string;
  otherKey: string;
  notJson: string;
};
let valid: string;
let expired: string;
let tampered: string;

const mint = (signingKey: SigningKey, now?: () => Date) =>
  new AiAccessToken({
    subject: 'user-42',
    scopes: ['code_suggestions', 'duo_chat'],
    issuer: ISSUER,
    signingKey,
    now,
  }).encoded();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-verify-'));
  key = SigningKey.generate();
  const other = SigningKey.generate();
  files = {
    privateKey: join(dir, 'key.pem'),
    publicKey: join(dir, 'public.pem'),
    jwks: join(dir, 'jwks.json'),
    otherKey: join(dir, 'other.pem'),
    notJson: join(dir, 'not.json'),
  };
  writeFileSync(files.privateKey, key.toPem());
  writeFileSync(files.publicKey, key.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(files.jwks, JSON.stringify(jwks(other, key)));
  writeFileSync(files.otherKey, other.toPem());
  writeFileSync(files.notJson, '{ keys: ');
  valid = mint(key);
  // Minted with a frozen clock four hours ago: expired three hours ago.
  expired = mint(key, () => new Date(Date.now() - 4 * 3600_000));
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, scopes: ['admin'] })).toString(
    'base64url',
  );
  tampered = `${header}.${forged}.${signature}`;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function expectNoToken(stderr: string, token: string): void {
  for (const part of token.split('.')) {
    if (part.length >= 16) expect(stderr).not.toContain(part.slice(0, 16));
  }
}

describe('ai-access-token verify', () => {
  it.each([
    ['--key (private key file: its public half)', () => ['--key', files.privateKey]],
    ['--key (public key file)', () => ['--key', files.publicKey]],
    ['--jwks', () => ['--jwks', files.jwks]],
  ])('accepts a valid token with %s: exit 0 and the verified claims', async (_name, flags) => {
    const result = await runCli(['verify', valid, ...flags()]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^✔ valid: signature and claims verified for audience gitlab-ai-gateway\n {2}subject user-42, scopes code_suggestions, duo_chat, realm saas\n/,
    );
    expect(result.stdout).toContain('  sub           "user-42"');
    expect(result.stdout).toMatch(/ {2}exp .+ {2}expires in 59 minutes\n/);
  });

  it('checks --issuer and --require-scope (repeatable or comma-separated)', async () => {
    const ok = await runCli([
      'verify',
      valid,
      '--key',
      files.publicKey,
      '--issuer',
      'https://elsewhere.example.com',
      '--issuer',
      ISSUER,
      '--require-scope',
      'code_suggestions',
      '--require-scope',
      'duo_chat,code_suggestions',
    ]);
    expect(ok.code).toBe(0);
  });

  it.each([
    ['expired', () => expired, [], /^ERR_TOKEN_EXPIRED: /],
    ['tampered', () => tampered, [], /^ERR_TOKEN_SIGNATURE: /],
    ['missing a required scope', () => valid, ['--require-scope', 'admin'], /^ERR_TOKEN_SCOPE: /],
    [
      'from another issuer',
      () => valid,
      ['--issuer', 'https://evil.example.com'],
      /^ERR_TOKEN_ISSUER: /,
    ],
    ['malformed', () => 'a.b', [], /^ERR_TOKEN_MALFORMED: /],
  ])(
    'rejects a token %s: exit 1 and one line "CODE: reason"',
    async (_name, token, flags, line) => {
      const result = await runCli(['verify', token(), '--key', files.publicKey, ...flags]);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(line);
      expect(result.stderr.endsWith('\n')).toBe(true);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expectNoToken(result.stderr, token());
    },
  );

  it('says "(none)" for a verified token without subject or scopes', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const iat = Math.floor(now.getTime() / 1000);
    const bare = forgeRs256(
      { alg: 'RS256', typ: 'JWT', kid: key.kid },
      {
        aud: 'gitlab-ai-gateway',
        iss: ISSUER,
        iat,
        nbf: iat,
        exp: iat + 600,
        gitlab_realm: 'saas',
        scopes: [],
      },
      key.privateKey,
    );
    const result = await runCli(['verify', bare, '--key', files.publicKey], { now: () => now });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('\n  subject (none), scopes (none), realm saas\n');
  });

  it('reports an error that no flag caused (a broken clock) as the library error, exit 1', async () => {
    const result = await runCli(['verify', valid, '--key', files.publicKey], {
      now: () => new Date(Number.NaN),
    });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERR_INVALID_CLAIM: now must return a valid Date; got Invalid Date\n',
    });
  });

  it('rejects a token signed by a key that is not trusted', async () => {
    const result = await runCli(['verify', valid, '--key', files.otherKey]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ERR_TOKEN_SIGNATURE: /);
  });

  it('reads the token from stdin and strips Bearer', async () => {
    const result = await runCli(['verify', '-', '--jwks', files.jwks], {
      stdin: `Bearer ${valid}\n`,
    });
    expect(result.code).toBe(0);
    const argument = await runCli(['verify', `Bearer ${valid}`, '--jwks', files.jwks]);
    expect(argument.code).toBe(0);
  });

  it('--json prints the verification result', async () => {
    const result = await runCli(['verify', valid, '--key', files.privateKey, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      subject: 'user-42',
      issuer: ISSUER,
      audience: 'gitlab-ai-gateway',
      legacy: false,
      gitlabRealm: 'saas',
      scopes: ['code_suggestions', 'duo_chat'],
      header: { alg: 'RS256', kid: key.kid },
      claims: { sub: 'user-42' },
    });
  });

  it.each([
    [[], '--jwks FILE or --key FILE is required: the keys to trust'],
    [['--jwks', 'a.json', '--key', 'b.pem'], 'pass either --jwks FILE or --key FILE, not both'],
    [
      ['--key', 'k.pem', '--require-scope', ''],
      '--require-scope must be an array of non-empty strings; --require-scope[0] is ""',
    ],
    [['--key', 'k.pem', '--jwk', 'x'], 'unknown option --jwk for verify'],
  ])('usage error %j', async (flags, message) => {
    const result = await runCli([
      'verify',
      valid,
      ...flags.map((f) => (f === 'k.pem' ? files.publicKey : f)),
    ]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      `ai-access-token verify: ${message} (see ai-access-token verify --help)\n`,
    );
  });

  it.each([
    [
      'a --jwks file that is not JSON',
      () => ['--jwks', files.notJson],
      () => `--jwks ${JSON.stringify(files.notJson)} is not JSON`,
    ],
    [
      'a --key file that is not a key',
      () => ['--key', files.notJson],
      () => `--key ${JSON.stringify(files.notJson)}: keys is a string but not a PEM public key`,
    ],
    [
      'a missing --key file',
      () => ['--key', join(dir, 'nope.pem')],
      () => `cannot read --key file ${JSON.stringify(join(dir, 'nope.pem'))} (ENOENT)`,
    ],
  ])('fails (exit 1) on %s', async (_name, flags, message) => {
    const result = await runCli(['verify', valid, ...flags()]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain(`ai-access-token verify: ${message()}`);
    expect(result.stderr).not.toContain('PRIVATE KEY');
    expectNoToken(result.stderr, valid);
  });

  it('a JWKS without a usable key fails with exit 1', async () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ keys: [{ kty: 'EC' }] }));
    const result = await runCli(['verify', valid, '--jwks', empty]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^ai-access-token verify: --jwks ".+": keys is a JWKS with no usable key/,
    );
  });

  it('says when the legacy audience matched, and that scopes are taken as code_suggestions', async () => {
    const legacy = new AiAccessToken({
      subject: 'instance-1',
      scopes: ['duo_chat'],
      issuer: ISSUER,
      signingKey: key,
      audience: 'gitlab-code-suggestions',
    }).encoded();
    const result = await runCli(['verify', legacy, '--key', files.publicKey]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^✔ valid: signature and claims verified for audience gitlab-code-suggestions \(legacy audience: scopes taken as code_suggestions\)\n {2}subject instance-1, scopes code_suggestions, realm saas\n/,
    );
  });
});
