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

/** The `sessions` and `rtp` sections of `GET /metrics`. */
export interface ServerMetrics {
  sessions: { open: number; rateLimited: number; retained: number };
  rtp: {
    received: number;
    lost: number;
    late: number;
    resyncs: number;
    rateLimited: number;
    decodeErrors: number;
    pipelines: number;
  };
}

export async function serverMetrics(baseUrl: string): Promise<ServerMetrics> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return (await response.json()) as ServerMetrics;
}
