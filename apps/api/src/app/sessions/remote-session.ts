import type { EngineInfo, SessionState } from '@whisperstream/shared-types';
import type { SessionRecord } from '../cluster/session-registry';

/**
 * A session that another API node holds (cluster mode), as this node sees it through the
 * registry: enough to authenticate a call, to forward what needs its media to its node, and to
 * serve its events and transcript from the bus.
 */
export class RemoteSession {
  readonly id: string;
  readonly state: SessionState;
  readonly language: string | undefined;
  readonly engine: EngineInfo;
  /** The node that holds its media, and where to reach it. */
  readonly node: string;
  readonly nodeUrl: string;

  constructor(record: SessionRecord) {
    this.id = record.id;
    this.state = record.state;
    this.language = record.language;
    this.engine = record.engine;
    this.node = record.node;
    this.nodeUrl = record.nodeUrl;
  }

  get isOpen(): boolean {
    return this.state !== 'closed';
  }
}
