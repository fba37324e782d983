import { disableWeriftDefaultStun } from '@whisperstream/webrtc-client';
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';

/** A real SDP offer from a werift peer: audio (Opus) or video only (VP8). */
export async function makeOffer(
  kind: 'audio' | 'video',
): Promise<{ sdp: string; close: () => Promise<void> }> {
  disableWeriftDefaultStun();
  const pc = new RTCPeerConnection({
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000 })],
    },
    iceUseIpv6: false,
  });
  pc.addTransceiver(kind, { direction: 'sendonly' });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  return { sdp: offer.sdp, close: () => pc.close() };
}
