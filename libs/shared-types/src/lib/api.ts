import * as z from 'zod';

/** Largest SDP the server accepts; real audio-only offers are 2-6 KiB. */
export const MAX_SDP_LENGTH = 32 * 1024;

export const LanguageCodeSchema = z.string().regex(/^[a-z]{2}$/, 'an ISO-639-1 code such as "en"');

export const CreateSessionRequestSchema = z
  .object({
    language: LanguageCodeSchema.optional(),
  })
  .strict();
export type CreateSessionRequest = z.infer<typeof CreateSessionRequestSchema>;

export const IceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServerSchema>;

export const CreateSessionResponseSchema = z.object({
  sessionId: z.string(),
  token: z.string(),
  iceServers: z.array(IceServerSchema),
  expiresAt: z.string(),
});
export type CreateSessionResponse = z.infer<typeof CreateSessionResponseSchema>;

export const SdpOfferSchema = z
  .object({
    type: z.literal('offer'),
    sdp: z.string().min(1).max(MAX_SDP_LENGTH),
  })
  .strict();
export type SdpOffer = z.infer<typeof SdpOfferSchema>;

export const SdpAnswerSchema = z.object({
  type: z.literal('answer'),
  sdp: z.string(),
});
export type SdpAnswer = z.infer<typeof SdpAnswerSchema>;

export const ApiErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

export const EngineInfoSchema = z.object({
  id: z.string(),
  model: z.string(),
});
export type EngineInfo = z.infer<typeof EngineInfoSchema>;

/** `GET /healthz` and `GET /ping`: the process answers. */
export const LivenessSchema = z.object({ status: z.literal('ok') });
export type Liveness = z.infer<typeof LivenessSchema>;

/** `GET /readyz`: 200 when ready, 503 (with `reason`) when not. */
export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  engine: EngineInfoSchema.nullable(),
  /** Why the process is not ready (only when it is not). */
  reason: z.string().optional(),
  /** Open sessions on this node (API nodes only). */
  sessions: z.number().int().nonnegative().optional(),
});
export type Readiness = z.infer<typeof ReadinessSchema>;
