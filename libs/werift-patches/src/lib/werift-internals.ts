import { createRequire } from 'node:module';

/**
 * werift's deep modules, reached by file: its package `exports` only open the index, and the
 * functions these patches replace live behind it. Every patch checks
 * {@link isPatchableWerift} first: the files and functions are werift 0.24's.
 */
export const weriftRequire = createRequire(require.resolve('werift'));

export const WERIFT_VERSION = (weriftRequire('../../../package.json') as { version: string })
  .version;

/** The werift version every patch here was written and tested against. */
export function isPatchableWerift(version = WERIFT_VERSION): boolean {
  return version.startsWith('0.24.');
}
