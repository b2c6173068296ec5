import { AI_GATEWAY_AUDIENCE } from '../../src/constants';
import { AiAccessToken } from '../../src/token/ai-access-token';
import { testKey } from '../helpers/keys';

type AliasModule = typeof import('../../src/token/code-suggestions-access-token') &
  typeof import('../../src/token/ai-access-token');

// A KeyObject, not a SigningKey: the isolated module registry has its own SigningKey class.
const base = { issuer: 'https://gitlab.example.com', signingKey: testKey().privateKey };

// A fresh copy of the module per test, so the once-per-process warning can be observed.
function loadAlias(): AliasModule {
  let loaded: AliasModule | undefined;
  jest.isolateModules(() => {
    loaded = {
      ...jest.requireActual<AliasModule>('../../src/token/code-suggestions-access-token'),
      ...jest.requireActual<AliasModule>('../../src/token/ai-access-token'),
    };
  });
  return loaded!;
}

// The expected DeprecationWarnings are asserted, not printed: every test of this file runs with
// process.emitWarning captured (each fresh module copy would otherwise print the warning once).
let emitWarning: jest.SpiedFunction<typeof process.emitWarning>;
beforeEach(() => {
  emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterEach(() => {
  emitWarning.mockRestore();
});

function warningsDuring(fn: () => void): unknown[][] {
  emitWarning.mockClear();
  fn();
  return [...emitWarning.mock.calls];
}

describe('CodeSuggestionsAccessToken (deprecated alias)', () => {
  it('defaults scopes to code_suggestions and mints the new audience', () => {
    const { CodeSuggestionsAccessToken } = loadAlias();
    const payload = new CodeSuggestionsAccessToken({ ...base, subject: 'user-1' }).payload();
    expect(payload.scopes).toEqual(['code_suggestions']);
    expect(payload.aud).toBe(AI_GATEWAY_AUDIENCE);
  });

  it('passes explicit scopes and every other option through', () => {
    const { CodeSuggestionsAccessToken } = loadAlias();
    const token = new CodeSuggestionsAccessToken({
      ...base,
      subject: 'user-1',
      scopes: ['duo_chat'],
      gitlabRealm: 'self-managed',
      expiresIn: 60,
    });
    expect(token.payload()).toMatchObject({
      scopes: ['duo_chat'],
      gitlab_realm: 'self-managed',
      exp: token.payload().iat + 60,
    });
  });

  it('is an AiAccessToken', () => {
    const { CodeSuggestionsAccessToken, AiAccessToken: IsolatedAiAccessToken } = loadAlias();
    const token = new CodeSuggestionsAccessToken({ ...base, subject: 'user-1' });
    expect(token).toBeInstanceOf(IsolatedAiAccessToken);
    expect(token.encoded().split('.')).toHaveLength(3);
  });

  it('validates like AiAccessToken (explicit empty scopes are still refused)', () => {
    const { CodeSuggestionsAccessToken } = loadAlias();
    expect(() => new CodeSuggestionsAccessToken({ ...base, subject: 'u', scopes: [] })).toThrow(
      /scopes must be a non-empty array of strings; got \[\]/,
    );
  });

  it('emits one DeprecationWarning per process, with a stable code', () => {
    const { CodeSuggestionsAccessToken, CODE_SUGGESTIONS_ACCESS_TOKEN_DEPRECATION_CODE } =
      loadAlias();
    const calls = warningsDuring(() => {
      new CodeSuggestionsAccessToken({ ...base, subject: 'a' });
      new CodeSuggestionsAccessToken({ ...base, subject: 'b' });
      new CodeSuggestionsAccessToken({ ...base, subject: 'c' });
    });
    expect(calls).toEqual([
      [
        expect.stringMatching(/CodeSuggestionsAccessToken is deprecated; use AiAccessToken/),
        { type: 'DeprecationWarning', code: CODE_SUGGESTIONS_ACCESS_TOKEN_DEPRECATION_CODE },
      ],
    ]);
    expect(CODE_SUGGESTIONS_ACCESS_TOKEN_DEPRECATION_CODE).toBe('AI_ACCESS_TOKEN_DEP0001');
  });

  it('does not warn when only AiAccessToken is used', () => {
    loadAlias();
    const warnings = warningsDuring(() => {
      new AiAccessToken({ ...base, subject: 'a', scopes: ['duo_chat'] });
    });
    expect(warnings).toHaveLength(0);
  });
});
