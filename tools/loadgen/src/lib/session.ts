import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError, WhisperStreamClient } from '@whisperstream/client';
import {
  ApiClient,
  FRAME_MS,
  StreamerError,
  WebRtcStreamer,
  type CandidateShape,
} from '@whisperstream/webrtc-client';
import { EventTap, type TimedEvent } from './event-tap';
import { newOutcome, type FailureStage, type ProgressEvent, type SessionOutcome } from './types';

export interface SessionRunOptions {
  baseUrl: string;
  index: number;
  worker: number;
  /** The frames to send (a clip looped to the session's duration): shared, never copied. */
  program: Buffer[];
  /** Stops streaming early (the session then ends normally with `bye`). */
  stop: AbortSignal;
  connectTimeoutMs: number;
  endTimeoutMs: number;
  language?: string;
  candidateShape?: CandidateShape;
  gatherBeforeOffer?: boolean;
  api?: ApiClient;
  onProgress?: (event: ProgressEvent) => void;
}

/** Pause between the last packet and `bye` so that packets in flight are not counted as lost. */
const DRAIN_BEFORE_BYE_MS = 60;

class StageError extends Error {
  constructor(
    readonly stage: FailureStage,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One session by the public contract: `POST /api/sessions`, the event stream, the offer and
 * trickle ICE over `/ws` (the webrtc-client's WebRtcStreamer), Opus in real time, then `bye`
 * and the wait for `end`. Never throws: every failure lands in the outcome.
 */
export async function runSession(options: SessionRunOptions): Promise<SessionOutcome> {
  const { baseUrl, index, worker, onProgress } = options;
  const api = options.api ?? new ApiClient(baseUrl);
  const client = new WhisperStreamClient({ baseUrl });
  const progress = (kind: ProgressEvent['kind']): void =>
    onProgress?.({ kind, index, at: Date.now() });
  const t0 = performance.now();
  const outcome = newOutcome(index, worker, { startedAt: Date.now() });
  let tap: EventTap | null = null;
  let streamer: WebRtcStreamer | null = null;
  let streamStart: number | undefined;
  let byeAt: number | undefined;
  let token: string | undefined;
  const finals: TimedEvent[] = [];
  try {
    const session = await client
      .createSession(options.language ? { language: options.language } : {})
      .catch((err: unknown) => {
        if (err instanceof HttpError) {
          outcome.createStatus = err.status;
          outcome.createMs = performance.now() - t0;
          throw new StageError('create', `POST /api/sessions answered ${err.status} ${err.code}`);
        }
        throw err;
      });
    outcome.createStatus = 201;
    outcome.createMs = performance.now() - t0;
    outcome.created = true;
    outcome.sessionId = session.sessionId;
    token = session.token;
    progress('created');
    tap = await EventTap.open(baseUrl, session.sessionId, session.token, (e) => {
      if (e.event.type === 'final') {
        finals.push(e);
      } else if (e.event.type === 'error') {
        outcome.errorEvents++;
      }
    }).catch((err: Error) => {
      throw new StageError('events', err.message);
    });
    outcome.eventsOpenMs = performance.now() - t0;
    streamer = new WebRtcStreamer({
      baseUrl,
      session,
      startMark: t0,
      api,
      connectTimeoutMs: options.connectTimeoutMs,
      candidateShape: options.candidateShape,
      gatherBeforeOffer: options.gatherBeforeOffer,
    });
    try {
      await streamer.connect();
    } catch (err) {
      const stage = err instanceof StreamerError ? err.stage : 'connect';
      throw new StageError(stage, (err as Error).message);
    } finally {
      const t = streamer.timings;
      outcome.socketOpenMs = t.socketOpenMs;
      outcome.offerPostedMs = t.offerPostedMs;
      outcome.answerMs = t.answerMs;
      outcome.remoteDescriptionMs = t.remoteDescriptionMs;
      outcome.iceConnectedMs = t.iceConnectedMs;
      outcome.connectedMs = t.connectedMs;
      outcome.dtlsAfterIceMs = t.dtlsAfterIceMs;
    }
    progress('connected');
    if (!options.stop.aborted) {
      streamStart = performance.now();
      outcome.streamStartAt = Date.now();
      progress('streaming');
      try {
        const result = await streamer.stream(options.program, { signal: options.stop });
        outcome.maxLateMs = result.maxLateMs;
      } catch (err) {
        throw new StageError('stream', (err as Error).message);
      } finally {
        outcome.packetsSent = streamer.packetsSent;
        outcome.streamEndAt = Date.now();
        progress('stopped');
      }
    }
    // Let the last packets land (they are in flight) before saying bye, as a real client would.
    await sleep(DRAIN_BEFORE_BYE_MS);
    byeAt = performance.now();
    if (!streamer.bye()) {
      await client.deleteSession(session).catch(() => undefined);
    }
    const end = await tap.waitForType('end', options.endTimeoutMs);
    if (!end) {
      throw new StageError('end', `no "end" event within ${options.endTimeoutMs} ms of bye`);
    }
    outcome.endReceived = true;
    outcome.endAfterByeMs = end.at - byeAt;
  } catch (err) {
    outcome.failedStage = err instanceof StageError ? err.stage : 'stream';
    outcome.errors.push((err as Error).message.slice(0, 500));
    progress('failed');
    // Free the server's slot at once rather than waiting for its timeouts.
    if (outcome.sessionId && token && byeAt === undefined) {
      await client.deleteSession({ sessionId: outcome.sessionId, token }).catch(() => undefined);
    }
  } finally {
    await streamer?.close().catch(() => undefined);
    tap?.close();
  }
  if (tap) {
    outcome.sseViolations = tap.violations;
  }
  outcome.finals = finals.length;
  for (const f of finals) {
    if (f.event.type !== 'final') {
      continue;
    }
    outcome.finalLatencyMs.push(f.event.data.latencyMs);
    if (streamStart !== undefined) {
      // The last packet of the segment left at start + endMs - one frame.
      outcome.finalClientLagMs.push(f.at - (streamStart + f.event.data.endMs - FRAME_MS));
    }
  }
  const last = finals[finals.length - 1];
  if (last && byeAt !== undefined && last.at >= byeAt) {
    outcome.lastFinalAfterByeMs = last.at - byeAt;
  }
  progress('finished');
  return outcome;
}
