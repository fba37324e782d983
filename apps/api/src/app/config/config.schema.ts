import { isIP } from 'node:net';
import { hostname } from 'node:os';
import * as z from 'zod';
import { IceServerSchema, LanguageCodeSchema } from '@whisperstream/shared-types';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

const jsonArrayOfIceServers = z.string().transform((value, ctx) => {
  try {
    return z.array(IceServerSchema).parse(JSON.parse(value));
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a JSON array of RTCIceServer, e.g. [{"urls":"stun:stun.example.org"}]',
    });
    return z.NEVER;
  }
});

const portRange = z.string().transform((value, ctx): [number, number] => {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim());
  const min = Number(match?.[1]);
  const max = Number(match?.[2]);
  if (!match || min < 1024 || max > 65535 || min >= max) {
    ctx.addIssue({ code: 'custom', message: 'must be "MIN-MAX" with 1024 <= MIN < MAX <= 65535' });
    return z.NEVER;
  }
  return [min, max];
});

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

/** Every environment variable the server reads, with its default. */
export const EnvSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  // HTTPS in the server itself: both or neither (PEM files, read once at start).
  TLS_CERT_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),
  TLS_KEY_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),
  ICE_SERVERS: jsonArrayOfIceServers.default([]),
  ICE_HOST_ADDRESSES: csv
    .refine(
      (list) => list.every((ip) => isIP(ip) !== 0),
      'must be a comma-separated list of IP addresses',
    )
    .default([]),
  ICE_PORT_RANGE: z.preprocess(emptyAsUndefined, portRange.optional()),
  ICE_RESOLVE_MDNS: z
    .enum(['true', 'false'], 'must be "true" or "false"')
    .default('false')
    .transform((value) => value === 'true'),
  TRANSCRIPTION_ENGINE: z.enum(['auto', 'openai', 'whisper', 'sphinx']).default('auto'),
  WHISPER_MODEL: z.string().min(1).default('base.en'),
  WHISPER_MODELS_DIR: z.string().min(1).default('models'),
  WHISPER_THREADS: z.preprocess(emptyAsUndefined, int(1, 64).optional()),
  OPENAI_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  OPENAI_BASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
  OPENAI_TRANSCRIPTION_MODEL: z.string().min(1).default('whisper-1'),
  OPENAI_TIMEOUT_MS: int(100, 600_000).default(30_000),
  OPENAI_MAX_RETRIES: int(0, 10).default(2),
  SPHINX_MODEL_DIR: z.string().min(1).default('/usr/share/pocketsphinx/model/en-us'),
  TRANSCRIPTION_LANGUAGE: z.preprocess(emptyAsUndefined, LanguageCodeSchema.optional()),
  TRANSCRIPTION_CONCURRENCY: int(1, 256).default(8),
  SESSION_TRANSCRIPTION_CONCURRENCY: int(1, 16).default(2),
  SEGMENTATION: z.enum(['fixed', 'vad']).default('vad'),
  PARTIALS: z.enum(['auto', 'on', 'off']).default('auto'),
  PARTIAL_INTERVAL_MS: int(200, 60_000).default(1000),
  VAD_PAUSE_MS: int(100, 5000).default(500),
  VAD_PRE_ROLL_MS: int(0, 2000).default(300),
  VAD_MIN_SPEECH_MS: int(0, 5000).default(250),
  VAD_MAX_UTTERANCE_MS: int(2000, 60_000).default(15_000),
  VAD_BATCH_MS: int(0, 200).default(20),
  FIXED_CHUNK_MS: int(500, 30_000).default(3000),
  MAX_SESSIONS: int(1, 100_000).default(50),
  SESSION_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(60),
  ALLOWED_ORIGINS: csv.default([]),
  OFFER_TIMEOUT_MS: int(1000, 600_000).default(30_000),
  CONNECT_TIMEOUT_MS: int(1000, 600_000).default(20_000),
  RTP_TIMEOUT_MS: int(1000, 600_000).default(30_000),
  WS_GRACE_MS: int(0, 600_000).default(10_000),
  SESSION_RETENTION_MS: int(0, 86_400_000).default(600_000),
  SESSION_RETENTION_MAX: int(0, 1_000_000).default(1000),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  SSE_KEEPALIVE_MS: int(100, 600_000).default(15_000),
  SSE_REPLAY_EVENTS: int(10, 100_000).default(1000),
  WEB_ROOT: z.string().default('dist/apps/web/browser'),
  METRICS_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(32).optional()),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // Cluster mode (REDIS_URL set): see docs/ARCHITECTURE.md, "Cluster mode".
  REDIS_URL: z.preprocess(
    emptyAsUndefined,
    z
      .url()
      .refine((url) => /^rediss?:\/\//.test(url), 'must be a redis:// or rediss:// URL')
      .optional(),
  ),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-", at most 64')
    .default(
      () =>
        `${hostname()
          .replace(/[^A-Za-z0-9._-]/g, '-')
          .slice(0, 40)}-${process.pid}`,
    ),
  NODE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
  CLUSTER_MAX_SESSIONS: z.preprocess(emptyAsUndefined, int(1, 10_000_000).optional()),
  NODE_HEARTBEAT_MS: int(100, 60_000).default(1000),
  NODE_LOST_MS: int(500, 600_000).default(5000),
  ENGINE_JOB_LOCK_MS: int(1000, 600_000).default(10_000),
});

export type Env = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment once. Every bad variable is named in the error.
 * Variables that are set but empty count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Env {
  const known = Object.keys(EnvSchema.shape);
  const input: Record<string, string | undefined> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = EnvSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
    );
  }
  const config = result.data;
  if (
    config.TRANSCRIPTION_ENGINE === 'openai' &&
    !config.OPENAI_API_KEY &&
    !config.OPENAI_BASE_URL
  ) {
    throw new ConfigError([
      'TRANSCRIPTION_ENGINE: "openai" needs OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)',
    ]);
  }
  if (config.ROLE !== 'all' && !config.REDIS_URL) {
    throw new ConfigError([
      `ROLE: "${config.ROLE}" is a part of a cluster and needs REDIS_URL (without it, ROLE=all runs everything in one process)`,
    ]);
  }
  if ((config.TLS_CERT_FILE === undefined) !== (config.TLS_KEY_FILE === undefined)) {
    throw new ConfigError([
      `${config.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'}: HTTPS needs both TLS_CERT_FILE and TLS_KEY_FILE (PEM files)`,
    ]);
  }
  if (config.NODE_HEARTBEAT_MS * 2 > config.NODE_LOST_MS) {
    throw new ConfigError([
      'NODE_LOST_MS: must be at least twice NODE_HEARTBEAT_MS, or a node that is only slow is taken for lost',
    ]);
  }
  return config;
}
