// The jscodeshift entry point: `npx jscodeshift -t node_modules/ai-access-token/dist/codemod/transform.js
// --parser=tsx src/`. jscodeshift loads it with `require()`; `export =` makes the module itself the
// function (`module.exports = transform`), the shape every CommonJS transform has, rather than an
// `exports.default` that ESM-interpreting bundlers would misread.
import { migrateSource, type Codeshift } from './migrate-source';

/**
 * The file jscodeshift hands to a transform (structurally jscodeshift's `FileInfo`; declared here
 * so that these declarations do not need `@types/jscodeshift`).
 *
 * @example
 * ```ts
 * const file: TransformFileInfo = { path: 'src/token.ts', source: "import { CodeSuggestionsAccessToken } from 'ai-access-token';" };
 * ```
 */
interface TransformFileInfo {
  readonly path: string;
  readonly source: string;
}

/**
 * What the transform uses of jscodeshift's `API`: the parser-bound `jscodeshift` function, and
 * `report`, which prints a message for a file.
 *
 * @example
 * ```ts
 * const api: TransformApi = { jscodeshift: require('jscodeshift').withParser('tsx'), report: console.log };
 * ```
 */
interface TransformApi {
  readonly jscodeshift: unknown;
  readonly report: (message: string) => void;
}

/**
 * Rewrites `CodeSuggestionsAccessToken` (and `CodeSuggestionsAccessTokenOptions`) imported from
 * `ai-access-token` to `AiAccessToken` (and `AiAccessTokenOptions`), adding
 * `scopes: ['code_suggestions']` where the old class supplied it by default. A file with a use it
 * cannot rewrite safely is left unchanged; each such use is reported as
 * `line:column: reason`. Returns the new source, or `null` when the file is unchanged.
 *
 * jscodeshift decodes every file as UTF-8, so a file that is not (Latin-1, say) reaches the
 * transform with U+FFFD in place of its bytes, and writing it back would lose them: a file whose
 * source holds U+FFFD is left unchanged and reported. `ai-access-token migrate` reads bytes and
 * migrates such files exactly.
 *
 * @example
 * ```sh
 * npx jscodeshift -t node_modules/ai-access-token/dist/codemod/transform.js --parser=tsx src/
 * ```
 */
function transform(file: TransformFileInfo, api: TransformApi): string | null {
  const result = migrateSource(api.jscodeshift as Codeshift, file.source);
  for (const site of result.sitesLeft) {
    api.report(`${site.line}:${site.column}: left for a person: ${site.reason}`);
  }
  if (!result.changed) return null;
  if (file.source.includes('\uFFFD')) {
    api.report(
      'skipped, not valid UTF-8 (or holds U+FFFD): jscodeshift would write it back without its original bytes; run `ai-access-token migrate`, which keeps them',
    );
    return null;
  }
  return result.output;
}

// Types travel with the function: `import transform = require('ai-access-token/codemod/transform')`
// and `transform.FileInfo`.
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace transform {
  /**
   * The file jscodeshift hands to the transform.
   *
   * @example
   * ```ts
   * const file: transform.FileInfo = { path: 'src/a.ts', source: 'const a = 1;' };
   * ```
   */
  export type FileInfo = TransformFileInfo;
  /**
   * What the transform uses of jscodeshift's API.
   *
   * @example
   * ```ts
   * const api: transform.Api = { jscodeshift: require('jscodeshift').withParser('tsx'), report: console.log };
   * ```
   */
  export type Api = TransformApi;
}

export = transform;
