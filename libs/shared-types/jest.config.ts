export default {
  displayName: 'shared-types',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/shared-types',
};
