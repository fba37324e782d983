import { NestFactory } from '@nestjs/core';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/config.schema';
import { InMemoryTranscriptBus } from './in-memory-transcript-bus';
import { RedisTranscriptBus } from './redis-transcript-bus';
import { TranscriptBus } from './transcript-bus';
import { TranscriptBusModule } from './transcript-bus.module';

describe(TranscriptBusModule.name, () => {
  const busFor = async (env: Record<string, string>) => {
    class Root {}
    const app = await NestFactory.createApplicationContext(
      { module: Root, imports: [ConfigModule.forRoot(loadConfig(env)), TranscriptBusModule] },
      { logger: false },
    );
    const bus = app.get(TranscriptBus);
    await app.close();
    return bus;
  };

  it('keeps the events in this process without REDIS_URL', async () => {
    expect(await busFor({})).toBeInstanceOf(InMemoryTranscriptBus);
  });

  it('puts the events in Redis Streams when REDIS_URL is set (connecting only once used)', async () => {
    expect(await busFor({ REDIS_URL: 'redis://127.0.0.1:1' })).toBeInstanceOf(RedisTranscriptBus);
  });
});
