/** Jest runs the TypeScript sources as ES modules through SWC; `tsc --noEmit` type-checks. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  maxWorkers: 2,
  testTimeout: 30000,
  // main.ts and the CLIs are exercised as processes, not imported. The Oracle pool and
  // repository need a live Oracle: they are covered by test/integration/repository-oracle.test.ts
  // where ORACLE_CONNECT_STRING is set, and their pure parts by test/unit/oracle-*.test.ts.
  collectCoverageFrom: [
    'src/**/*.ts',
    '!src/main.ts',
    '!src/cli/**',
    '!src/data/oracle/oracle-database.ts',
    '!src/data/oracle/oracle-records-repository.ts',
  ],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 80 } },
};
