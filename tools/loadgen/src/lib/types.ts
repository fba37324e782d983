import type { CandidateShape, StreamerTimings } from '@whisperstream/webrtc-client';
/** What a load run does; shared by the CLI, the in-process runner and the workers. */
export interface LoadOptions {
  /** The server's base URL (loopback only). */
  url: string;
  /** Sessions in total. */
  sessions: number;
  /** Sessions started per second (the ramp); Infinity starts them all at once. */
  ramp: number;
  /** Worker processes (0: run in this process). */
  workers: number;
  /** How long each session streams, in seconds (the clip loops); `stop()` may end it sooner. */
  durationS: number;
  /** Waits at most this long for ICE + DTLS (default 20 s). */
  connectTimeoutMs?: number;
  /** Waits at most this long for the `end` event after `bye` (default 20 s). */
  endTimeoutMs?: number;
  /** `language` of the created sessions (default `en`). */
  language?: string;
  /** How the clients trickle their candidates, as other WebRTC stacks do (default `as-is`). */
  candidateShape?: CandidateShape;
  /** Gather, and send every candidate and end-of-candidates, before posting the offer. */
  gatherBeforeOffer?: boolean;
}

/** A set-up or session failure, by the step at which it happened. */
export type FailureStage = 'create' | 'events' | 'socket' | 'offer' | 'connect' | 'stream' | 'end';

/** What became of one session. Times are ms from just before `POST /api/sessions`. */
/** One session's story; the set-up moments are the streamer's, from the same start mark. */
export interface SessionOutcome extends StreamerTimings {
  index: number;
  worker: number;
  /** `Date.now()` just before `POST /api/sessions`. */
  startedAt: number;
  sessionId?: string;
  created: boolean;
  /** HTTP status of `POST /api/sessions`. */
  createStatus?: number;
  createMs?: number;
  /** The event stream was open (`GET …/events` answered). */
  eventsOpenMs?: number;
  /** `Date.now()` when the first / after the last RTP packet was sent. */
  streamStartAt?: number;
  streamEndAt?: number;
  packetsSent: number;
  /** The worst lateness of a packet against its real-time schedule (the client falling behind). */
  maxLateMs?: number;
  finals: number;
  /** `latencyMs` of each `final` (server side: end of the audio to text ready). */
  finalLatencyMs: number[];
  /**
   * For each `final`: its arrival at the client minus the moment its audio (`endMs`) had been
   * sent, i.e. end of speech to text on screen as this client saw it.
   */
  finalClientLagMs: number[];
  /** The same, only for the last `final` (cut at `bye`, so it measures the close path). */
  lastFinalAfterByeMs?: number;
  errorEvents: number;
  endReceived: boolean;
  /** ms from `bye` to the `end` event. */
  endAfterByeMs?: number;
  /** SSE frames that broke the contract (bad data, id gaps). */
  sseViolations: number;
  failedStage?: FailureStage;
  errors: string[];
}

/** A live progress event (workers send them as JSON lines too). */
export interface ProgressEvent {
  kind: 'created' | 'connected' | 'streaming' | 'stopped' | 'failed' | 'finished';
  index: number;
  at: number;
}

/** The parent's first message to a worker (over the IPC channel). */
export interface WorkerInit {
  type: 'init';
  worker: number;
  options: LoadOptions;
  /** The shared Opus frames, base64 (encoded once by the parent). */
  frames: string[];
  /** Global session indices this worker runs. */
  indices: number[];
}

/**
 * Sent once every worker is ready (started, warmed up): `Date.now()` at which session 0 starts,
 * so that no session is set up while another worker is still starting.
 */
export interface WorkerStart {
  type: 'start';
  startAt: number;
}

export type ParentMessage = WorkerInit | WorkerStart | { type: 'stop' };

/** One JSON line a worker writes on its stdout. */
export type WorkerLine =
  | { type: 'ready'; worker: number }
  | { type: 'progress'; worker: number; event: ProgressEvent }
  | { type: 'outcome'; worker: number; outcome: SessionOutcome }
  /** `cpuMs`: the worker's CPU time (user + system) from `start` to its last session's end. */
  | { type: 'done'; worker: number; cpuMs: number }
  | { type: 'fatal'; worker: number; error: string };

/** An outcome with nothing happened yet; `over` sets what did. */
export function newOutcome(
  index: number,
  worker: number,
  over: Partial<SessionOutcome> = {},
): SessionOutcome {
  return {
    index,
    worker,
    startedAt: 0,
    created: false,
    packetsSent: 0,
    finals: 0,
    finalLatencyMs: [],
    finalClientLagMs: [],
    errorEvents: 0,
    endReceived: false,
    sseViolations: 0,
    errors: [],
    ...over,
  };
}
