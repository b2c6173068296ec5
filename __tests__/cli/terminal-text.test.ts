import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeForTerminal } from '../../src/cli/terminal-text';
import { jwks } from '../../src/keys/key-ring';
import { SigningKey } from '../../src/keys/signing-key';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { forgeRs256, unsigned } from '../verify/forge';
import { runCli, type CliResult } from './run-cli';

// Issue 15: strings from a token, a key file or a JWKS reach the terminal escaped, names and
// values alike; --json stays exact JSON.

jest.setTimeout(60_000);

// Everything a terminal acts on, but the line feed that ends each line of output.
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/u;
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/** [what, raw text, how the human output shows it] */
const HOSTILE: readonly (readonly [string, string, string])[] = [
  ['ESC, cursor up and erase line', '\u001b[7A\u001b[2K', '\\u001b[7A\\u001b[2K'],
  ['OSC window title ended by BEL', '\u001b]0;pwned\u0007', '\\u001b]0;pwned\\u0007'],
  ['carriage return', 'a\rb', 'a\\u000db'],
  ['line feed', 'a\nb', 'a\\u000ab'],
  ['backspace', 'a\bb', 'a\\u0008b'],
  ['tab', 'a\tb', 'a\\u0009b'],
  ['NUL', 'a\u0000b', 'a\\u0000b'],
  ['DEL', 'a\u007fb', 'a\\u007fb'],
  ['C1 CSI', '\u009b7A', '\\u009b7A'],
  ['C1 NEL', 'a\u0085b', 'a\\u0085b'],
  ['LRE', 'a\u202ab', 'a\\u202ab'],
  ['PDF', 'a\u202cb', 'a\\u202cb'],
  ['RLO', 'a\u202eb', 'a\\u202eb'],
  ['LRI', 'a\u2066b', 'a\\u2066b'],
  ['PDI', 'a\u2069b', 'a\\u2069b'],
  ['line separator', 'a\u2028b', 'a\\u2028b'],
  ['paragraph separator', 'a\u2029b', 'a\\u2029b'],
];

function expectTerminalSafe(result: CliResult): void {
  expect(result.stdout.replace(SGR, '')).not.toMatch(RAW_UNSAFE);
  expect(result.stderr.replace(SGR, '')).not.toMatch(RAW_UNSAFE);
}

