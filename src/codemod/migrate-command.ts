import { parseArgs } from 'node:util';
import { AiAccessTokenError, InvalidMigrationOptionError } from '../errors';
import { runMigration, type MigrationIo } from './migrate';
import { DEFAULT_MIGRATION_EXTENSIONS } from './parser-for-file';

/** Exit codes of {@link migrateCommand}, the same as the rest of the CLI. */
const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/**
 * Help text of `ai-access-token migrate`.
 *
 * @example
 * ```ts
 * process.stdout.write(MIGRATE_USAGE);
 * ```
 */
export const MIGRATE_USAGE = `Usage: ai-access-token migrate [--dry-run] [--extensions ${DEFAULT_MIGRATION_EXTENSIONS.join(',')}] PATH...

Rewrites CodeSuggestionsAccessToken (imported from 'ai-access-token') to AiAccessToken, adding
scopes: ['code_suggestions'] where the old class supplied it. Uses it cannot rewrite safely are
listed as FILE:LINE:COLUMN with the reason, and their files are left unchanged.

Options:
  --dry-run           print a unified diff of each change; write nothing
  --extensions LIST   file extensions to look at in directories (default ${DEFAULT_MIGRATION_EXTENSIONS.join(',')})
  -h, --help          show this help

Directories are walked, skipping node_modules, dist and .git. Needs jscodeshift
(npm install --save-dev jscodeshift).
Exit status: 0 done, 1 a file could not be read, parsed or written (or jscodeshift is missing),
2 usage error.
`;

/**
 * `ai-access-token migrate PATH... [--dry-run] [--extensions ts,tsx,js,mjs,cjs,jsx]`: parses its
 * own flags, runs {@link runMigration}, and returns the exit code: 0 when every file was
 * processed (sites left for a person included), 1 when a file could not be parsed, read or
 * written or jscodeshift is missing, 2 for a usage error.
 *
 * @example
 * ```ts
 * process.exitCode = await migrateCommand(['src/', '--dry-run'], { stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function migrateCommand(argv: readonly string[], io: MigrationIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        'dry-run': { type: 'boolean' },
        extensions: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs throws only TypeErrors (ERR_PARSE_ARGS_*).
    io.stderr.write(`migrate: ${(error as Error).message}\n\n${MIGRATE_USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout.write(MIGRATE_USAGE);
    return EXIT_OK;
  }
  if (positionals.length === 0) {
    io.stderr.write(`migrate: name at least one file or directory\n\n${MIGRATE_USAGE}`);
    return EXIT_USAGE;
  }
  try {
    const summary = await runMigration(
      {
        paths: positionals,
        dryRun: values['dry-run'] === true,
        extensions: values.extensions?.split(',').filter((item) => item.trim() !== ''),
      },
      io,
    );
    return summary.parseErrors.length > 0 ? EXIT_FAILURE : EXIT_OK;
  } catch (error) {
    if (error instanceof InvalidMigrationOptionError) {
      io.stderr.write(`migrate: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof AiAccessTokenError) {
      io.stderr.write(`migrate: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
