import * as z from 'zod';
import { EngineInfoSchema } from './api';
import { SessionStateSchema } from './events';

export const TRANSCRIPT_FORMATS = ['json', 'txt', 'srt', 'vtt'] as const;
export const TranscriptFormatSchema = z.enum(TRANSCRIPT_FORMATS);
export type TranscriptFormat = z.infer<typeof TranscriptFormatSchema>;

export const TranscriptLineSchema = z.object({
  segmentId: z.number().int().nonnegative(),
  text: z.string(),
  startMs: z.number().nonnegative(),
  endMs: z.number().nonnegative(),
  latencyMs: z.number().nonnegative(),
  engine: z.string(),
});
export type TranscriptLine = z.infer<typeof TranscriptLineSchema>;

/** `GET /api/sessions/{id}/transcript?format=json`. */
export const TranscriptJsonSchema = z.object({
  sessionId: z.string(),
  state: SessionStateSchema,
  language: z.string().nullable(),
  engine: EngineInfoSchema,
  lines: z.array(TranscriptLineSchema),
});
export type TranscriptJson = z.infer<typeof TranscriptJsonSchema>;
