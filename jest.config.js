/** Two projects: `unit` (pure code next to its source, no I/O) and `integration`
 * (test/integration, against the real stack named by KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI). */
// Type checking is `npm run typecheck`'s job (tsc); jest only transpiles.
const tsJest = ['ts-jest', { diagnostics: false }];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.int.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 30,
      testTimeout: 120000,
    },
    {
      // Static checks of the deployment artefacts (Helm chart, compose file, Dockerfile): local
      // binaries and files only, no services.
      displayName: 'deploy',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/deploy'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testTimeout: 120000,
    },
  ],
  // The 2-core machines run Kafka and FerretDB beside the tests: one worker.
  maxWorkers: 1,
  testTimeout: 120000,
};
