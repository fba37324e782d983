import { Injectable } from '@nestjs/common';
import * as z from 'zod';
import { EngineInfoSchema } from '@whisperstream/shared-types';
import { AppConfig } from '../../config/app-config';
import { RedisConnections } from '../redis-connections';

/** SET: the ids (NODE_ID) of the processes that have run engine workers. */
export const WORKERS_KEY = 'whisperstream:engine-workers';
/** STRING: a worker process's announcement, alive while its heartbeat renews it (PX NODE_LOST_MS). */
export const workerKey = (node: string) => `whisperstream:engine-worker:${node}`;

/** Forgets the workers given whose announcement is (still) gone. */
const FORGET = `
for i = 1, #ARGV - 1 do
  if redis.call('EXISTS', ARGV[1] .. ARGV[i + 1]) == 0 then redis.call('SREM', KEYS[1], ARGV[i + 1]) end
end
return 0`;

export const WorkerAnnouncementSchema = z.object({
  node: z.string(),
  engine: EngineInfoSchema,
  paid: z.boolean(),
  concurrency: z.object({ final: z.number().int(), partial: z.number().int() }),
  startedAt: z.number(),
});
export type WorkerAnnouncement = z.infer<typeof WorkerAnnouncementSchema>;

/**
 * Which engine workers are alive, in Redis: each worker process announces its engine every
 * NODE_HEARTBEAT_MS under a key that lives NODE_LOST_MS; a worker whose key lapsed is gone.
 */
@Injectable()
export class EngineWorkerRegistry {
  constructor(
    private readonly redis: RedisConnections,
    private readonly config: AppConfig,
  ) {}

  /** Announces (or renews) this process's workers. */
  async announce(announcement: WorkerAnnouncement): Promise<void> {
    await this.redis.command
      .multi()
      .sadd(WORKERS_KEY, announcement.node)
      .set(
        workerKey(announcement.node),
        JSON.stringify(announcement),
        'PX',
        this.config.NODE_LOST_MS,
      )
      .exec();
  }

  /** Takes this process's workers out at once (a clean shutdown). */
  async withdraw(node: string): Promise<void> {
    await this.redis.command.multi().srem(WORKERS_KEY, node).del(workerKey(node)).exec();
  }

  /** The workers whose heartbeat is current; forgets those whose key has lapsed. */
  async alive(): Promise<WorkerAnnouncement[]> {
    const nodes = await this.redis.command.smembers(WORKERS_KEY);
    if (nodes.length === 0) return [];
    const values = await this.redis.command.mget(nodes.map(workerKey));
    const alive: WorkerAnnouncement[] = [];
    const gone: string[] = [];
    values.forEach((value, i) => {
      const parsed = value === null ? null : safeParse(value);
      if (parsed) alive.push(parsed);
      else gone.push(nodes[i]);
    });
    if (gone.length > 0) {
      // Only those still without a key: one may have come back since the MGET.
      await this.redis.command.eval(FORGET, 1, WORKERS_KEY, workerKey(''), ...gone);
    }
    return alive.sort((a, b) => a.node.localeCompare(b.node));
  }
}

function safeParse(value: string): WorkerAnnouncement | null {
  try {
    const parsed = WorkerAnnouncementSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
