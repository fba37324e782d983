import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TRANSCRIPTION_ENGINE } from './engine';
import { chooseEngine } from './engine-selection';
import { TranscriptionService } from './transcription.service';

@Module({
  providers: [
    { provide: TRANSCRIPTION_ENGINE, useFactory: chooseEngine, inject: [AppConfig] },
    TranscriptionService,
  ],
  exports: [TranscriptionService],
})
export class TranscriptionModule {}
