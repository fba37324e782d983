import { Module } from '@nestjs/common';
import { TranscriptionModule } from '../transcription/transcription.module';
import { SessionsController } from './sessions.controller';
import { SessionService } from './sessions.service';

@Module({
  imports: [TranscriptionModule],
  controllers: [SessionsController],
  providers: [SessionService],
  exports: [SessionService],
})
export class SessionsModule {}
