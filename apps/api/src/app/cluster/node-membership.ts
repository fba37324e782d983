import { hostname } from 'node:os';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TranscriptBus } from '../transcript-bus/transcript-bus';
import { KEYS } from './keys';
import { RedisConnections } from './redis-connections';
import { SessionRegistry } from './session-registry';

/**
 * An API node's place in the cluster: it joins once it listens (its URL, renewed every
 * NODE_HEARTBEAT_MS with a lifetime of NODE_LOST_MS), and every node watches the others: when
 * a node's heartbeat has lapsed, one node (the first to take a lock in Redis) ends that node's
 * sessions for their clients, with `error` `node_lost`, the closing states and `end`, so that
 * no client waits for a session whose media died with its node. Their transcripts stay readable.
 */
@Injectable()
export class NodeMembership implements OnApplicationShutdown {
  readonly #logger = new Logger(NodeMembership.name);
  #timer?: NodeJS.Timeout;
  #url?: string;
  #beating?: Promise<void>;

  constructor(
    private readonly redis: RedisConnections,
    private readonly registry: SessionRegistry,
    private readonly bus: TranscriptBus,
    private readonly config: AppConfig,
  ) {}

  get nodeId(): string {
    return this.config.NODE_ID;
  }

  /** Where other nodes reach this one (NODE_URL, or this host and the port it listens on). */
  get url(): string {
    if (!this.#url) throw new Error('the node has not joined the cluster yet');
    return this.#url;
  }

  get joined(): boolean {
    return this.#url !== undefined;
  }

  /** Joins the cluster once the HTTP server listens on `port`. No-op without REDIS_URL. */
  async join(port: number): Promise<void> {
    if (!this.redis.enabled || this.#url) return;
    const host =
      this.config.HOST === '0.0.0.0' || this.config.HOST === '::' ? hostname() : this.config.HOST;
    const scheme = this.config.TLS_CERT_FILE ? 'https' : 'http';
    this.#url = this.config.NODE_URL ?? `${scheme}://${host}:${port}`;
    // A node that restarts with the same NODE_ID: what it held before is gone.
    await this.#endSessionsOf(this.nodeId, 'the node restarted');
    await this.#beat();
    this.#timer = setInterval(() => {
      this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    }, this.config.NODE_HEARTBEAT_MS);
    this.#timer.unref();
    this.#logger.log({ msg: 'joined the cluster', node: this.nodeId, url: this.#url });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
    if (!this.#url) return;
    await this.#beating?.catch(() => undefined);
    await this.redis.command
      .multi()
      .srem(KEYS.nodes, this.nodeId)
      .del(KEYS.nodeAlive(this.nodeId))
      .exec()
      .catch(() => undefined);
  }

  /** Renews this node's heartbeat, then ends the sessions of any node whose heartbeat lapsed. */
  async #beat(): Promise<void> {
    try {
      await this.redis.command
        .multi()
        .sadd(KEYS.nodes, this.nodeId)
        .set(KEYS.nodeAlive(this.nodeId), this.url, 'PX', this.config.NODE_LOST_MS)
        .exec();
      const nodes = await this.redis.command.smembers(KEYS.nodes);
      for (const node of nodes) {
        if (node === this.nodeId) continue;
        if ((await this.redis.command.exists(KEYS.nodeAlive(node))) === 1) continue;
        const taken = await this.redis.command.set(
          KEYS.nodeLost(node),
          this.nodeId,
          'PX',
          this.config.NODE_LOST_MS * 4,
          'NX',
        );
        if (taken !== 'OK') continue; // another node is ending them
        this.#logger.warn({ msg: 'node lost: ending its sessions', node });
        await this.#endSessionsOf(node, 'the server node that held it stopped answering');
        await this.redis.command.srem(KEYS.nodes, node);
      }
    } catch (error) {
      this.#logger.warn({ msg: 'cluster heartbeat failed', error: String(error) });
    }
  }

  /** Ends, for their clients, the sessions a node held open. */
  async #endSessionsOf(node: string, why: string): Promise<void> {
    for (const id of await this.registry.sessionsOf(node)) {
      const record = await this.registry.get(id);
      if (record && record.state !== 'closed') {
        const channel = await this.bus.takeOver(id);
        const engine = record.engine;
        channel.emit({
          type: 'error',
          data: { code: 'node_lost', message: `the session ended: ${why}`, retryable: false },
        });
        channel.emit({ type: 'session', data: { state: 'closing', engine } });
        channel.emit({ type: 'session', data: { state: 'closed', engine } });
        channel.end();
        channel.compact(); // what only live clients needed (partials) goes
      }
      await this.registry.closed(id, node);
    }
  }
}
