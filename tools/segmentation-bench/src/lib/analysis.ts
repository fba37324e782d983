import { percentile, round } from '@whisperstream/loadgen';
import type { PartialEventData, TranscriptEvent } from '@whisperstream/shared-types';
import type { ClipPlan, SpeechSpan } from './fixtures';
import { speechMs } from './fixtures';
import type { EngineCounters } from './metrics';
import { addEdits, countWords, errorRate, wordEdits, type WordEdits } from './words';

/** One event and when it arrived, in ms after the first RTP packet of the clip was sent. */
export interface TimedEvent {
  atMs: number;
  event: TranscriptEvent;
}

/** What the client saw of one clip played through one session. */
export interface ClipRun {
  file: string;
  events: TimedEvent[];
  /** Audio played (clip + padding), in ms. */
  playedMs: number;
  /** When DELETE went out and `end` came back, in ms after the first packet (null: no `end`). */
  deleteAtMs: number;
  endAtMs: number | null;
  /** The worst lateness of a packet against the real-time schedule. */
  maxLateMs: number;
  /** The server's engine counters for this session alone (null: `/metrics` has no such section). */
  engine: EngineCounters | null;
  /** Why the run stopped early, if it did. */
  failure?: string;
}

export interface Segment {
  segmentId: number;
  startMs: number;
  endMs: number;
  text: string;
  /** The server's `latencyMs`. */
  latencyMs: number;
  /** When the `final` arrived, ms after the first packet. */
  arrivedMs: number;
}

export interface UtteranceOutcome extends SpeechSpan {
  /** The finals that hold part of it (by time overlap). */
  segmentIds: number[];
  /** The last of those finals' arrival minus the moment its speech end was played; null: none. */
  finalLatencyMs: number | null;
  /** The same from the last voiced frame (energy-trimmed), when known. */
  finalAfterVoicedEndMs: number | null;
  /** The first partial for it minus the moment its speech start was played; null: none came. */
  firstPartialMs: number | null;
}

export interface ClipResult {
  file: string;
  reference: string;
  hypothesis: string;
  edits: WordEdits;
  wer: number;
  /** The same engine on the whole reference utterances (null when not measured). */
  baselineHypothesis: string | null;
  baselineEdits: WordEdits | null;
  baselineWer: number | null;
  /** wer - baselineWer: what the cutting added. */
  addedWer: number | null;
  segments: Segment[];
  errors: Array<{ code: string; message: string; segmentId?: number }>;
  speechStarts: number;
  partials: number;
  /** Every `partial`, with its arrival (ms after the first packet). */
  partialEvents: Array<PartialEventData & { arrivedMs: number }>;
  speechMs: number;
  /** The audio the finals cover. */
  segmentMs: number;
  /** Of that, the audio outside every speech span. */
  segmentOutsideSpeechMs: number;
  /** Finals whose time overlaps no speech span (noise, silence, a cut tail). */
  segmentsOutsideSpeech: number;
  /** Words in finals that overlap no speech span. */
  wordsOutsideSpeech: number;
  utterances: UtteranceOutcome[];
  engine: EngineCounters | null;
  playedMs: number;
  deleteToEndMs: number | null;
  maxLateMs: number;
  failure?: string;
}

/** A final or partial counts for an utterance when it overlaps it by this much (or half of it). */
export const MIN_OVERLAP_MS = 200;

export function overlapMs(
  a: { startMs: number; endMs: number },
  b: { startMs: number; endMs: number },
): number {
  return Math.max(0, Math.min(a.endMs, b.endMs) - Math.max(a.startMs, b.startMs));
}

/** Whether a piece of audio (a final's or partial's span) holds part of the utterance. */
export function belongsTo(
  piece: { startMs: number; endMs: number },
  utterance: { startMs: number; endMs: number },
): boolean {
  const needed = Math.min(MIN_OVERLAP_MS, (utterance.endMs - utterance.startMs) / 2);
  return overlapMs(piece, utterance) >= Math.max(needed, 1);
}

