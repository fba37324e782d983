import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { TranscriptBusModule } from '../transcript-bus/transcript-bus.module';
import { TranscriptsController } from './transcripts.controller';
import { TranscriptsService } from './transcripts.service';

@Module({
  imports: [SessionsModule, TranscriptBusModule],
  controllers: [TranscriptsController],
  providers: [TranscriptsService],
})
export class TranscriptsModule {}
