import { ANSI, runCli } from './run-cli';

jest.setTimeout(60_000);

describe('ai-access-token demo', () => {
  it('mints, decodes and verifies a token with an ephemeral key on one screen', async () => {
    const now = () => new Date('2026-01-01T00:00:00Z');
    const result = await runCli(['demo'], { now });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const { stdout } = result;
    expect(stdout).toMatch(
      /^1\. Minted a token with an ephemeral RSA-2048 key \(kid [\w-]{43}\):\n[\w-]+\.[\w-]+\.[\w-]+\n/,
    );
    expect(stdout).toContain('2. Decoded');
    expect(stdout).toContain('  kid           "');
    expect(stdout).toContain('  sub           "user-42"');
    expect(stdout).toContain('  scopes        ["code_suggestions"]');
    expect(stdout).toContain('2026-01-01T01:00:00.000Z  expires in 1 hour');
    expect(stdout).toContain(
      '   ✔ valid: subject user-42, scopes code_suggestions, audience gitlab-ai-gateway, realm saas\n',
    );
    expect(stdout).toContain('with sub changed to "admin": rejected, ERR_TOKEN_SIGNATURE\n');
    expect(stdout).not.toMatch(ANSI);
    expect(stdout.split('\n').length).toBeLessThanOrEqual(40);
  });

  it('takes no arguments', async () => {
    const result = await runCli(['demo', 'extra']);
    expect(result.code).toBe(2);
  });
});

describe('ai-access-token demo, checking what it shows', () => {
  const at = new Date('2026-01-01T00:00:00Z');

  it('reports a failure of the tamper check as an error, not as a rejection', async () => {
    // The tamper check reads the clock last: count the readings of a normal run, then make the
    // last one fail, so the check sees an error that is not a token rejection.
    let readings = 0;
    expect(
      (
        await runCli(['demo'], {
          now: () => {
            readings += 1;
            return at;
          },
        })
      ).code,
    ).toBe(0);
    let calls = 0;
    const result = await runCli(['demo'], {
      now: () => {
        calls += 1;
        return calls < readings ? at : new Date(Number.NaN);
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'ERR_INVALID_CLAIM: now must return a valid Date; got Invalid Date\n',
    );
    expect(result.stdout).toContain('   ✔ valid: subject user-42, scopes code_suggestions');
    expect(result.stdout).not.toContain('sub changed to "admin"');
  });
});
