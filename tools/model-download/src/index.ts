export * from './lib/download';
export * from './lib/models';
export * from './lib/progress';
