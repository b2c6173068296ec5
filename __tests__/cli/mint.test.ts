import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningKey } from '../../src/keys/signing-key';
import { decodeJwt } from '../../src/verify/decode';
import { verifyAiAccessToken } from '../../src/verify/verify-ai-access-token';
import { runCli } from './run-cli';

jest.setTimeout(60_000);

const ISSUER = 'https://gitlab.example.com';
const NOW = new Date('2026-01-01T00:00:00Z');
const now = () => NOW;
let dir: string;
let key: SigningKey;
let keyFile: string;
let publicKeyFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aat-mint-'));
  key = SigningKey.generate();
  keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, key.toPem(), { mode: 0o600 });
  publicKeyFile = join(dir, 'public.pem');
  writeFileSync(publicKeyFile, key.publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const base = () => ['mint', '--subject', 'user-42', '--scopes', 'code_suggestions,duo_chat'];
const withKey = () => [...base(), '--issuer', ISSUER, '--key', keyFile];

function expectNoSecrets(stderr: string): void {
  expect(stderr).not.toMatch(/eyJ[\w-]+\.eyJ/);
  expect(stderr).not.toContain('PRIVATE KEY');
}

describe('ai-access-token mint', () => {
  it('prints a token the verifier accepts, and nothing else', async () => {
    const result = await runCli(withKey(), { now });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const verified = verifyAiAccessToken(result.stdout.trim(), {
      keys: key.publicKey,
      issuer: ISSUER,
      requiredScopes: ['code_suggestions', 'duo_chat'],
      now,
    });
    expect(verified).toMatchObject({ subject: 'user-42', audience: 'gitlab-ai-gateway' });
    expect(verified.header.kid).toBe(key.kid);
    expect(verified.claims).toMatchObject({
      iat: 1767225600,
      exp: 1767229200,
      gitlab_realm: 'saas',
    });
  });

  it('--json prints { token, header, claims, expiresAt }', async () => {
    const result = await runCli([...withKey(), '--json', '--ttl', '600'], { now });
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual(['token', 'header', 'claims', 'expiresAt']);
    expect(output.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(output.claims).toEqual(decodeJwt(output.token).payload);
    expect(output.claims).toMatchObject({ sub: 'user-42', iss: ISSUER, exp: 1767226200 });
    expect(output.expiresAt).toBe('2026-01-01T00:10:00.000Z');
  });

  it('sets realm, audiences and extra claims (VALUE as JSON when it parses, else a string)', async () => {
    const result = await runCli(
      [
        ...withKey(),
        '--realm',
        'self-managed',
        '--audience',
        'gitlab-ai-gateway',
        '--audience',
        'other',
        '--claim',
        'tier=3',
        '--claim',
        'beta=true',
        '--claim',
        'tags=["a","b"]',
        '--claim',
        'version="17.0"',
        '--claim',
        'team=ai platform',
        '--claim',
        'expr=a=b',
        '--claim',
        '__proto__={"polluted":1}',
        '--json',
      ],
      { now },
    );
    expect(result.code).toBe(0);
    const { claims } = JSON.parse(result.stdout);
    expect(claims).toMatchObject({
      gitlab_realm: 'self-managed',
      aud: ['gitlab-ai-gateway', 'other'],
      tier: 3,
      beta: true,
      tags: ['a', 'b'],
      version: '17.0',
      team: 'ai platform',
      expr: 'a=b',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('merges repeated --scopes', async () => {
    const result = await runCli(
      [
        'mint',
        '-s',
        'u',
        '--scopes',
        'a',
        '--scopes',
        'b, c',
        '--issuer',
        ISSUER,
        '-k',
        keyFile,
        '--json',
      ],
      { now },
    );
    expect(JSON.parse(result.stdout).claims.scopes).toEqual(['a', 'b', 'c']);
  });

  it('falls back to the library environment variables for issuer and key', async () => {
    const viaFile = await runCli(base(), {
      now,
      env: { AI_ACCESS_TOKEN_ISSUER: ISSUER, AI_ACCESS_TOKEN_SIGNING_KEY_FILE: keyFile },
    });
    expect(viaFile.code).toBe(0);
    expect(decodeJwt(viaFile.stdout.trim()).header.kid).toBe(key.kid);
    expect(decodeJwt(viaFile.stdout.trim()).payload.iss).toBe(ISSUER);
    const viaText = await runCli([...base(), '--issuer', 'https://other.example.com'], {
      now,
      env: { AI_ACCESS_TOKEN_ISSUER: ISSUER, AI_ACCESS_TOKEN_SIGNING_KEY: key.toPem() },
    });
    expect(viaText.code).toBe(0);
    expect(decodeJwt(viaText.stdout.trim()).payload.iss).toBe('https://other.example.com');
  });

  it('a single --audience is the aud string, not a one-item array', async () => {
    const result = await runCli([...withKey(), '--audience', 'other'], { now });
    expect(result.code).toBe(0);
    expect(decodeJwt(result.stdout.trim()).payload.aud).toBe('other');
  });

  it('takes an empty AI_ACCESS_TOKEN_ISSUER as unset', async () => {
    const result = await runCli([...base(), '--key', keyFile], {
      now,
      env: { AI_ACCESS_TOKEN_ISSUER: '' },
    });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'ai-access-token mint: --issuer must be a non-empty string; pass --issuer or set AI_ACCESS_TOKEN_ISSUER (see ai-access-token mint --help)\n',
    });
  });

  it('reports an error that no flag caused (a broken clock) as the library error, exit 1', async () => {
    const result = await runCli(withKey(), { now: () => new Date(Number.NaN) });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERR_INVALID_CLAIM: now must return a valid Date; got Invalid Date\n',
    });
  });

  describe('usage errors exit 2 and name the flag', () => {
    it.each([
      [['mint', '--scopes', 'a', '--issuer', ISSUER], '--subject is required'],
      [['mint', '--subject', 'u', '--issuer', ISSUER], '--scopes is required'],
      [
        [...base(), '--issuer', ISSUER, '--ttl', 'abc'],
        '--ttl must be a whole number of seconds from 1 to 86400; got "abc"',
      ],
      [
        [...base(), '--issuer', ISSUER, '--ttl', '0'],
        '--ttl must be a whole number of seconds from 1 to 86400; got 0',
      ],
      [
        [...base(), '--issuer', ISSUER, '--ttl', '86401'],
        '--ttl must be a whole number of seconds from 1 to 86400; got 86401',
      ],
      [
        [...base(), '--issuer', ISSUER, '--ttl', '1.5'],
        '--ttl must be a whole number of seconds from 1 to 86400; got 1.5',
      ],
      [
        [...base(), '--issuer', ISSUER, '--ttl', '1e3'],
        '--ttl must be a whole number of seconds from 1 to 86400; got "1e3"',
      ],
      [
        [...base(), '--issuer', ISSUER, '--realm', 'cloud'],
        `--realm must be 'saas' or 'self-managed'; got "cloud"`,
      ],
      [
        ['mint', '--subject', '', '--scopes', 'a', '--issuer', ISSUER],
        '--subject must be a non-empty string; got ""',
      ],
      [
        ['mint', '--subject', 'u', '--scopes', 'a,,b', '--issuer', ISSUER],
        '--scopes must be a non-empty array of strings; --scopes[1] is "", not a non-empty string',
      ],
      [
        ['mint', '--subject', 'u', '--scopes', 'a,a', '--issuer', ISSUER],
        '--scopes must be a non-empty array of strings without duplicates; "a" appears twice',
      ],
      [
        [...base(), '--issuer', ISSUER, '--claim', 'scopes=["admin"]'],
        '--claim must not set "scopes": the package owns jti, aud, iss, sub, iat, nbf, exp, gitlab_realm, scopes',
      ],
      [
        [...base(), '--issuer', ISSUER, '--claim', 'novalue'],
        '--claim must be NAME=VALUE; got "novalue"',
      ],
      [[...base(), '--issuer', ISSUER, '--claim', '=1'], '--claim must be NAME=VALUE; got "=1"'],
      [
        [...base(), '--issuer', ISSUER, '--claim', 'a=1', '--claim', 'a=2'],
        '--claim "a" is given more than once',
      ],
      [base(), '--issuer must be a non-empty string; pass --issuer or set AI_ACCESS_TOKEN_ISSUER'],
      [
        [...base(), '--issuer', ISSUER],
        'no signing key: pass --key FILE or set AI_ACCESS_TOKEN_SIGNING_KEY (PEM text), AI_ACCESS_TOKEN_SIGNING_KEY_FILE (path to a PEM file) or AI_ACCESS_TOKEN_KEY_SCHEDULE_FILE (path to a key schedule)',
      ],
      [[...base(), '--scope', 'x'], 'unknown option --scope for mint'],
      [[...base(), '--subject'], '--subject needs a value'],
      [
        [...base(), '--subject', '-x'],
        '--subject needs a value; to pass one starting with "-", write --subject=VALUE',
      ],
      [[...base(), 'positional'], 'mint takes no arguments, only options; got 1 ("positional")'],
    ])('%j', async (argv, message) => {
      const result = await runCli(argv, { now });
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toBe(
        `ai-access-token mint: ${message} (see ai-access-token mint --help)\n`,
      );
    });
  });

  describe('failed operations exit 1', () => {
    it('a --key file that does not exist', async () => {
      const missing = join(dir, 'missing.pem');
      const result = await runCli([...base(), '--issuer', ISSUER, '--key', missing]);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toBe(
        `ai-access-token mint: cannot read --key file ${JSON.stringify(missing)} (ENOENT)\n`,
      );
    });

    it('a public key as --key, without echoing the key', async () => {
      const result = await runCli([...base(), '--issuer', ISSUER, '--key', publicKeyFile]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `ai-access-token mint: --key ${JSON.stringify(publicKeyFile)}: signing key is a public key; RS256 signing needs the RSA private key\n`,
      );
      expectNoSecrets(result.stderr);
    });

    it('an unreadable AI_ACCESS_TOKEN_SIGNING_KEY_FILE', async () => {
      const result = await runCli(base(), {
        env: {
          AI_ACCESS_TOKEN_ISSUER: ISSUER,
          AI_ACCESS_TOKEN_SIGNING_KEY_FILE: join(dir, 'nope'),
        },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'ERR_INVALID_SIGNING_KEY: AI_ACCESS_TOKEN_SIGNING_KEY_FILE names a file that cannot be read (ENOENT)\n',
      );
    });

    it('garbage in AI_ACCESS_TOKEN_SIGNING_KEY is reported without its text', async () => {
      const result = await runCli(base(), {
        env: {
          AI_ACCESS_TOKEN_ISSUER: ISSUER,
          AI_ACCESS_TOKEN_SIGNING_KEY: 'not-a-key-SECRETSECRET',
        },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^ERR_INVALID_SIGNING_KEY: signing key is not a PEM private key/,
      );
      expect(result.stderr).not.toContain('SECRETSECRET');
    });
  });
});