describe('escapeForTerminal', () => {
  it.each(HOSTILE)('escapes %s', (_what, raw, shown) => {
    expect(escapeForTerminal(raw)).toBe(shown);
  });

  it('keeps printable text, the backslash and non-ASCII letters as they are', () => {
    const text = 'user-42 é ü 日本 \\u001b "quoted" ✔ ⚠';
    expect(escapeForTerminal(text)).toBe(text);
  });

  it('is idempotent: escaped text has nothing left to escape', () => {
    for (const [, raw] of HOSTILE) {
      const once = escapeForTerminal(raw);
      expect(escapeForTerminal(once)).toBe(once);
    }
  });

  it('keepLineFeeds keeps only the line feed', () => {
    expect(escapeForTerminal('a\nb\rc\u001b', { keepLineFeeds: true })).toBe('a\nb\\u000dc\\u001b');
  });

  it('keepColour keeps line feeds and SGR colours, and escapes every other escape sequence', () => {
    expect(
      escapeForTerminal('\u001b[1;32mok\u001b[39m\n\u001b[7A\u001b]0;t\u0007', {
        keepColour: true,
      }),
    ).toBe('\u001b[1;32mok\u001b[39m\n\\u001b[7A\\u001b]0;t\\u0007');
  });

  it('turns JSON into JSON that parses to the same value', () => {
    const value = { [`n${HOSTILE.map(([, raw]) => raw).join('')}`]: HOSTILE.map(([, raw]) => raw) };
    const json = escapeForTerminal(JSON.stringify(value, null, 2), { keepLineFeeds: true });
    expect(json).not.toMatch(RAW_UNSAFE);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('decode: a hostile token', () => {
  // Regression (issue 15, reproduction 1): a claim NAME holding cursor movements overwrote the
  // "signature NOT verified" warning with a green "valid" banner. No signature needed.
  const overwrite = '\u001b[7A\u001b[2K\u001b[1;32m✔ valid: signature and claims verified\u001b[0m';
  const forged = unsigned({ alg: 'RS256', typ: 'JWT' }, { [overwrite]: 1, sub: 'user-42' });

  it.each([
    ['without colour', {}],
    ['with colour', { FORCE_COLOR: '1' }],
  ])('cannot overwrite the "signature NOT verified" warning (%s)', async (_how, env) => {
    const result = await runCli(['decode', forged], { env });
    expect(result.code).toBe(0);
    expect(result.stdout.replace(SGR, '')).not.toContain('\u001b');
    expect(result.stdout.replace(SGR, '').split('\n')[0]).toBe(
      '⚠ signature NOT verified: these claims are untrusted',
    );
    expect(result.stdout).toContain('\\u001b[7A\\u001b[2K\\u001b[1;32m✔ valid');
    expectTerminalSafe(result);
  });

  it.each(HOSTILE)('escapes %s in header and claim names and values', async (_what, raw, shown) => {
    const token = unsigned(
      { alg: 'RS256', typ: 'JWT', [`h${raw}`]: `hv${raw}` },
      { [`c${raw}`]: `cv${raw}`, sub: `s${raw}`, list: [raw], [raw]: { [raw]: raw } },
    );
    const result = await runCli(['decode', token]);
    expect(result.code).toBe(0);
    expectTerminalSafe(result);
    expect(result.stdout).toContain(`  h${shown}`);
    expect(result.stdout).toContain(`  c${shown}`);
  });

  it('--json stays exact JSON of the same header and claims', async () => {
    const raws = HOSTILE.map(([, raw]) => raw);
    const header = { alg: 'RS256', typ: 'JWT', [`h${raws.join('')}`]: raws };
    const payload = Object.fromEntries(raws.map((raw, index) => [`c${index}${raw}`, `v${raw}`]));
    const result = await runCli(['decode', unsigned(header, payload), '--json']);
    expect(result.code).toBe(0);
    expectTerminalSafe(result);
    const parsed = JSON.parse(result.stdout) as { header: unknown; claims: unknown };
    expect(parsed.header).toEqual(header);
    expect(parsed.claims).toEqual(payload);
  });
});

describe('verify and jwks: hostile tokens, key files and JWKS documents', () => {
  const ISSUER = 'https://gitlab.example.com';
  let dir: string;
  let key: SigningKey;
  let keyFile: string;
  let otherJwksFile: string;
  let claims: Record<string, unknown>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aat-terminal-'));
    key = SigningKey.generate();
    keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, key.toPem());
    otherJwksFile = join(dir, 'other-jwks.json');
    writeFileSync(otherJwksFile, JSON.stringify(jwks(SigningKey.generate())));
    const token = new AiAccessToken({
      subject: 'user-42',
      scopes: ['code_suggestions'],
      issuer: ISSUER,
      signingKey: key,
    }).encoded();
    claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const signed = (extra: Record<string, unknown>, header: Record<string, unknown> = {}): string =>
    forgeRs256(
      { alg: 'RS256', typ: 'JWT', kid: key.kid, ...header },
      { ...claims, ...extra },
      key.privateKey,
    );

  it.each(HOSTILE)(
    'verify escapes %s in a valid token (subject, scopes, names, values)',
    async (_what, raw, shown) => {
      const token = signed(
        { sub: `s${raw}`, scopes: [`x${raw}`], [`c${raw}`]: `v${raw}` },
        { [`h${raw}`]: raw },
      );
      const result = await runCli(['verify', token, '--key', keyFile]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expectTerminalSafe(result);
      expect(result.stdout).toContain(`subject s${shown}, scopes x${shown}, realm saas`);
      expect(result.stdout).toContain(`  c${shown}`);
      expect(result.stdout).toContain(`  h${shown}`);
    },
  );

  it.each(HOSTILE)('verify escapes %s quoted in a rejection', async (_what, raw) => {
    const wrongIssuer = await runCli([
      'verify',
      signed({ iss: `i${raw}` }),
      '--key',
      keyFile,
      '--issuer',
      ISSUER,
    ]);
    expect(wrongIssuer).toMatchObject({ code: 1, stdout: '' });
    expect(wrongIssuer.stderr).toMatch(/^ERR_TOKEN_/);
    expectTerminalSafe(wrongIssuer);

    const unknownKid = await runCli([
      'verify',
      signed({}, { kid: `k${raw}` }),
      '--jwks',
      otherJwksFile,
    ]);
    expect(unknownKid).toMatchObject({ code: 1, stdout: '' });
    expect(unknownKid.stderr).toContain('no trusted key has kid');
    expectTerminalSafe(unknownKid);
  });

  it('verify --json stays exact JSON', async () => {
    const raws = HOSTILE.map(([, raw]) => raw);
    const token = signed({ sub: raws.join(''), scopes: raws, [`c${raws.join('')}`]: raws });
    const result = await runCli(['verify', token, '--key', keyFile, '--json']);
    expect(result.code).toBe(0);
    expectTerminalSafe(result);
    const parsed = JSON.parse(result.stdout) as {
      subject: string;
      scopes: string[];
      claims: object;
    };
    expect(parsed.subject).toBe(raws.join(''));
    expect(parsed.scopes).toEqual(raws);
    expect(parsed.claims).toEqual({
      ...claims,
      sub: raws.join(''),
      scopes: raws,
      [`c${raws.join('')}`]: raws,
    });
  });

  it.each(HOSTILE)('verify --jwks escapes %s from the JWKS document', async (_what, raw) => {
    const file = join(dir, 'hostile-jwks.json');
    // An array where a JWKS should be: the message quotes it.
    writeFileSync(file, JSON.stringify([`j${raw}`]));
    const result = await runCli(['verify', signed({}), '--jwks', file]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('["j');
    expectTerminalSafe(result);
  });

  it.each(HOSTILE)('jwks escapes %s from a key file and its name', async (_what, raw) => {
    const named = join(dir, `key${raw.replaceAll('\u0000', '').replaceAll('/', '')}.pem`);
    writeFileSync(named, `-----BEGIN PRIVATE KEY-----\n${raw}\n-----END PRIVATE KEY-----\n`);
    const result = await runCli(['jwks', '--key', named]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('is not a PEM private key');
    expectTerminalSafe(result);
  });

  it('jwks output is exact JSON', async () => {
    const result = await runCli(['jwks', '--key', keyFile]);
    expect(result.code).toBe(0);
    expectTerminalSafe(result);
    expect(JSON.parse(result.stdout)).toEqual(jwks(key));
  });
});
