export default {
  displayName: 'werift-patches',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  rootDir: __dirname,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  coverageDirectory: '../../coverage/libs/werift-patches',
};
