import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventTap } from '@whisperstream/loadgen';
import { ApiClient, FRAME_MS, WebRtcStreamer } from '@whisperstream/webrtc-client';
import type { ClipRun } from './analysis';
import { counterDelta, readTranscriptionMetrics, type TranscriptionMetrics } from './metrics';

/** Let the last packets (in flight on loopback) land before the session is closed. */
const DRAIN_BEFORE_DELETE_MS = 60;

export interface PlayOptions {
  baseUrl: string;
  file: string;
  /** 20 ms Opus frames of the clip (padding included). */
  frames: Buffer[];
  /** How long to wait for `end` after DELETE. */
  endTimeoutMs?: number;
}

/** `GET /metrics` (served to loopback) → its `transcription` section; null when absent. */
export async function fetchTranscriptionMetrics(
  baseUrl: string,
): Promise<TranscriptionMetrics | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics.json`);
    if (!res.ok) {
      return null;
    }
    return readTranscriptionMetrics(await res.json());
  } catch {
    return null;
  }
}

/**
 * Plays one clip through one session by the public contract, in real time: POST /api/sessions,
 * the event stream, WebRTC (offer, trickle ICE, Opus over RTP), then DELETE and the wait for
 * `end`. Event arrival times are kept relative to the first RTP packet: the streamer sends it
 * synchronously at the start of `stream()` and paces the rest on a drift-free 20 ms schedule
 * from that moment, so audio time t was played at t0 + t. Never throws for a failed session:
 * the failure is in the result.
 */
export async function playClip(options: PlayOptions): Promise<ClipRun> {
  const { baseUrl, file, frames } = options;
  const api = new ApiClient(baseUrl);
  const before = await fetchTranscriptionMetrics(baseUrl);
  const run: ClipRun = {
    file,
    events: [],
    playedMs: frames.length * FRAME_MS,
    deleteAtMs: 0,
    endAtMs: null,
    maxLateMs: 0,
    engine: null,
  };
  let t0: number | undefined;
  let tap: EventTap | null = null;
  let streamer: WebRtcStreamer | null = null;
  let session: { sessionId: string; token: string } | null = null;
  let deleted = false;
  try {
    const created = await api.createSession({ language: 'en' });
    if (!created.ok) {
      throw new Error(
        `POST /api/sessions answered ${created.status}: ${created.error?.code ?? ''} ${created.error?.message ?? created.text.slice(0, 200)}`,
      );
    }
    session = created.data;
    tap = await EventTap.open(baseUrl, session.sessionId, session.token);
    streamer = new WebRtcStreamer({ baseUrl, session: created.data, api });
    await streamer.connect();
    t0 = performance.now();
    const result = await streamer.stream(frames);
    run.maxLateMs = result.maxLateMs;
    await sleep(DRAIN_BEFORE_DELETE_MS);
    run.deleteAtMs = performance.now() - t0;
    const deletedRes = await api.deleteSession(session.sessionId, session.token);
    deleted = true;
    if (!deletedRes.ok) {
      throw new Error(`DELETE answered ${deletedRes.status}`);
    }
    const end = await tap.waitForType('end', options.endTimeoutMs ?? 120_000);
    if (!end) {
      throw new Error(`no "end" within ${options.endTimeoutMs ?? 120_000} ms of DELETE`);
    }
    run.endAtMs = end.at - t0;
  } catch (err) {
    run.failure = (err as Error).message.slice(0, 500);
    if (session && !deleted) {
      await api.deleteSession(session.sessionId, session.token).catch(() => undefined);
    }
  } finally {
    await streamer?.close().catch(() => undefined);
    tap?.close();
  }
  const origin = t0 ?? performance.now();
  run.events = (tap?.events ?? []).map((e) => ({ atMs: e.at - origin, event: e.event }));
  run.engine = counterDelta(before, await fetchTranscriptionMetrics(baseUrl));
  return run;
}
