export * from './lib/api';
export * from './lib/signaling';
export * from './lib/events';
export * from './lib/transcript';
export * from './lib/metrics';
export * from './lib/auth';
