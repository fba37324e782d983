export default {
  displayName: 'segmentation-bench',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  rootDir: __dirname,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  coverageDirectory: '../../coverage/tools/segmentation-bench',
};
