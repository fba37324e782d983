export * from './server';
// The redis-server of a test's own (startRedis, describeWithRedis, …) lives in a library that the
// api's unit tests may import too; the end-to-end suites and the benchmarks get it from here.
export * from '@whisperstream/redis-test-server';
export * from './tls';
export * from './prometheus';