/** The finals in segment order. */
export function segmentsOf(events: readonly TimedEvent[]): Segment[] {
  return events
    .flatMap(({ atMs, event }) =>
      event.type === 'final' ? [{ ...event.data, arrivedMs: atMs }] : [],
    )
    .map(({ segmentId, startMs, endMs, text, latencyMs, arrivedMs }) => ({
      segmentId,
      startMs,
      endMs,
      text,
      latencyMs,
      arrivedMs,
    }))
    .sort((a, b) => a.startMs - b.startMs || a.segmentId - b.segmentId);
}

/**
 * Matches finals and partials to the speech spans by time: the latency of an utterance is the
 * arrival of the last final that holds part of it minus the moment its end was played; the
 * time to first partial runs from the moment its start was played.
 */
export function alignUtterances(
  utterances: readonly SpeechSpan[],
  events: readonly TimedEvent[],
): UtteranceOutcome[] {
  const segments = segmentsOf(events);
  const partials = events.flatMap(({ atMs, event }) =>
    event.type === 'partial' ? [{ atMs, ...event.data }] : [],
  );
  return utterances.map((u) => {
    const mine = segments.filter((s) => belongsTo(s, u));
    const lastArrival = mine.length ? Math.max(...mine.map((s) => s.arrivedMs)) : null;
    const firstPartial = partials
      .filter((p) => belongsTo(p, u))
      .reduce<number | null>(
        (first, p) => (first === null ? p.atMs : Math.min(first, p.atMs)),
        null,
      );
    return {
      ...u,
      segmentIds: mine.map((s) => s.segmentId),
      finalLatencyMs: lastArrival === null ? null : lastArrival - u.endMs,
      finalAfterVoicedEndMs:
        lastArrival === null || u.voicedEndMs === undefined ? null : lastArrival - u.voicedEndMs,
      firstPartialMs: firstPartial === null ? null : firstPartial - u.startMs,
    };
  });
}

/** Joins final texts in time order, as a reader of the transcript sees them. */
export function joinedText(segments: readonly { text: string }[]): string {
  return segments
    .map((s) => s.text.trim())
    .filter((t) => t.length > 0)
    .join(' ');
}

/** Everything the report says about one clip under one segmentation. */
export function analyzeClip(
  plan: ClipPlan,
  run: ClipRun,
  baselineHypothesis: string | null,
): ClipResult {
  const segments = segmentsOf(run.events);
  const hypothesis = joinedText(segments);
  const edits = wordEdits(plan.reference, hypothesis);
  const wer = errorRate(edits);
  const baselineEdits =
    baselineHypothesis === null ? null : wordEdits(plan.reference, baselineHypothesis);
  const baselineWer = baselineEdits ? errorRate(baselineEdits) : null;
  const outside = segments.filter((s) => !plan.utterances.some((u) => belongsTo(s, u)));
  const segmentMs = segments.reduce((sum, s) => sum + (s.endMs - s.startMs), 0);
  const insideMs = segments.reduce(
    (sum, s) => sum + plan.utterances.reduce((inner, u) => inner + overlapMs(s, u), 0),
    0,
  );
  return {
    file: plan.file,
    reference: plan.reference,
    hypothesis,
    edits,
    wer,
    baselineHypothesis,
    baselineEdits,
    baselineWer,
    addedWer: baselineWer === null ? null : wer - baselineWer,
    segments,
    errors: run.events.flatMap(({ event }) =>
      event.type === 'error'
        ? [{ code: event.data.code, message: event.data.message, segmentId: event.data.segmentId }]
        : [],
    ),
    speechStarts: run.events.filter((e) => e.event.type === 'speech-start').length,
    partials: run.events.filter((e) => e.event.type === 'partial').length,
    partialEvents: run.events.flatMap(({ atMs, event }) =>
      event.type === 'partial' ? [{ ...event.data, arrivedMs: atMs }] : [],
    ),
    speechMs: speechMs(plan),
    segmentMs,
    segmentOutsideSpeechMs: segmentMs - insideMs,
    segmentsOutsideSpeech: outside.length,
    wordsOutsideSpeech: outside.reduce((sum, s) => sum + countWords(s.text), 0),
    utterances: alignUtterances(plan.utterances, run.events),
    engine: run.engine,
    playedMs: run.playedMs,
    deleteToEndMs: run.endAtMs === null ? null : run.endAtMs - run.deleteAtMs,
    maxLateMs: run.maxLateMs,
    failure: run.failure,
  };
}

