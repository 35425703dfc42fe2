/** One Jest run: unit specs beside the code, integration and end-to-end suites in test/. */
const swc = require('./scripts/swc-options');

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.spec.ts', '<rootDir>/test/**/*.{int,e2e,browser}-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/apps/web/'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  // ESM-only packages (Nest 12, and what @fastify/static and light-my-request pull in) are compiled to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|content-disposition|cookie|file-type|strtok3|token-types|@tokenizer|uint8array-extras)/)'],
  moduleNameMapper: { '^@redial/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
