import { Module } from '@nestjs/common';
import { RedisConnections } from './redis-connections';

/** The process's Redis connections (cluster mode); nothing connects without REDIS_URL. */
@Module({
  providers: [RedisConnections],
  exports: [RedisConnections],
})
export class RedisModule {}
