import jscodeshift from 'jscodeshift';
import { migrateSource } from '../../src/codemod/migrate-source';
import transform from '../../src/codemod/transform';
import { codeshiftFor, loadFixtures } from './fixtures';

const fixtures = loadFixtures();
const rewritten = fixtures.filter((fixture) => fixture.output !== undefined);
const leftAlone = fixtures.filter(
  (fixture) => fixture.output === undefined && !fixture.name.startsWith('parse-error'),
);

describe('migrateSource: fixtures (input → expected output)', () => {
  it('has a fixture for TypeScript, ESM JavaScript, JSX and CommonJS', () => {
    const extensions = new Set(rewritten.map((fixture) => fixture.file.split('.').pop()));
    expect([...extensions].sort()).toEqual(['cjs', 'jsx', 'mjs', 'ts']);
  });

  it.each(rewritten.map((fixture) => [fixture.file, fixture] as const))('%s', (_file, fixture) => {
    const result = migrateSource(codeshiftFor(fixture.file), fixture.input);
    expect(result.sitesLeft).toEqual([]);
    expect(result.output).toBe(fixture.output);
    expect(result.changed).toBe(fixture.input !== fixture.output);
  });

  it.each(rewritten.map((fixture) => [fixture.file, fixture] as const))(
    'is idempotent: %s expected output is left as it is',
    (_file, fixture) => {
      const again = migrateSource(codeshiftFor(fixture.file), fixture.output!);
      expect(again).toEqual({
        output: fixture.output,
        changed: false,
        sitesRewritten: 0,
        sitesLeft: [],
      });
    },
  );

  it('counts the sites it rewrote', () => {
    const fixture = rewritten.find((f) => f.name === 'alias-import')!;
    // Two import specifiers and two constructions (the aliased type annotations do not change).
    expect(migrateSource(codeshiftFor(fixture.file), fixture.input).sitesRewritten).toBe(4);
  });
});

