/** Jest runs the TypeScript sources through swc as CommonJS. uuid >= 12 ships ES modules only, so it
 * is let through the transform; `.js` suffixes of NodeNext imports are mapped back to the sources.
 * PGlite's CommonJS build loads Node modules with import(), which jest's vm refuses without
 * --experimental-vm-modules: swc turns those into require(). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/projections', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
    '/node_modules/@electric-sql/pglite/dist/.+\\.cjs$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(uuid|@electric-sql/pglite)/)'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/tests/support/globalSetup.cjs',
  testTimeout: 60000,
  maxWorkers: 2,
};
