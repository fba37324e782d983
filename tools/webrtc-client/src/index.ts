export * from './lib/wav';
export * from './lib/opus';
export * from './lib/api-client';
export * from './lib/sse';
export * from './lib/raw-ws';
export * from './lib/streamer';
export * from './lib/no-default-stun';
