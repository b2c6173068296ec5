import { parserForFile } from '../../src/codemod/parser-for-file';

describe('parserForFile', () => {
  it.each([
    ['src/token.ts', 'ts'],
    ['src/token.MTS', 'ts'],
    ['src/token.cts', 'ts'],
    ['src/view.tsx', 'tsx'],
    ['src/index.js', 'babylon'],
    ['src/index.mjs', 'babylon'],
    ['src/index.cjs', 'babylon'],
    ['src/view.jsx', 'babylon'],
    // Anything else (a file named explicitly) gets tsx, which reads both JSX and types.
    ['src/component.vue', 'tsx'],
    ['Makefile', 'tsx'],
  ])('%s → %s', (file, parser) => {
    expect(parserForFile(file)).toBe(parser);
  });
});
