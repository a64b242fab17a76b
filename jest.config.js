/** @type {import('jest').Config} */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { decoratorMetadata: true, legacyDecorator: true }, target: 'es2022' } }];
// jose ships ESM only; Node 20 can require() it, Jest's module system cannot, so Jest compiles it to CommonJS.
const esmToCjs = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const esmPackages = { transform: { '^.+\\.ts$': swc, '/node_modules/jose/.+\\.js$': esmToCjs }, transformIgnorePatterns: ['/node_modules/(?!jose/)'] };

module.exports = {
  reporters: ['default', '<rootDir>/test/support/closing-line-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      ...esmPackages,
      roots: ['<rootDir>/harness/src', '<rootDir>/xds-server/src', '<rootDir>/services'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      ...esmPackages,
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
  ],
};
