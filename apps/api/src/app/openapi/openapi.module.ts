import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller';

/** The OpenAPI document of the public API and its docs page. */
@Module({ controllers: [OpenApiController] })
export class OpenApiModule {}
