export * from './lib/werift-internals';
export * from './lib/default-stun';
export * from './lib/fast-paths';
export * from './lib/dtls-startup';
export * from './lib/receive-path';
export * from './lib/ice-patience';
export * from './lib/install';
