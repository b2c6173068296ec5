import { CliFailure } from '../cli-errors';
import type { CliCommand } from '../command';

type MigrateModule = typeof import('../../codemod/migrate-command');

/**
 * `ai-access-token migrate`: the codemod from `CodeSuggestionsAccessToken` to `AiAccessToken`.
 * Its module (and jscodeshift, an optional peer) is loaded only when this command runs.
 *
 * @example
 * ```sh
 * ai-access-token migrate src/
 * ```
 */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Rewrite CodeSuggestionsAccessToken call sites to AiAccessToken (needs jscodeshift)',
  // Never printed: the codemod prints its own help (`ownHelp`), and without the codemod module
  // `migrate --help` fails like any other use of the command.
  help: 'Usage: ai-access-token migrate [--dry-run] [--extensions LIST] PATH...',
  ownHelp: true,

  async run(argv, { io }) {
    const { stdout, stderr } = io;
    return loadMigrateModule().migrateCommand(argv, { stdout, stderr, isTTY: stderr.isTTY });
  },
};

function loadMigrateModule(): MigrateModule {
  try {
    // Lazy on purpose: the other commands must not pay for (or need) the codemod's dependencies.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../../codemod/migrate-command') as MigrateModule;
  } catch (cause) {
    const { code, message } = cause as NodeJS.ErrnoException;
    if (code === 'MODULE_NOT_FOUND' && message.includes('migrate-command')) {
      throw new CliFailure(
        'migrate is unavailable: its codemod module is missing from this build',
        {
          cause,
        },
      );
    }
    throw cause;
  }
}
