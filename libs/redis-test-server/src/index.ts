export * from './lib/redis-server';
export * from './lib/describe-with-redis';
