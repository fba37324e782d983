import { Module } from '@nestjs/common';
import { PeerConnectionFactory } from './peer-connection.factory';

@Module({ providers: [PeerConnectionFactory], exports: [PeerConnectionFactory] })
export class MediaModule {}
