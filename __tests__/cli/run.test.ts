import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { ANSI, runCli } from './run-cli';

const COMMANDS = ['keygen', 'mint', 'decode', 'verify', 'jwks', 'demo'];
const version = (
  JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }
).version;

describe('ai-access-token (the tool)', () => {
  it.each([['--help'], ['-h'], ['help']])(
    '%s prints the tool help to stdout, exit 0',
    async (flag) => {
      const result = await runCli([flag]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^Usage: ai-access-token <command>/);
      for (const command of COMMANDS) expect(result.stdout).toContain(`  ${command} `);
    },
  );

  it('with no command prints the help to stderr and exits 2', async () => {
    const result = await runCli([]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^Usage: ai-access-token/);
  });

  it.each([['--version'], ['-V'], ['-v']])('%s prints the package version', async (flag) => {
    expect(await runCli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each(COMMANDS)(
    '%s --help, -h and help <command> print the command help, exit 0',
    async (command) => {
      const viaFlag = await runCli([command, '--help']);
      expect(viaFlag.code).toBe(0);
      expect(viaFlag.stdout).toMatch(new RegExp(`^Usage: ai-access-token ${command}`));
      expect(viaFlag.stderr).toBe('');
      expect(await runCli(['help', command])).toEqual(viaFlag);
      expect((await runCli([command, '-h'])).stdout).toBe(viaFlag.stdout);
    },
  );

  it('refuses an unknown command with exit 2, naming it', async () => {
    const result = await runCli(['mnt']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'ai-access-token: unknown command "mnt"; expected one of keygen, mint, decode, verify, jwks, keys, demo, migrate (see ai-access-token --help)\n',
    );
  });

  it('does not echo a long argument (a token pasted in place of the command)', async () => {
    const secret = `eyJ${'x'.repeat(200)}`;
    const result = await runCli([secret]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain(secret.slice(0, 20));
    expect(result.stderr).toContain('a string of 203 characters');
  });

  it('help for an unknown command is a usage error', async () => {
    expect((await runCli(['help', 'nope'])).code).toBe(2);
  });

  it('writes errors as one line without a stack, and the stack with --debug', async () => {
    const plain = await runCli(['keygen', '--bits', '1024']);
    expect(plain.code).toBe(2);
    expect(plain.stderr.trimEnd().split('\n')).toHaveLength(1);
    for (const argv of [
      ['--debug', 'keygen', '--bits', '1024'],
      ['keygen', '--bits', '1024', '--debug'],
    ]) {
      const debug = await runCli(argv);
      expect(debug.code).toBe(2);
      expect(debug.stderr).toContain(plain.stderr.trimEnd());
      expect(debug.stderr).toMatch(/\n\s+at /);
    }
  });

  it('treats arguments after -- as positionals, not flags', async () => {
    const result = await runCli(['keygen', '--', '--help']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('keygen takes no arguments');
  });

  describe('colour', () => {
    it('is off when the stream is not a TTY', async () => {
      const result = await runCli(['mnt']);
      expect(result.stderr).not.toMatch(ANSI);
    });

    it('is on for a TTY', async () => {
      const result = await runCli(['mnt'], { isTTY: true });
      expect(result.stderr).toMatch(ANSI);
    });

    it.each([
      ['NO_COLOR=1 on a TTY', { NO_COLOR: '1' }, true, false],
      ['NO_COLOR=1 beats FORCE_COLOR=1', { NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
      ['FORCE_COLOR=1 when piped', { FORCE_COLOR: '1' }, false, true],
      ['FORCE_COLOR=0 on a TTY', { FORCE_COLOR: '0' }, true, false],
      ['TERM=dumb on a TTY', { TERM: 'dumb' }, true, false],
      ['NO_COLOR= (empty) on a TTY, per no-color.org', { NO_COLOR: '' }, true, true],
    ])('%s', async (_name, env, isTTY, coloured) => {
      const result = await runCli(['demo'], { env, isTTY });
      expect(result.code).toBe(0);
      expect(ANSI.test(result.stdout)).toBe(coloured);
    });
  });
});

describe('ai-access-token: errors the CLI did not expect', () => {
  /** `decode -` reading a stdin that fails with `thrown`. */
  async function decodeFailingStdin(thrown: unknown, argv: string[] = ['decode', '-']) {
    let stdout = '';
    let stderr = '';
    const stdin: AsyncIterable<string> = {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- on purpose: not an Error
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(thrown) }),
    };
    const code = await run(argv, {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdin,
      env: {},
    });
    return { code, stdout, stderr };
  }

  it('reports an unexpected error by its message, exit 1, with its stack under --debug', async () => {
    const error = new Error('EIO: i/o error, read');
    expect(await decodeFailingStdin(error)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ai-access-token decode: unexpected error: EIO: i/o error, read\n',
    });
    const debug = await decodeFailingStdin(error, ['--debug', 'decode', '-']);
    expect(debug.stderr).toBe(
      `ai-access-token decode: unexpected error: EIO: i/o error, read\n${error.stack ?? ''}\n`,
    );
  });

  it('describes a thrown value that is not an error without echoing it, and has no stack to add', async () => {
    const secret = `eyJ${'x'.repeat(200)}`;
    const result = await decodeFailingStdin(secret, ['--debug', 'decode', '-']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ai-access-token decode: unexpected error: a string of 203 characters\n',
    });
  });
});