describe('migrateSource: uses left for a person', () => {
  // Every unsafe use is reported with line:column, and the file is left exactly as it was.
  const expected: Record<string, readonly string[]> = {
    'left-options-variable.ts': [
      '5:49 options are passed as a variable (options)',
      '6:51 options spread another object',
    ],
    'left-dynamic-import.mjs': ["5:54 dynamic import('ai-access-token')"],
    'left-computed-member.cjs': ['4:23 computed member access on ai-access-token'],
    'left-reexport.ts': ['3:10 re-exports CodeSuggestionsAccessToken from ai-access-token'],
    'left-value-use.ts': [
      '3:32 a class extends CodeSuggestionsAccessToken',
      '4:35 CodeSuggestionsAccessToken is passed on as a value',
      '5:32 CodeSuggestionsAccessTokenOptions makes scopes optional',
      '6:69 scopes is an expression that may be undefined',
    ],
    'left-name-clash.ts': ['5:30 AiAccessToken is already declared here (line 4)'],
  };

  it('covers every left-alone fixture', () => {
    expect(leftAlone.map((fixture) => fixture.file).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(leftAlone.map((fixture) => [fixture.file, fixture] as const))('%s', (file, fixture) => {
    const result = migrateSource(codeshiftFor(fixture.file), fixture.input);
    expect(result.changed).toBe(false);
    expect(result.output).toBe(fixture.input);
    expect(result.sitesRewritten).toBe(0);
    const sites = result.sitesLeft.map((site) => `${site.line}:${site.column} ${site.reason}`);
    const wanted = expected[file] ?? [];
    expect(sites).toHaveLength(wanted.length);
    wanted.forEach((prefix, index) => {
      expect(sites[index]?.startsWith(prefix)).toBe(true);
    });
  });

  it('explains what to do in every reason', () => {
    for (const fixture of leftAlone) {
      for (const site of migrateSource(codeshiftFor(fixture.file), fixture.input).sitesLeft) {
        expect(site.reason.length).toBeGreaterThan(40);
      }
    }
  });
});

describe('migrateSource: edge cases', () => {
  const j = jscodeshift.withParser('tsx');

  it('does not parse files that do not mention the old class', () => {
    const broken = "import { AiAccessToken } from 'ai-access-token'; new AiAccessToken({ ;";
    expect(migrateSource(j, broken).changed).toBe(false);
  });

  it('throws the parser error for a relevant file that does not parse', () => {
    const fixture = fixtures.find((f) => f.name === 'parse-error')!;
    expect(() => migrateSource(codeshiftFor(fixture.file), fixture.input)).toThrow(SyntaxError);
  });

  it('keeps CRLF line endings', () => {
    const input =
      "import { CodeSuggestionsAccessToken } from 'ai-access-token';\r\nconst t = new CodeSuggestionsAccessToken({\r\n  subject: 'a'\r\n});\r\n";
    expect(migrateSource(j, input).output).toBe(
      "import { AiAccessToken } from 'ai-access-token';\r\nconst t = new AiAccessToken({\r\n  subject: 'a',\r\n  scopes: ['code_suggestions']\r\n});\r\n",
    );
  });

  it('maps positions back through tab indentation', () => {
    const input =
      "import { CodeSuggestionsAccessToken } from 'ai-access-token';\nfunction f(o) {\n\t\treturn new CodeSuggestionsAccessToken({\n\t\t\tsubject: 'a',\n\t\t});\n}\nfunction g(o) {\n\treturn new CodeSuggestionsAccessToken(o);\n}\n";
    const result = migrateSource(j, input);
    expect(result.sitesLeft.map((s) => `${s.line}:${s.column}`)).toEqual(['8:40']);
    const fixed = input.replace('(o);', "({ subject: 'b' });");
    expect(migrateSource(j, fixed).output).toBe(
      "import { AiAccessToken } from 'ai-access-token';\nfunction f(o) {\n\t\treturn new AiAccessToken({\n\t\t\tsubject: 'a',\n\t\t\tscopes: ['code_suggestions'],\n\t\t});\n}\nfunction g(o) {\n\treturn new AiAccessToken({ subject: 'b', scopes: ['code_suggestions'] });\n}\n",
    );
  });

  it('uses the quotes of the import for the scopes it adds', () => {
    const input =
      'import { CodeSuggestionsAccessToken } from "ai-access-token";\nnew CodeSuggestionsAccessToken({ subject: "a" });\n';
    expect(migrateSource(j, input).output).toBe(
      'import { AiAccessToken } from "ai-access-token";\nnew AiAccessToken({ subject: "a", scopes: ["code_suggestions"] });\n',
    );
  });

  it('leaves a local require function alone', () => {
    const input =
      "const require = (id) => ({});\nconst { CodeSuggestionsAccessToken } = require('ai-access-token');\nnew CodeSuggestionsAccessToken(options);\n";
    expect(migrateSource(j, input)).toMatchObject({ changed: false, sitesLeft: [] });
  });

  it('respects block scopes: a block-level const shadows the import only inside its block', () => {
    const input = [
      "import { CodeSuggestionsAccessToken } from 'ai-access-token';",
      'if (Math.random() > 2) {',
      '  const CodeSuggestionsAccessToken = String;',
      '  CodeSuggestionsAccessToken(1);',
      '}',
      "new CodeSuggestionsAccessToken({ subject: 'a' });",
      '',
    ].join('\n');
    expect(migrateSource(j, input).output).toBe(
      [
        "import { AiAccessToken } from 'ai-access-token';",
        'if (Math.random() > 2) {',
        '  const CodeSuggestionsAccessToken = String;',
        '  CodeSuggestionsAccessToken(1);',
        '}',
        "new AiAccessToken({ subject: 'a', scopes: ['code_suggestions'] });",
        '',
      ].join('\n'),
    );
  });

  it('follows import = require(), implements and static member access', () => {
    const input = [
      "import aat = require('ai-access-token');",
      "import { CodeSuggestionsAccessToken } from 'ai-access-token';",
      'export class Fake implements CodeSuggestionsAccessToken {}',
      'export const proto = CodeSuggestionsAccessToken.prototype;',
      "export const t = new aat.CodeSuggestionsAccessToken({ subject: 'a' });",
      '',
    ].join('\n');
    expect(migrateSource(jscodeshift.withParser('ts'), input).output).toBe(
      [
        "import aat = require('ai-access-token');",
        "import { AiAccessToken } from 'ai-access-token';",
        'export class Fake implements AiAccessToken {}',
        'export const proto = AiAccessToken.prototype;',
        "export const t = new aat.AiAccessToken({ subject: 'a', scopes: ['code_suggestions'] });",
        '',
      ].join('\n'),
    );
  });

  it('leaves a default export of the class for a person', () => {
    const input =
      "import { CodeSuggestionsAccessToken } from 'ai-access-token';\nexport default CodeSuggestionsAccessToken;\n";
    expect(migrateSource(j, input)).toMatchObject({
      changed: false,
      sitesLeft: [{ line: 2, column: 16, reason: expect.stringMatching(/^re-exports/) }],
    });
  });

  it('respects type-level shadowing by a generic parameter', () => {
    const input =
      "import type { CodeSuggestionsAccessToken } from 'ai-access-token';\nexport type Box<CodeSuggestionsAccessToken> = { value: CodeSuggestionsAccessToken };\nexport type T = CodeSuggestionsAccessToken;\n";
    expect(migrateSource(j, input).output).toBe(
      "import type { AiAccessToken } from 'ai-access-token';\nexport type Box<CodeSuggestionsAccessToken> = { value: CodeSuggestionsAccessToken };\nexport type T = AiAccessToken;\n",
    );
  });
});

describe('transform (the jscodeshift entry point)', () => {
  it('returns the new source, or null when nothing changes, and reports what it left', () => {
    const reports: string[] = [];
    const api = {
      jscodeshift: jscodeshift.withParser('tsx'),
      report: (m: string) => reports.push(m),
    };
    const fixtures = loadFixtures();
    const named = fixtures.find((f) => f.name === 'named-import')!;
    expect(transform({ path: named.file, source: named.input }, api)).toBe(named.output);
    expect(transform({ path: named.file, source: named.output! }, api)).toBeNull();
    const left = fixtures.find((f) => f.name === 'left-reexport')!;
    expect(transform({ path: left.file, source: left.input }, api)).toBeNull();
    expect(reports).toEqual([
      expect.stringMatching(/^3:10: left for a person: re-exports CodeSuggestionsAccessToken/),
    ]);
  });
});
