// Shared by the codemod tests: the fixture pairs, and jscodeshift bound to the runner's parser.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jscodeshift from 'jscodeshift';
import type { Codeshift } from '../../src/codemod/migrate-source';
import { parserForFile } from '../../src/codemod/parser-for-file';

// Fixtures carry a `.fixture` suffix so that tsc and eslint do not compile them as project files.
export const FIXTURES = join(__dirname, '__fixtures__');

export interface Fixture {
  /** e.g. `named-import` */
  readonly name: string;
  /** The file name the fixture stands for, e.g. `named-import.ts`. */
  readonly file: string;
  readonly input: string;
  /** Undefined for the cases the codemod must leave unchanged. */
  readonly output: string | undefined;
}

export function loadFixtures(): Fixture[] {
  const names = readdirSync(FIXTURES).filter((name) => name.includes('.input.'));
  return names.sort().map((inputName) => {
    const [name, extension] = inputName.replace(/\.fixture$/, '').split('.input.') as [
      string,
      string,
    ];
    const outputName = inputName.replace('.input.', '.output.');
    const output = tryRead(join(FIXTURES, outputName));
    return {
      name,
      file: `${name}.${extension}`,
      input: readFileSync(join(FIXTURES, inputName), 'utf8'),
      output,
    };
  });
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function codeshiftFor(file: string): Codeshift {
  return jscodeshift.withParser(parserForFile(file));
}
