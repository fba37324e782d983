import {
  TranscriptionMetricsSchema,
  type TranscriptionMetricsJson,
} from '@whisperstream/shared-types';

/** The `transcription` section of `GET /metrics` (served to loopback), parsed with its schema. */
export async function transcriptionMetrics(baseUrl: string): Promise<TranscriptionMetricsJson> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const body = (await response.json()) as { transcription: unknown };
  return TranscriptionMetricsSchema.parse(body.transcription);
}
