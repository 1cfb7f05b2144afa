// Tests run through @swc/jest (fast, and it keeps Nest's decorator metadata). Type checking is a
// separate step (`npm run typecheck`) so the suite stays quick.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = {
  '^@lead-ledger/domain$': '<rootDir>/libs/domain/src',
  '^@lead-ledger/domain/(.*)$': '<rootDir>/libs/domain/src/$1',
  '^@lead-ledger/ledger$': '<rootDir>/libs/ledger/src',
  '^@lead-ledger/ledger/(.*)$': '<rootDir>/libs/ledger/src/$1',
  '^@lead-ledger/read-models$': '<rootDir>/libs/read-models/src',
  '^@lead-ledger/read-models/(.*)$': '<rootDir>/libs/read-models/src/$1',
  '^@lead-ledger/audit$': '<rootDir>/libs/audit/src',
  '^@lead-ledger/audit/(.*)$': '<rootDir>/libs/audit/src/$1',
  '^@lead-ledger/projections$': '<rootDir>/projections',
  '^@lead-ledger/projections/(.*)$': '<rootDir>/projections/$1',
  '^@lead-ledger/pii$': '<rootDir>/libs/pii/src',
  '^@lead-ledger/pii/(.*)$': '<rootDir>/libs/pii/src/$1',
};
// @fastify/static (Swagger UI assets) requires content-disposition 3, which is ESM only: Node loads it
// (require(esm)), jest does not, so jest compiles that one package to CommonJS.
const ESM_ONLY = '/node_modules/(.+/)?content-disposition/.+\\.js$';
const common = {
  transform: { '^.+\\.ts$': swc, [ESM_ONLY]: swc },
  transformIgnorePatterns: ['/node_modules/(?!(.+/)?content-disposition/)'],
  moduleNameMapper,
  testEnvironment: 'node',
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.spec.ts'], testPathIgnorePatterns: ['/node_modules/', '/dist/'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/**/*.int.spec.ts'], testPathIgnorePatterns: ['/node_modules/', '/dist/'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/**/*.e2e.spec.ts'], testPathIgnorePatterns: ['/node_modules/', '/dist/'] },
  ],
};
