import { Module } from '@nestjs/common';
import { InMemoryTranscriptBus } from './in-memory-transcript-bus';
import { TranscriptBus } from './transcript-bus';

@Module({
  providers: [{ provide: TranscriptBus, useClass: InMemoryTranscriptBus }],
  exports: [TranscriptBus],
})
export class TranscriptBusModule {}
