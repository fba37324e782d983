export default {
  displayName: 'fuzz',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  coverageDirectory: '../../coverage/tools/fuzz',
};
