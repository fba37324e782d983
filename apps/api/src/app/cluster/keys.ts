/** Every Redis key of cluster mode, in one place (prefix `whisperstream:`). */
export const KEYS = {
  /** HASH: one session's record (see SessionRecord); kept SESSION_RETENTION_MS after it ends. */
  session: (id: string) => `whisperstream:session:${id}`,
  /** SET: ids of the sessions open in the whole cluster (the cluster-wide cap counts these). */
  openSessions: 'whisperstream:open-sessions',
  /** SET: ids of the sessions a node holds open. */
  nodeSessions: (node: string) => `whisperstream:node:${node}:sessions`,
  /** SET: the API nodes that have joined. */
  nodes: 'whisperstream:nodes',
  /** STRING: a node's URL, alive while its heartbeat renews it (PX NODE_LOST_MS). */
  nodeAlive: (node: string) => `whisperstream:node:${node}:alive`,
  /** STRING: taken (SET NX) by the one node that ends a lost node's sessions. */
  nodeLost: (node: string) => `whisperstream:node:${node}:lost`,
} as const;
