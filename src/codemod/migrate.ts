import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { InvalidMigrationOptionError } from '../errors';
import { loadJscodeshift, type JscodeshiftModule } from './load-jscodeshift';
import { migrateSource, type Codeshift } from './migrate-source';
import { DEFAULT_MIGRATION_EXTENSIONS, parserForFile } from './parser-for-file';
import { asByteCharacters, sourceFromBytes, type SourceText } from './source-bytes';
import { unifiedDiff } from './unified-diff';

/**
 * Options of {@link runMigration}.
 *
 * @example
 * ```ts
 * const options: MigrationOptions = { paths: ['src'], dryRun: true, extensions: ['ts', 'tsx'] };
 * ```
 */
export interface MigrationOptions {
  /** Files and directories to migrate. Directories are walked, skipping `node_modules`, `dist` and `.git`. */
  readonly paths: readonly string[];
  /** Print a unified diff of each change instead of writing it. Default false. */
  readonly dryRun?: boolean | undefined;
  /** Extensions of the files to look at in directories, without the dot. Default ts, tsx, js, mjs, cjs, jsx. */
  readonly extensions?: readonly string[] | undefined;
  /** Directory relative paths are resolved against and printed from. Default `process.cwd()`. */
  readonly cwd?: string | undefined;
  /** The jscodeshift module. Default: `require('jscodeshift')`, loaded on first use. */
  readonly jscodeshift?: JscodeshiftModule | undefined;
}

/**
 * A text sink: `process.stdout`, or a capture in tests. The dry-run diff of a file that is not
 * UTF-8 is written as bytes (a `Uint8Array`), so that it holds the file's own bytes.
 *
 * @example
 * ```ts
 * const out: MigrationOutput = { write: (chunk) => chunks.push(Buffer.from(chunk)) };
 * ```
 */
export interface MigrationOutput {
  write(chunk: string | Uint8Array): unknown;
  readonly isTTY?: boolean | undefined;
}

/**
 * Where the migration writes. Progress (files done / total) is shown only on a terminal: when
 * `isTTY` is true, or when it is absent and `stderr.isTTY` is.
 *
 * @example
 * ```ts
 * const io: MigrationIo = { stdout: process.stdout, stderr: process.stderr, isTTY: process.stderr.isTTY };
 * ```
 */
export interface MigrationIo {
  readonly stdout: MigrationOutput;
  readonly stderr: MigrationOutput;
  readonly isTTY?: boolean | undefined;
}

/**
 * A use of the old class left for a person, with where and why.
 *
 * @example
 * ```ts
 * const site: MigrationSiteLeft = { file: 'src/a.ts', line: 3, column: 31, reason: 'options are passed as a variable…' };
 * ```
 */
export interface MigrationSiteLeft {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

/**
 * What a migration did. In a dry run, `filesChanged` and `sitesRewritten` count what would change.
 *
 * @example
 * ```ts
 * const summary: MigrationSummary = await runMigration({ paths: ['src'] }, io);
 * if (summary.sitesLeft.length > 0) process.exitCode = 1;
 * ```
 */
export interface MigrationSummary {
  readonly filesScanned: number;
  readonly filesChanged: number;
  readonly sitesRewritten: number;
  readonly sitesLeft: readonly MigrationSiteLeft[];
  /** Files skipped because they could not be parsed (or read, or written). */
  readonly parseErrors: readonly { readonly file: string; readonly message: string }[];
}

const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(['node_modules', 'dist', '.git']);

/**
 * Migrates every file under `paths` from `CodeSuggestionsAccessToken` to `AiAccessToken`: writes
 * the rewritten files (or, with `dryRun`, prints their unified diff and writes nothing), reports
 * each use left for a person as `file:line:column: reason`, reports and skips files that do not
 * parse, and ends with a summary line. Files are processed one at a time.
 *
 * @throws {@link InvalidMigrationOptionError} for no paths, a missing path or a bad extension.
 * @throws {@link MissingDependencyError} when jscodeshift is not installed (the message names
 * `npm install --save-dev jscodeshift`).
 * @example
 * ```ts
 * const summary = await runMigration({ paths: ['src'], dryRun: true }, { stdout: process.stdout, stderr: process.stderr });
 * console.log(summary.filesChanged);
 * ```
 */
export async function runMigration(
  options: MigrationOptions,
  io: MigrationIo,
): Promise<MigrationSummary> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const extensions = resolveExtensions(options.extensions);
  const roots = await resolvePaths(options.paths, cwd);
  const jscodeshift = options.jscodeshift ?? loadJscodeshift();
  const files = await collectFiles(roots, extensions);

  const parsers = new Map<string, Codeshift>();
  const showProgress = io.isTTY ?? io.stderr.isTTY ?? false;
  const display = (file: string): string => relative(cwd, file) || file;
  const sitesLeft: MigrationSiteLeft[] = [];
  const parseErrors: { file: string; message: string }[] = [];
  let filesChanged = 0;
  let sitesRewritten = 0;

