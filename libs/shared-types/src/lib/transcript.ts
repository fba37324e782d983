import * as z from 'zod';
import { EngineInfoSchema } from './api';
import { FinalEventDataSchema, SessionStateSchema } from './events';

export const TRANSCRIPT_FORMATS = ['json', 'txt', 'srt', 'vtt'] as const;
export const TranscriptFormatSchema = z.enum(TRANSCRIPT_FORMATS);
export type TranscriptFormat = z.infer<typeof TranscriptFormatSchema>;

/** A transcript line is a `final` event's data, kept (empty finals are not lines). */
export const TranscriptLineSchema = FinalEventDataSchema;
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
