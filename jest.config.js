/**
 * Four projects: unit tests of pure code (no servers), integration tests, console tests (a real
 * Chromium) and scenario tests (real PostgreSQL and real Temporal, started once per run by test/support/global-setup.js unless
 * DATABASE_URL / TEMPORAL_ADDRESS name servers to use).
 */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    },
  ],
};

const common = {
  transform,
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import siblings as `./x.js` (Node's ESM rule); Jest resolves those to the `.ts` file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
      setupFiles: ['<rootDir>/test/support/quiet-temporal-runtime.ts'],
    },
    {
      // The web console in a real Chromium against the real stack (real Temporal, real PostgreSQL).
      ...common,
      displayName: 'console',
      testMatch: ['<rootDir>/test/console/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
      setupFiles: ['<rootDir>/test/support/quiet-temporal-runtime.ts'],
    },
    {
      ...common,
      displayName: 'scenario',
      testMatch: ['<rootDir>/test/scenario/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
      setupFiles: ['<rootDir>/test/support/quiet-temporal-runtime.ts'],
    },
  ],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 120_000,
  // Integration suites each start servers; two cores run two at a time well.
  maxWorkers: 2,
};
