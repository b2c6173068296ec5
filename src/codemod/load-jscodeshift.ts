import { MissingDependencyError } from '../errors';
import type { Codeshift } from './migrate-source';

/**
 * What the runner uses of the `jscodeshift` package.
 *
 * @example
 * ```ts
 * const j = loadJscodeshift().withParser('tsx');
 * ```
 */
export interface JscodeshiftModule {
  withParser(parser: string): Codeshift;
}

/** The command that installs the codemod's parser, quoted verbatim in the error. */
export const INSTALL_JSCODESHIFT = 'npm install --save-dev jscodeshift';

/**
 * Loads jscodeshift, an optional peer dependency, on first use only: importing `ai-access-token`
 * for minting never loads it. `load` is the module loader (replaceable in tests).
 *
 * @throws {@link MissingDependencyError} (`ERR_MISSING_DEPENDENCY`) naming
 * `npm install --save-dev jscodeshift` when it is not installed.
 * @example
 * ```ts
 * const jscodeshift = loadJscodeshift();
 * ```
 */
export function loadJscodeshift(load: (id: string) => unknown = require): JscodeshiftModule {
  let loaded: unknown;
  try {
    loaded = load('jscodeshift');
  } catch (cause) {
    const notInstalled =
      cause instanceof Error && (cause as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    throw new MissingDependencyError(
      'jscodeshift',
      `jscodeshift ${notInstalled ? 'is not installed' : 'cannot be loaded'}; ai-access-token migrate needs it to parse your code: ${INSTALL_JSCODESHIFT}`,
      { cause },
    );
  }
  const module = loaded as Partial<JscodeshiftModule> | null;
  if (typeof module?.withParser !== 'function') {
    throw new MissingDependencyError(
      'jscodeshift',
      `the installed jscodeshift has no withParser(); install a supported version: ${INSTALL_JSCODESHIFT}`,
    );
  }
  return module as JscodeshiftModule;
}
