import * as z from 'zod';
import { EngineInfoSchema } from './api';

export const SessionStateSchema = z.enum(['waiting-for-media', 'live', 'closing', 'closed']);
export type SessionState = z.infer<typeof SessionStateSchema>;

export const SessionEventDataSchema = z.object({
  state: SessionStateSchema,
  engine: EngineInfoSchema,
});
export const SpeechStartEventDataSchema = z.object({
  segmentId: z.number().int().nonnegative(),
  startMs: z.number().nonnegative(),
});
export const PartialEventDataSchema = z.object({
  segmentId: z.number().int().nonnegative(),
  text: z.string(),
  startMs: z.number().nonnegative(),
  endMs: z.number().nonnegative(),
  revision: z.number().int().nonnegative(),
});
export const FinalEventDataSchema = z.object({
  segmentId: z.number().int().nonnegative(),
  text: z.string(),
  startMs: z.number().nonnegative(),
  endMs: z.number().nonnegative(),
  latencyMs: z.number().nonnegative(),
  engine: z.string(),
});
export const ErrorEventDataSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  segmentId: z.number().int().nonnegative().optional(),
});
export const EndEventDataSchema = z.object({}).strict();

export type SessionEventData = z.infer<typeof SessionEventDataSchema>;
export type SpeechStartEventData = z.infer<typeof SpeechStartEventDataSchema>;
export type PartialEventData = z.infer<typeof PartialEventDataSchema>;
export type FinalEventData = z.infer<typeof FinalEventDataSchema>;
export type ErrorEventData = z.infer<typeof ErrorEventDataSchema>;
export type EndEventData = z.infer<typeof EndEventDataSchema>;

/** The schema of each SSE event's `data`, keyed by the SSE `event:` type. */
export const TranscriptEventSchemas = {
  session: SessionEventDataSchema,
  'speech-start': SpeechStartEventDataSchema,
  partial: PartialEventDataSchema,
  final: FinalEventDataSchema,
  error: ErrorEventDataSchema,
  end: EndEventDataSchema,
} as const;

export type TranscriptEventType = keyof typeof TranscriptEventSchemas;
export const TRANSCRIPT_EVENT_TYPES = Object.keys(TranscriptEventSchemas) as TranscriptEventType[];

/** One SSE event as the server sends it: `event:`, `id:` and the parsed `data:`. */
export type TranscriptEvent =
  | { type: 'session'; id: number; data: SessionEventData }
  | { type: 'speech-start'; id: number; data: SpeechStartEventData }
  | { type: 'partial'; id: number; data: PartialEventData }
  | { type: 'final'; id: number; data: FinalEventData }
  | { type: 'error'; id: number; data: ErrorEventData }
  | { type: 'end'; id: number; data: EndEventData };

/** An event before the stream gives it an id. */
export type TranscriptEventInit = TranscriptEvent extends infer E
  ? E extends { id: number }
    ? Omit<E, 'id'>
    : never
  : never;

/**
 * Parses one received SSE event (its `event:` type, `id:` and raw `data:` text) with the
 * contract's schema. Throws a ZodError or SyntaxError for anything that is not in the contract.
 */
export function parseTranscriptEvent(
  type: string,
  id: string | number,
  data: string,
): TranscriptEvent {
  if (!(type in TranscriptEventSchemas)) {
    throw new SyntaxError(`unknown event type "${type}"`);
  }
  const numericId = typeof id === 'number' ? id : Number(id);
  if (!Number.isInteger(numericId) || numericId < 1) {
    throw new SyntaxError(`bad event id "${id}"`);
  }
  const schema = TranscriptEventSchemas[type as TranscriptEventType];
  return { type, id: numericId, data: schema.parse(JSON.parse(data)) } as TranscriptEvent;
}