  for (const [index, file] of files.entries()) {
    if (showProgress) io.stderr.write(`\rmigrate: ${index + 1}/${files.length} files`);
    const shown = display(file);
    let source: SourceText;
    try {
      // Bytes, not UTF-8 text: what the codemod does not edit must come back byte for byte.
      source = sourceFromBytes(await readFile(file));
    } catch (error) {
      parseErrors.push({ file: shown, message: `cannot read: ${messageOf(error)}` });
      continue;
    }
    const parser = parserForFile(file);
    let j = parsers.get(parser);
    if (!j) {
      j = jscodeshift.withParser(parser);
      parsers.set(parser, j);
    }
    let result;
    try {
      result = migrateSource(j, source.text);
    } catch (error) {
      parseErrors.push({ file: shown, message: messageOf(error) });
      continue;
    }
    for (const site of result.sitesLeft) sitesLeft.push({ file: shown, ...site });
    if (!result.changed) continue;
    const bytes = source.toBytes(result.output);
    if (bytes === undefined) {
      parseErrors.push({ file: shown, message: 'not valid UTF-8' });
      continue;
    }
    if (options.dryRun === true) {
      io.stdout.write(dryRunDiff(source, result.output, shown.split(sep).join('/')));
    } else {
      try {
        await writeFile(file, bytes);
      } catch (error) {
        parseErrors.push({ file: shown, message: `cannot write: ${messageOf(error)}` });
        continue;
      }
    }
    filesChanged++;
    sitesRewritten += result.sitesRewritten;
  }
  if (showProgress && files.length > 0) io.stderr.write('\r\u001b[K');

  const summary: MigrationSummary = {
    filesScanned: files.length,
    filesChanged,
    sitesRewritten,
    sitesLeft,
    parseErrors,
  };
  for (const error of parseErrors) {
    io.stderr.write(`${error.file}: skipped, ${error.message}\n`);
  }
  for (const site of sitesLeft) {
    io.stdout.write(
      `${site.file}:${site.line}:${site.column}: left for a person: ${site.reason}\n`,
    );
  }
  io.stdout.write(`${summaryLine(summary, options.dryRun === true)}\n`);
  return summary;
}

// A diff that applies to the original bytes: for a file that is not UTF-8 it is built from the
// file's bytes (one character each) and written as bytes, as `git diff` shows such a file.
function dryRunDiff(source: SourceText, output: string, label: string): string | Uint8Array {
  if (source.utf8) {
    return unifiedDiff(source.text, output, { oldLabel: `a/${label}`, newLabel: `b/${label}` });
  }
  const diff = unifiedDiff(source.text, output, {
    oldLabel: asByteCharacters(`a/${label}`),
    newLabel: asByteCharacters(`b/${label}`),
  });
  return Buffer.from(diff, 'latin1');
}

/**
 * The closing line of a migration, e.g. `migrate: 12 files scanned, 3 files changed, 7 sites
 * rewritten, 1 site left for a person`.
 *
 * @example
 * ```ts
 * io.stdout.write(summaryLine(summary, false) + '\n');
 * ```
 */
export function summaryLine(summary: MigrationSummary, dryRun: boolean): string {
  const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const parts = [
    count(summary.filesScanned, 'file scanned', 'files scanned'),
    dryRun
      ? count(summary.filesChanged, 'file would change', 'files would change')
      : count(summary.filesChanged, 'file changed', 'files changed'),
    count(summary.sitesRewritten, 'site rewritten', 'sites rewritten'),
    count(summary.sitesLeft.length, 'site left for a person', 'sites left for a person'),
  ];
  if (summary.parseErrors.length > 0) {
    parts.push(count(summary.parseErrors.length, 'file skipped', 'files skipped'));
  }
  return `migrate: ${parts.join(', ')}${dryRun ? ' (dry run: nothing written)' : ''}`;
}

function resolveExtensions(extensions: readonly string[] | undefined): ReadonlySet<string> {
  if (extensions === undefined) return new Set(DEFAULT_MIGRATION_EXTENSIONS.map((e) => `.${e}`));
  const raw: unknown = extensions;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidMigrationOptionError(
      'extensions',
      'extensions must be a non-empty list such as ts,tsx,js',
    );
  }
  const result = new Set<string>();
  for (const item of raw as unknown[]) {
    const name = typeof item === 'string' ? item.trim().replace(/^\./, '').toLowerCase() : '';
    if (!/^[a-z0-9]+(\.[a-z0-9]+)*$/.test(name)) {
      throw new InvalidMigrationOptionError(
        'extensions',
        `extensions must be names like ts or tsx; got ${JSON.stringify(item)}`,
      );
    }
    result.add(`.${name}`);
  }
  return result;
}

async function resolvePaths(paths: readonly string[], cwd: string): Promise<string[]> {
  const raw: unknown = paths;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidMigrationOptionError(
      'paths',
      'paths must name at least one file or directory',
    );
  }
  const roots: string[] = [];
  for (const item of raw as unknown[]) {
    if (typeof item !== 'string' || item === '') {
      throw new InvalidMigrationOptionError(
        'paths',
        `paths must be non-empty strings; got ${JSON.stringify(item)}`,
      );
    }
    const absolute = resolve(cwd, item);
    try {
      await stat(absolute);
    } catch {
      throw new InvalidMigrationOptionError('paths', `paths: ${item} does not exist`);
    }
    roots.push(absolute);
  }
  return roots;
}

/** Files to migrate, sorted and without duplicates. A file named explicitly is always taken. */
async function collectFiles(roots: string[], extensions: ReadonlySet<string>): Promise<string[]> {
  const files = new Set<string>();
  const walk = async (directory: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(directory, entry.name);
      // Symbolic links are not followed: they can loop, or lead out of the tree being migrated.
      if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) await walk(path);
      else if (entry.isFile() && extensions.has(extname(entry.name).toLowerCase())) files.add(path);
    }
  };
  for (const root of roots) {
    if ((await stat(root)).isDirectory()) await walk(root);
    else files.add(root);
  }
  return [...files].sort();
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\n[\s\S]*$/, '');
}