export interface Percentiles {
  count: number;
  p50?: number;
  p95?: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  return {
    count: values.length,
    p50: round(percentile(values, 50), 0),
    p95: round(percentile(values, 95), 0),
  };
}

/** Totals of one segmentation over every clip. */
export interface SegmentationSummary {
  /** Pooled over the clips with speech: total edits / total reference words. */
  edits: WordEdits;
  wer: number;
  baselineEdits: WordEdits | null;
  baselineWer: number | null;
  addedWer: number | null;
  segments: number;
  errors: number;
  speechMs: number;
  segmentMs: number;
  segmentOutsideSpeechMs: number;
  /** Words transcribed from clips with no speech at all (noise). */
  wordsFromNoise: number;
  utterances: number;
  /** Utterances no final overlapped. */
  utterancesMissed: number;
  finalLatencyMs: Percentiles;
  /** From the last voiced frame instead of the manifest's end. */
  finalAfterVoicedEndMs: Percentiles;
  serverLatencyMs: Percentiles;
  firstPartialMs: Percentiles;
  /** Utterances that got no partial before their final. */
  utterancesWithoutPartial: number;
}

export function summarize(clips: readonly ClipResult[]): SegmentationSummary {
  const speech = clips.filter((c) => c.reference !== '');
  const edits = addEdits(speech.map((c) => c.edits));
  const baselines = speech.map((c) => c.baselineEdits);
  const baselineEdits = baselines.every((b): b is WordEdits => b !== null)
    ? addEdits(baselines)
    : null;
  const wer = errorRate(edits);
  const baselineWer = baselineEdits ? errorRate(baselineEdits) : null;
  const utterances = clips.flatMap((c) => c.utterances);
  const defined = (values: Array<number | null>): number[] =>
    values.filter((v): v is number => v !== null);
  return {
    edits,
    wer,
    baselineEdits,
    baselineWer,
    addedWer: baselineWer === null ? null : wer - baselineWer,
    segments: clips.reduce((sum, c) => sum + c.segments.length, 0),
    errors: clips.reduce((sum, c) => sum + c.errors.length, 0),
    speechMs: clips.reduce((sum, c) => sum + c.speechMs, 0),
    segmentMs: clips.reduce((sum, c) => sum + c.segmentMs, 0),
    segmentOutsideSpeechMs: clips.reduce((sum, c) => sum + c.segmentOutsideSpeechMs, 0),
    wordsFromNoise: clips
      .filter((c) => c.reference === '')
      .reduce((sum, c) => sum + countWords(c.hypothesis), 0),
    utterances: utterances.length,
    utterancesMissed: utterances.filter((u) => u.segmentIds.length === 0).length,
    finalLatencyMs: percentiles(defined(utterances.map((u) => u.finalLatencyMs))),
    finalAfterVoicedEndMs: percentiles(defined(utterances.map((u) => u.finalAfterVoicedEndMs))),
    serverLatencyMs: percentiles(clips.flatMap((c) => c.segments.map((s) => s.latencyMs))),
    firstPartialMs: percentiles(defined(utterances.map((u) => u.firstPartialMs))),
    utterancesWithoutPartial: utterances.filter((u) => u.firstPartialMs === null).length,
  };
}
