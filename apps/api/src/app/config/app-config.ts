import type { Env } from './config.schema';

/**
 * The validated configuration, injected by type. The class is only a DI token;
 * its shape comes from the env schema through interface merging.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type, @typescript-eslint/no-empty-interface
export interface AppConfig extends Readonly<Env> {}
