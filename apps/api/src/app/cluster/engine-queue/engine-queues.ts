import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { ClusterMetricsJson } from '@whisperstream/shared-types';
import { RedisConnections } from '../redis-connections';
import { PURPOSES, QUEUE_NAMES, QUEUE_PREFIX, type EnginePurpose } from './engine-jobs';

export type QueueDepth = NonNullable<ClusterMetricsJson['queues']>;

/**
 * The two engine job queues (finals, partials) as BullMQ `Queue`s on one connection of their
 * own: API nodes add jobs to them, every node reads their depth. Made on first use.
 */
@Injectable()
export class EngineQueues implements OnApplicationShutdown {
  readonly #logger = new Logger(EngineQueues.name);
  #queues?: Record<EnginePurpose, Queue>;

  constructor(private readonly redis: RedisConnections) {}

  get(purpose: EnginePurpose): Queue {
    this.#queues ??= this.#open();
    return this.#queues[purpose];
  }

  /** Jobs waiting for a worker and being run, per queue. */
  async depth(): Promise<QueueDepth> {
    const [final, partial] = await Promise.all(
      PURPOSES.map(async (purpose) => {
        const counts = await this.get(purpose).getJobCounts('waiting', 'active', 'prioritized');
        return {
          waiting: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
          active: counts['active'] ?? 0,
        };
      }),
    );
    return { final, partial };
  }

  async onApplicationShutdown(): Promise<void> {
    const queues = this.#queues;
    this.#queues = undefined;
    if (queues) await Promise.all(PURPOSES.map((purpose) => queues[purpose].close()));
  }

  #open(): Record<EnginePurpose, Queue> {
    const connection = this.redis.create('engine-queues');
    const open = (purpose: EnginePurpose) => {
      const queue = new Queue(QUEUE_NAMES[purpose], { connection, prefix: QUEUE_PREFIX });
      queue.on('error', (error: Error) =>
        this.#logger.warn({ msg: 'engine queue error', purpose, error: error.message }),
      );
      return queue;
    };
    return { final: open('final'), partial: open('partial') };
  }
}
