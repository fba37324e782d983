export * from './lib/server';
export * from './lib/recognizers';
export * from './lib/wer';
export * from './lib/wav';
