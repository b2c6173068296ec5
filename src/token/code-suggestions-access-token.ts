import { CODE_SUGGESTIONS_SCOPE } from '../constants';
import { AiAccessToken } from './ai-access-token';
import type { AiAccessTokenOptions } from './options';

/**
 * The `code` of the rename's `DeprecationWarning`, stable across releases.
 *
 * @example
 * ```ts
 * process.on('warning', (warning) => {
 *   if ((warning as { code?: string }).code === CODE_SUGGESTIONS_ACCESS_TOKEN_DEPRECATION_CODE) {
 *     metrics.increment('legacy_token_class');
 *   }
 * });
 * ```
 */
export const CODE_SUGGESTIONS_ACCESS_TOKEN_DEPRECATION_CODE = 'AI_ACCESS_TOKEN_DEP0001';

/**
 * Options of the deprecated {@link CodeSuggestionsAccessToken}: those of `AiAccessToken`, with
 * `scopes` optional (default `['code_suggestions']`).
 *
 * @deprecated Use {@link AiAccessTokenOptions} with `AiAccessToken`.
 * @example
 * ```ts
 * const options: CodeSuggestionsAccessTokenOptions = { subject: 'user-42' };
 * ```
 */
export type CodeSuggestionsAccessTokenOptions = Omit<AiAccessTokenOptions, 'scopes'> & {
  scopes?: readonly string[] | undefined;
};

let warned = false;

/**
 * The old name of {@link AiAccessToken}, kept so existing call sites work during the rename. It
 * delegates to `AiAccessToken`: tokens get the new audience `gitlab-ai-gateway`, and `scopes`
 * defaults to `['code_suggestions']` (what the old token meant). Emits one `DeprecationWarning`
 * (code `AI_ACCESS_TOKEN_DEP0001`) per process.
 *
 * @deprecated Use {@link AiAccessToken} and pass `scopes` explicitly; run
 * `npx ai-access-token migrate src/` to rewrite call sites.
 * @example
 * ```ts
 * // before
 * const token = new CodeSuggestionsAccessToken({ subject: 'user-42' });
 * // after
 * const token = new AiAccessToken({ subject: 'user-42', scopes: ['code_suggestions'] });
 * ```
 */
export class CodeSuggestionsAccessToken extends AiAccessToken {
  constructor(options: CodeSuggestionsAccessTokenOptions) {
    if (!warned) {
      warned = true;
      process.emitWarning(
        'CodeSuggestionsAccessToken is deprecated; use AiAccessToken with explicit scopes (npx ai-access-token migrate)',
        { type: 'DeprecationWarning', code: CODE_SUGGESTIONS_ACCESS_TOKEN_DEPRECATION_CODE },
      );
    }
    const scopes = (options as { scopes?: unknown } | null | undefined)?.scopes;
    super({
      ...options,
      scopes: scopes === undefined ? [CODE_SUGGESTIONS_SCOPE] : (scopes as readonly string[]),
    });
  }
}
