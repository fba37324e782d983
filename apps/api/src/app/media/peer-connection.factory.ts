import { networkInterfaces } from 'node:os';
import { Injectable } from '@nestjs/common';
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { AppConfig } from '../config/app-config';
import { disableWeriftDefaultStun } from './werift-defaults';
import { installWeriftFastPaths } from './werift-fast-paths';

/** Opus as every browser offers it; the payload type is taken from the offer. */
export const OPUS_CODEC = () =>
  new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 });

function hasIpv6(): boolean {
  return Object.values(networkInterfaces()).some((addresses) =>
    (addresses ?? []).some(
      (a) => a.family === 'IPv6' && !a.internal && !a.address.startsWith('fe80'),
    ),
  );
}

/** Makes the server's werift peer connections: audio only, Opus only, ICE as configured. */
@Injectable()
export class PeerConnectionFactory {
  readonly #useIpv6 = hasIpv6();

  constructor(private readonly config: AppConfig) {
    disableWeriftDefaultStun();
    installWeriftFastPaths();
  }

  create(): RTCPeerConnection {
    // werift takes one URL per RTCIceServer entry.
    const iceServers = this.config.ICE_SERVERS.flatMap((server) =>
      (Array.isArray(server.urls) ? server.urls : [server.urls]).map((urls) => ({
        urls,
        username: server.username,
        credential: server.credential,
      })),
    );
    return new RTCPeerConnection({
      iceServers,
      iceAdditionalHostAddresses: [...this.config.ICE_HOST_ADDRESSES],
      icePortRange: this.config.ICE_PORT_RANGE,
      iceUseIpv6: this.#useIpv6,
      codecs: { audio: [OPUS_CODEC()], video: [] },
    });
  }
}
