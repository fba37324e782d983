import type { FinalEventData, TranscriptEvent } from '@whisperstream/shared-types';
import { ApiClient, SseClient, WebRtcStreamer } from '@whisperstream/webrtc-client';

/** A session with its event stream and a connected WebRTC sender, as a real client has it. */
export interface LiveSession {
  api: ApiClient;
  sessionId: string;
  token: string;
  sse: SseClient;
  streamer: WebRtcStreamer;
}

/** What became of a live session once it was ended with DELETE. */
export interface LiveOutcome {
  events: TranscriptEvent[];
  finals: FinalEventData[];
  /** SSE contract violations (an id gap or duplicate is a lost event). */
  violations: string[];
  /** Whether `end` arrived in time. */
  ended: boolean;
  /** `error` events (the server ending the session by itself). */
  errorEvents: Array<{ code: string; message: string }>;
}

/** Creates a session, opens its events and connects a sender (throws with the reason if not). */
export async function openLive(baseUrl: string, connectTimeoutMs = 20_000): Promise<LiveSession> {
  const api = new ApiClient(baseUrl);
  const created = await api.createSession({ language: 'en' });
  if (!created.ok)
    throw new Error(`POST /api/sessions answered ${created.status}: ${created.text.slice(0, 200)}`);
  const { sessionId, token } = created.data;
  // Not strict: a gap is counted as a lost event, not thrown at the first waiter.
  const sse = await SseClient.connect(baseUrl, sessionId, token, { strict: false });
  if (!sse.ok) throw new Error(`the event stream answered ${sse.status}`);
  const streamer = new WebRtcStreamer({ baseUrl, session: created.data, api, connectTimeoutMs });
  try {
    await streamer.connect();
  } catch (error) {
    await streamer.close();
    sse.close();
    await api.deleteSession(sessionId, token).catch(() => undefined);
    throw error;
  }
  return { api, sessionId, token, sse, streamer };
}

/** Ends the session with DELETE and waits for `end`; closes the sender and the stream. */
export async function finishLive(live: LiveSession, endTimeoutMs = 30_000): Promise<LiveOutcome> {
  let ended = false;
  try {
    await live.api.deleteSession(live.sessionId, live.token);
    await live.sse.waitForType('end', endTimeoutMs);
    ended = true;
  } catch {
    ended = live.sse.events.some((e) => e.type === 'end');
  } finally {
    await live.streamer.close();
    live.sse.close();
  }
  return outcomeOf(live.sse, ended);
}

export function outcomeOf(sse: SseClient, ended: boolean): LiveOutcome {
  const events = [...sse.events];
  return {
    events,
    finals: events.flatMap((e) => (e.type === 'final' ? [e.data] : [])),
    violations: sse.violations.map((v) => v.error),
    ended,
    errorEvents: events.flatMap((e) =>
      e.type === 'error' ? [{ code: e.data.code, message: e.data.message }] : [],
    ),
  };
}

/** The server's host candidate port on 127.0.0.1, from the candidates it trickled. */
export function serverLoopbackPort(streamer: WebRtcStreamer): number | undefined {
  for (const c of streamer.candidatesReceived) {
    const fields = c.candidate
      .replace(/^a=/, '')
      .replace(/^candidate:/, '')
      .split(/\s+/);
    if (fields[2]?.toLowerCase() === 'udp' && fields[4] === '127.0.0.1') return Number(fields[5]);
  }
  return undefined;
}

/** `a=ice-ufrag` of an SDP. */
export function iceUfrag(sdp: string): string | undefined {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
}
