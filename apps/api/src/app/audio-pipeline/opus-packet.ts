/** Frame length in ms of each Opus configuration (the TOC byte's top five bits), RFC 6716 3.1. */
const FRAME_MS_BY_CONFIG = [
  ...[10, 20, 40, 60, 10, 20, 40, 60, 10, 20, 40, 60], // SILK NB, MB, WB
  ...[10, 20, 10, 20], // hybrid SWB, FB
  ...[2.5, 5, 10, 20, 2.5, 5, 10, 20, 2.5, 5, 10, 20, 2.5, 5, 10, 20], // CELT NB, WB, SWB, FB
];
/** No Opus packet holds more audio than this. */
export const MAX_OPUS_PACKET_MS = 120;

/**
 * How much audio an Opus packet holds, from its table-of-contents byte (RFC 6716 3.1): frames
 * times frame length, 2.5 to 120 ms. Undefined for a packet that is not valid Opus. Read before
 * decoding, so a sender cannot pass 120 ms packets off as 20 ms ones.
 */
export function opusPacketDurationMs(payload: Buffer): number | undefined {
  if (payload.length === 0) return undefined;
  const toc = payload[0];
  const frameMs = FRAME_MS_BY_CONFIG[toc >> 3];
  const code = toc & 0b11;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else if (payload.length < 2) return undefined;
  else frames = payload[1] & 0b11_1111;
  const ms = frames * frameMs;
  return frames > 0 && ms <= MAX_OPUS_PACKET_MS ? ms : undefined;
}
