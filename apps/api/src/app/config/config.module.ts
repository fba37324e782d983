import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import type { Env } from './config.schema';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: Env): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: Object.freeze({ ...config }) }],
      exports: [AppConfig],
    };
  }
}
