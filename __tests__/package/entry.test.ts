// The published entry points, as a consumer loads them: built dist/, resolved through the
// package's own `exports` map (self-reference by package name), in separate Node processes.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before jest');
  }
});

describe('main entry', () => {
  const names = [
    'AiAccessToken',
    'CodeSuggestionsAccessToken',
    'SigningKey',
    'KeyRing',
    'jwks',
    'AiAccessTokenError',
    'InvalidClaimError',
    'NoSigningKeyError',
    'InvalidSigningKeyError',
    'TokenVerificationError',
    'AI_GATEWAY_AUDIENCE',
    'LEGACY_CODE_SUGGESTIONS_AUDIENCE',
    'GITLAB_REALM_SAAS',
    'GITLAB_REALM_SELF_MANAGED',
    'NOT_BEFORE_SECONDS',
    'EXPIRES_IN_SECONDS',
  ];

  it('works with require()', () => {
    const out = node([
      '-e',
      `const m = require('ai-access-token');
       console.log(JSON.stringify(${JSON.stringify(names)}.filter((n) => m[n] === undefined)));
       console.log(m.AI_GATEWAY_AUDIENCE, m.EXPIRES_IN_SECONDS);`,
    ]);
    expect(out).toBe('[]\ngitlab-ai-gateway 3600\n');
  });

  it('works with named ESM imports', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { ${names.join(', ')} } from 'ai-access-token';
       import pkg from 'ai-access-token';
       const key = SigningKey.generate();
       const token = new AiAccessToken({ subject: 's', scopes: ['duo_chat'], issuer: 'https://i.example', signingKey: key });
       console.log(token.encoded().split('.').length, pkg.AiAccessToken === AiAccessToken, AI_GATEWAY_AUDIENCE);`,
    ]);
    expect(out).toBe('3 true gitlab-ai-gateway\n');
  });

  it('stays light: loads no optional peer, parser, CLI, codemod or test helper', () => {
    const out = node([
      '-e',
      `require('ai-access-token');
       const loaded = Object.keys(require.cache);
       const heavy = loaded.filter((file) =>
         /node_modules[\\\\/](better-sqlite3|jscodeshift|typescript|@babel|recast|jest|expect)[\\\\/]/.test(file) ||
         /dist[\\\\/](cli|codemod|testing)[\\\\/]/.test(file));
       console.log(JSON.stringify(heavy));`,
    ]);
    expect(out).toBe('[]\n');
  });
});
