import type { RunningServer } from '@whisperstream/server-harness';
import type {
  FinalEventData,
  PartialEventData,
  TranscriptEvent,
} from '@whisperstream/shared-types';
import { ApiClient, SseClient, WebRtcStreamer } from '@whisperstream/webrtc-client';
import { opusFrames } from './fixtures';

export interface ClipRun {
  sessionId: string;
  token: string;
  events: TranscriptEvent[];
  finals: FinalEventData[];
  partials: PartialEventData[];
}

/**
 * Plays a fixture through one session the way a client does: session, SSE, WebRTC with trickle
 * ICE, the clip in real time, DELETE, then every event up to `end`.
 */
export async function runClip(
  server: RunningServer,
  file: string,
  options: { language?: string; endTimeoutMs?: number } = {},
): Promise<ClipRun> {
  const api = new ApiClient(server.baseUrl);
  const created = await api.createSession({ language: options.language ?? 'en' });
  if (!created.ok) throw new Error(`create failed: ${created.status} ${created.text}`);
  const { sessionId, token } = created.data;
  const sse = await SseClient.connect(server.baseUrl, sessionId, token);
  const streamer = new WebRtcStreamer({ baseUrl: server.baseUrl, session: created.data });
  try {
    await streamer.connect();
    await streamer.stream(opusFrames(file));
    await api.deleteSession(sessionId, token);
    await sse.waitForType('end', options.endTimeoutMs ?? 30_000);
  } finally {
    await streamer.close();
    sse.close();
  }
  const events = sse.events;
  return {
    sessionId,
    token,
    events,
    finals: events.flatMap((e) => (e.type === 'final' ? [e.data] : [])),
    partials: events.flatMap((e) => (e.type === 'partial' ? [e.data] : [])),
  };
}
