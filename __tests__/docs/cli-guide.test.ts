// The CLI guide works when copied in order: its shell blocks run verbatim, in order, as one bash
// script in an empty project that depends on the built package, and every command prints what
// the guide shows under it (modulo tokens, key ids, times). `sh` blocks show no output: their
// commands must succeed.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { blocksOf, root, type CodeBlock } from './markdown';
import { matchesShown, normalize } from './normalize-output';

const GUIDE = 'docs/cli.md';

interface Step {
  readonly command: string;
  readonly line: number;
  /** What the guide shows under the command; `undefined` in an `sh` block (must exit 0). */
  readonly shown: string | undefined;
}

/**
 * The commands of the guide's shell blocks, in order. In a `console` block a command starts with
 * `$ ` and continues over lines ending in `\`; the lines up to the next command are its output.
 * In an `sh` block every line (and its continuations) is a command.
 */
function steps(blocks: readonly CodeBlock[]): Step[] {
  const result: Step[] = [];
  for (const block of blocks) {
    const lines = block.code.split('\n');
    const console = block.lang === 'console';
    let index = 0;
    while (index < lines.length) {
      const first = lines[index]!;
      if (first.trim() === '' || (!console && first.trim().startsWith('#'))) {
        index += 1;
        continue;
      }
      if (console && !first.startsWith('$ ')) {
        throw new Error(`${GUIDE}:${block.line + index}: output without a command before it`);
      }
      const start = index;
      const command = [console ? first.slice(2) : first];
      while (command.at(-1)!.endsWith('\\') && index + 1 < lines.length) {
        index += 1;
        command.push(lines[index]!);
      }
      index += 1;
      let shown: string | undefined;
      if (console) {
        const output: string[] = [];
        while (index < lines.length && !lines[index]!.startsWith('$ ')) {
          output.push(lines[index]!);
          index += 1;
        }
        shown = output.join('\n');
      }
      result.push({ command: command.join('\n'), line: block.line + start, shown });
    }
  }
  return result;
}

// Each command runs in the script's own shell (so `TOKEN=$(…)` carries over), with its output
// framed by markers and its exit status restored before the next one (so `echo $?` works).
function script(all: readonly Step[]): string {
  return [
    '__status=0',
    ...all.map(
      (step, index) =>
        `printf '@@begin ${index}@@\\n'\n(exit $__status)\n{ ${step.command}\n} 2>&1\n__status=$?\nprintf '\\n@@end ${index} %d@@\\n' "$__status"`,
    ),
  ].join('\n');
}

function outputs(text: string, count: number): { output: string; status: number }[] {
  return Array.from({ length: count }, (_, index) => {
    const begin = text.indexOf(`@@begin ${index}@@\n`);
    const end = /@@end (\d+) (\d+)@@/g;
    end.lastIndex = begin;
    const match = begin < 0 ? null : end.exec(text);
    if (match === null || match[1] !== String(index)) return { output: '<not run>', status: -1 };
    return {
      output: text.slice(begin + `@@begin ${index}@@\n`.length, match.index).replace(/\n$/, ''),
      status: Number(match[2]),
    };
  });
}

describe(`${GUIDE}, run as one script`, () => {
  const all = steps(blocksOf(GUIDE).filter((block) => ['console', 'sh'].includes(block.lang)));
  let results: { output: string; status: number }[] = [];
  let work = '';

  beforeAll(async () => {
    const main = join(root, 'dist', 'cli', 'main.js');
    if (!existsSync(main)) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does) before jest');
    }
    // A project that depends on the package: node_modules/ai-access-token is the built package.
    work = mkdtempSync(join(tmpdir(), 'ai-access-token-cli-guide-'));
    const project = join(work, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{ "name": "cli-guide", "private": true }\n');
    symlinkSync(root, join(project, 'node_modules', 'ai-access-token'), 'dir');
    // `npx ai-access-token` runs the project's bin, as npx does, without asking the registry.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'npx'),
      `#!/bin/sh
if [ "$1" = ai-access-token ]; then
  shift
  exec "${process.execPath}" "$PWD/node_modules/ai-access-token/dist/cli/main.js" "$@"
fi
echo "npx $1: only ai-access-token is available in this test" >&2
exit 127
`,
    );
    chmodSync(join(bin, 'npx'), 0o755);
    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: work,
      LANG: 'C.UTF-8',
    };
    const { stdout } = await promisify(execFile)('bash', ['-c', script(all)], {
      cwd: project,
      env,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    results = outputs(stdout, all.length);
  }, 150_000);

  afterAll(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('has commands to run', () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
  });

  it.each(all.map((step, index) => [`${GUIDE}:${step.line}`, step.command, index] as const))(
    '%s: $ %s',
    (_where, _command, index) => {
      const step = all[index]!;
      const { output, status } = results[index]!;
      if (step.shown === undefined) {
        expect({ status, output: status === 0 ? '' : output }).toEqual({ status: 0, output: '' });
      } else if (!matchesShown(output, step.shown)) {
        expect(normalize(output)).toBe(normalize(step.shown)); // shows where they differ
      }
    },
  );
});
