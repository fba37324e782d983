export * from './server';
export * from './redis';
