import { Module } from '@nestjs/common';
import { AudioPipelineModule } from '../audio-pipeline/audio-pipeline.module';
import { ClusterModule } from '../cluster/cluster.module';
import { MediaModule } from '../media/media.module';
import { SessionsModule } from '../sessions/sessions.module';
import { SignalingController } from './signaling.controller';
import { SignalingGateway } from './signaling.gateway';
import { SignalingService } from './signaling.service';

@Module({
  imports: [SessionsModule, MediaModule, AudioPipelineModule, ClusterModule],
  controllers: [SignalingController],
  providers: [SignalingService, SignalingGateway],
})
export class SignalingModule {}
