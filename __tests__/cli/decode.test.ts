import { SigningKey } from '../../src/keys/signing-key';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { unsigned } from '../verify/forge';
import { ANSI, runCli } from './run-cli';

jest.setTimeout(60_000);

const MINTED_AT = new Date('2026-01-01T00:00:00Z');
let token: string;

beforeAll(() => {
  token = new AiAccessToken({
    subject: 'user-42',
    scopes: ['code_suggestions'],
    issuer: 'https://gitlab.example.com',
    signingKey: SigningKey.generate(),
    now: () => MINTED_AT,
    generateId: () => 'fixed-id',
  }).encoded();
});

const at = (iso: string) => () => new Date(iso);

describe('ai-access-token decode', () => {
  it('prints a banner, the header and the claims with ISO and relative times', async () => {
    const result = await runCli(['decode', token], { now: at('2026-01-01T00:00:05Z') });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('⚠ signature NOT verified: these claims are untrusted');
    expect(result.stdout).toContain(
      'Header\n  alg           "RS256"\n  typ           "JWT"\n  kid',
    );
    expect(result.stdout).toContain('  sub           "user-42"\n');
    expect(result.stdout).toContain('  scopes        ["code_suggestions"]\n');
    expect(result.stdout).toContain(
      '  iat           1767225600  2026-01-01T00:00:00.000Z  issued 5 seconds ago\n',
    );
    expect(result.stdout).toContain(
      '  nbf           1767225595  2025-12-31T23:59:55.000Z  became valid 10 seconds ago\n',
    );
    expect(result.stdout).toContain(
      '  exp           1767229200  2026-01-01T01:00:00.000Z  expires in 59 minutes\n',
    );
  });

  it.each([
    ['2026-01-01T04:00:00Z', 'expired 3 hours ago'],
    ['2026-01-01T01:00:00Z', 'expired 0 seconds ago'],
    ['2025-12-31T23:59:00Z', 'expires in 1 hour'],
  ])('at %s the exp reads "%s"', async (now, phrase) => {
    const result = await runCli(['decode', token], { now: at(now) });
    expect(result.stdout).toMatch(new RegExp(`  exp .+  ${phrase}\\n`));
  });

  it('says when a token is not valid yet', async () => {
    const result = await runCli(['decode', token], { now: at('2025-12-31T23:00:00Z') });
    expect(result.stdout).toContain('becomes valid in 59 minutes');
    expect(result.stdout).toContain('issued in 1 hour');
  });

  it.each([
    ['Bearer ', ''],
    ['bearer ', '\n'],
    ['Authorization: Bearer ', '\r\n'],
    ['  ', '  '],
  ])('strips %j and surrounding whitespace', async (prefix, suffix) => {
    const result = await runCli(['decode', `${prefix}${token}${suffix}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"user-42"');
  });

  it('reads the token from stdin with -, Bearer prefix and all', async () => {
    const result = await runCli(['decode', '-'], { stdin: `Bearer ${token}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"user-42"');
  });

  it('reads a token given on stdin as bytes', async () => {
    const result = await runCli(['decode', '-'], { stdin: Buffer.from(`Bearer ${token}\n`) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  sub           "user-42"\n');
  });

  describe('numbers that are not times', () => {
    // iat a string, nbf past the largest Date, exp fine, and a numeric claim of another name.
    const odd = unsigned(
      { alg: 'RS256', typ: 'JWT' },
      { sub: 'user-42', iat: 'yesterday', nbf: 1e20, exp: 1767229200, count: 3 },
    );

    it('prints them as plain JSON values, with a time only where there is one', async () => {
      const result = await runCli(['decode', odd], { now: at('2026-01-01T00:00:00Z') });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        [
          'Claims',
          '  sub           "user-42"',
          '  iat           "yesterday"',
          '  nbf           100000000000000000000',
          '  exp           1767229200  2026-01-01T01:00:00.000Z  expires in 1 hour',
          '  count         3',
          '',
        ].join('\n'),
      );
    });

    it('--json gives ISO times only for the valid ones', async () => {
      const result = await runCli(['decode', odd, '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).times).toEqual({ exp: '2026-01-01T01:00:00.000Z' });
    });
  });

  it('--json prints header, claims, ISO times and signatureVerified: false', async () => {
    const result = await runCli(['decode', token, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      header: expect.objectContaining({ alg: 'RS256', typ: 'JWT' }),
      claims: expect.objectContaining({ jti: 'fixed-id', sub: 'user-42', exp: 1767229200 }),
      times: {
        iat: '2026-01-01T00:00:00.000Z',
        nbf: '2025-12-31T23:59:55.000Z',
        exp: '2026-01-01T01:00:00.000Z',
      },
      signatureVerified: false,
    });
  });

  it('colours the banner and an expired exp on a TTY only', async () => {
    const coloured = await runCli(['decode', token], {
      isTTY: true,
      now: at('2026-01-02T00:00:00Z'),
    });
    expect(coloured.stdout).toMatch(ANSI);
    expect(coloured.stdout).toContain('\u001b[31mexpired 23 hours ago\u001b[39m');
    const plain = await runCli(['decode', token], { isTTY: true, env: { NO_COLOR: '1' } });
    expect(plain.stdout).not.toMatch(ANSI);
  });

  it('rejects a malformed token with exit 1 and the code, without echoing it', async () => {
    const garbage = 'not.a-token-SECRETPART';
    const result = await runCli(['decode', garbage]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^ERR_TOKEN_MALFORMED: /);
    expect(result.stderr).not.toContain('SECRETPART');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it.each([
    [['decode'], {}, 'decode needs a TOKEN argument, or - to read the token from stdin'],
    [['decode', 'a', 'b'], {}, 'decode takes one TOKEN argument; got 2 arguments'],
    [['decode', '-'], { stdin: '  \n' }, 'stdin is empty; expected a token'],
    [['decode', 'Bearer   '], {}, 'TOKEN is empty'],
    [
      ['decode', '-'],
      { stdin: 'x'.repeat(70_000) },
      'stdin holds over 65536 bytes; expected one token',
    ],
    [['decode', '--pretty', 'x'], {}, 'unknown option --pretty for decode'],
  ])('usage error %j', async (argv, options, message) => {
    const result = await runCli(argv, options);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      `ai-access-token decode: ${message} (see ai-access-token decode --help)\n`,
    );
  });

  it('never echoes the second of two tokens', async () => {
    const result = await runCli(['decode', token, token]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain(token.slice(0, 30));
  });
});
