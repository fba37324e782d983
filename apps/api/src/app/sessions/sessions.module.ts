import { Module } from '@nestjs/common';
import { TranscriptBusModule } from '../transcript-bus/transcript-bus.module';
import { ClusterModule } from '../cluster/cluster.module';
import { LiveModule } from '../live/live.module';
import { TranscriptionModule } from '../transcription/transcription.module';
import { SessionsController } from './sessions.controller';
import { SessionService } from './sessions.service';

@Module({
  imports: [TranscriptionModule, LiveModule, TranscriptBusModule, ClusterModule],
  controllers: [SessionsController],
  providers: [SessionService],
  exports: [SessionService],
})
export class SessionsModule {}
