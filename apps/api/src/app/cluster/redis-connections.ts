import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * The process's Redis connections in cluster mode (REDIS_URL): one for commands, and one more
 * per use that blocks (XREAD BLOCK, BullMQ workers) through `duplicate()`. Every connection
 * made here is closed at shutdown. Without REDIS_URL nothing is made and `enabled` is false.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  readonly #logger = new Logger(RedisConnections.name);
  readonly #all = new Set<Redis>();
  #command?: Redis;

  constructor(private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.REDIS_URL !== undefined;
  }

  /** Options every connection shares: BullMQ needs `maxRetriesPerRequest: null`. */
  get options(): RedisOptions {
    return {
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      connectionName: `whisperstream:${this.config.NODE_ID}`,
    };
  }

  /** The shared connection for ordinary commands. */
  get command(): Redis {
    this.#command ??= this.create('command');
    return this.#command;
  }

  /** Whether the shared connection is up (for readiness). */
  get ready(): boolean {
    return this.#command?.status === 'ready';
  }

  /** A new connection of its own (for blocking commands), closed at shutdown. */
  create(purpose: string): Redis {
    const url = this.config.REDIS_URL;
    if (!url) throw new Error('cluster mode needs REDIS_URL');
    const redis = new Redis(url, {
      ...this.options,
      connectionName: `${this.options.connectionName}:${purpose}`,
    });
    redis.on('error', (error: Error) =>
      this.#logger.warn({ msg: 'redis connection error', purpose, error: error.message }),
    );
    this.#all.add(redis);
    redis.once('end', () => this.#all.delete(redis));
    return redis;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.#all].map((redis) => redis.quit().catch(() => redis.disconnect())));
  }
}
