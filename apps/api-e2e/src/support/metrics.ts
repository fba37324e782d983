import {
  RtpMetricsSchema,
  SessionMetricsSchema,
  TranscriptionMetricsSchema,
  type RtpMetricsJson,
  type SessionMetricsJson,
  type TranscriptionMetricsJson,
} from '@whisperstream/shared-types';

/** The `transcription` section of `GET /metrics.json` (served to loopback), parsed with its schema. */
export async function transcriptionMetrics(baseUrl: string): Promise<TranscriptionMetricsJson> {
  const response = await fetch(`${baseUrl}/metrics.json`);
  if (response.status !== 200) throw new Error(`GET /metrics.json answered ${response.status}`);
  const body = (await response.json()) as { transcription: unknown };
  return TranscriptionMetricsSchema.parse(body.transcription);
}

/** The `sessions` and `rtp` sections of `GET /metrics.json`. */
export interface ServerMetrics {
  sessions: SessionMetricsJson;
  rtp: RtpMetricsJson;
}

/** The `sessions` and `rtp` sections of `GET /metrics.json` (served to loopback), parsed with their schemas. */
export async function serverMetrics(baseUrl: string): Promise<ServerMetrics> {
  const response = await fetch(`${baseUrl}/metrics.json`);
  if (response.status !== 200) throw new Error(`GET /metrics.json answered ${response.status}`);
  const body = (await response.json()) as { sessions: unknown; rtp: unknown };
  return {
    sessions: SessionMetricsSchema.parse(body.sessions),
    rtp: RtpMetricsSchema.parse(body.rtp),
  };
}
