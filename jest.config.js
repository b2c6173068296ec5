/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type-checking is done once by `npm run typecheck`; jest only transpiles.
    '^.+\\.ts$': 'ts-jest',
  },
  // The CLI's bin shim only forwards process.argv to src/cli/run.ts, which is measured in-process.
  collectCoverageFrom: ['src/**/*.ts', '!src/cli/main.ts'],
  coverageThreshold: {
    global: { statements: 95, branches: 90 },
    // A floor for every file, so that dropping the tests of one module fails the gate even when
    // the global figures still pass.
    './src/**/*.ts': { statements: 80, branches: 85 },
  },
  coverageReporters: ['text-summary', 'lcov'],
};
