import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { TranscriptionModule } from '../transcription/transcription.module';
import { HealthController } from './health.controller';

@Module({ imports: [SessionsModule, TranscriptionModule], controllers: [HealthController] })
export class HealthModule {}
