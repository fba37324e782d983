import { Module } from '@nestjs/common';
import { RedisConnections } from '../cluster/redis-connections';
import { RedisModule } from '../cluster/redis.module';
import { AppConfig } from '../config/app-config';
import { InMemoryTranscriptBus } from './in-memory-transcript-bus';
import { RedisTranscriptBus } from './redis-transcript-bus';
import { TranscriptBus } from './transcript-bus';

/** The TranscriptBus: Redis Streams in cluster mode (REDIS_URL set), else this process's memory. */
@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: TranscriptBus,
      inject: [AppConfig, RedisConnections],
      useFactory: (config: AppConfig, redis: RedisConnections): TranscriptBus =>
        redis.enabled ? new RedisTranscriptBus(config, redis) : new InMemoryTranscriptBus(config),
    },
  ],
  exports: [TranscriptBus],
})
export class TranscriptBusModule {}
