import { Module } from '@nestjs/common';
import { TranscriptBusModule } from '../transcript-bus/transcript-bus.module';
import { ClusterForwarder } from './forwarder';
import { NodeMembership } from './node-membership';
import { RedisModule } from './redis.module';
import { SessionRegistry } from './session-registry';

/**
 * Cluster mode's API-node side: the session registry, this node's membership (heartbeat, lost
 * nodes), and forwarding to the node that holds a session's media. Inert without REDIS_URL.
 */
@Module({
  imports: [RedisModule, TranscriptBusModule],
  providers: [SessionRegistry, NodeMembership, ClusterForwarder],
  exports: [RedisModule, SessionRegistry, NodeMembership, ClusterForwarder],
})
export class ClusterModule {}
