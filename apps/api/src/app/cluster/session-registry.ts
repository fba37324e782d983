import { Injectable } from '@nestjs/common';
import type { EngineInfo, SessionState } from '@whisperstream/shared-types';
import { AppConfig } from '../config/app-config';
import { KEYS } from './keys';
import { RedisConnections } from './redis-connections';

/** What every API node knows of a session, wherever it lives. */
export interface SessionRecord {
  id: string;
  /** The API node that holds its media (NODE_ID), and where other nodes reach it (NODE_URL). */
  node: string;
  nodeUrl: string;
  /** SHA-256 of its token, hex. */
  tokenHash: string;
  language?: string;
  engine: EngineInfo;
  state: SessionState;
  createdAt: number;
}

/** Adds a session unless the cluster is at its cap; 1 when added, 0 when full. */
const REGISTER = `
if tonumber(ARGV[1]) > 0 and redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
return 1`;

/**
 * The cluster's session registry in Redis: any API node can authenticate any session and find
 * the node that holds its media. Only the owner writes a session's record (and the node that
 * ends the sessions of a lost node). A record outlives its session by SESSION_RETENTION_MS.
 */
@Injectable()
export class SessionRegistry {
  constructor(
    private readonly redis: RedisConnections,
    private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.redis.enabled;
  }

  /** Registers a new session of this node; false when CLUSTER_MAX_SESSIONS are open. */
  async register(record: SessionRecord): Promise<boolean> {
    const fields = Object.entries(toHash(record)).flat();
    const added = (await this.redis.command.eval(
      REGISTER,
      3,
      KEYS.openSessions,
      KEYS.session(record.id),
      KEYS.nodeSessions(record.node),
      String(this.config.CLUSTER_MAX_SESSIONS ?? 0),
      record.id,
      ...fields,
    )) as number;
    return added === 1;
  }

  async get(id: string): Promise<SessionRecord | null> {
    const hash = await this.redis.command.hgetall(KEYS.session(id));
    return fromHash(id, hash);
  }

  async setState(id: string, state: SessionState): Promise<void> {
    await this.redis.command.hset(KEYS.session(id), 'state', state);
  }

  /** The session has ended: no longer open anywhere; its record expires after retention. */
  async closed(id: string, node: string): Promise<void> {
    await this.redis.command
      .multi()
      .hset(KEYS.session(id), 'state', 'closed')
      .pexpire(KEYS.session(id), Math.max(1, this.config.SESSION_RETENTION_MS))
      .srem(KEYS.openSessions, id)
      .srem(KEYS.nodeSessions(node), id)
      .exec();
  }

  /** Sessions open in the whole cluster. */
  openCount(): Promise<number> {
    return this.redis.command.scard(KEYS.openSessions);
  }

  /** The sessions a node holds open. */
  sessionsOf(node: string): Promise<string[]> {
    return this.redis.command.smembers(KEYS.nodeSessions(node));
  }
}

function toHash(record: SessionRecord): Record<string, string> {
  return {
    node: record.node,
    nodeUrl: record.nodeUrl,
    tokenHash: record.tokenHash,
    ...(record.language ? { language: record.language } : {}),
    engineId: record.engine.id,
    engineModel: record.engine.model,
    state: record.state,
    createdAt: String(record.createdAt),
  };
}

function fromHash(id: string, hash: Record<string, string>): SessionRecord | null {
  if (!hash['node'] || !hash['tokenHash']) return null;
  return {
    id,
    node: hash['node'],
    nodeUrl: hash['nodeUrl'] ?? '',
    tokenHash: hash['tokenHash'],
    language: hash['language'] || undefined,
    engine: { id: hash['engineId'] ?? '', model: hash['engineModel'] ?? '' },
    state: (hash['state'] ?? 'closed') as SessionState,
    createdAt: Number(hash['createdAt'] ?? 0),
  };
}
