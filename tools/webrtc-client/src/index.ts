export * from './lib/wav';
export * from './lib/opus';
export * from './lib/api-client';
export * from './lib/sse';
export * from './lib/raw-ws';
export * from './lib/streamer';
// The werift runtime patches (no fallback STUN to the internet, fast paths) the clients install.
export { disableWeriftDefaultStun, installWeriftPatches } from '@whisperstream/werift-patches';
