import * as z from 'zod';

/**
 * Client tokens: short-lived, single-use credentials that a company's backend gets with its API
 * key (`POST /api/client-tokens`) and hands to a browser, which creates one session with it
 * (the pattern of OpenAI's ephemeral client secrets).
 */
export const CreateClientTokenRequestSchema = z
  .object({
    /** Lifetime in seconds (default 60, at most 600). */
    expiresInSeconds: z.number().int().min(1).max(600).optional(),
  })
  .strict();
export type CreateClientTokenRequest = z.infer<typeof CreateClientTokenRequestSchema>;

export const ClientTokenResponseSchema = z.object({
  /** Used as `Authorization: Bearer <token>` on the one call that creates a session. */
  token: z.string(),
  /** ISO 8601. */
  expiresAt: z.string(),
});
export type ClientTokenResponse = z.infer<typeof ClientTokenResponseSchema>;

/**
 * What the web page needs to know before it creates a session (`GET /api/web-config`, no auth):
 * whether the server needs a credential and, if so, where the page gets a client token (the
 * company's own backend, called with the user's cookies; it answers a ClientTokenResponse).
 */
export const WebConfigSchema = z.object({
  apiKeyRequired: z.boolean(),
  tokenUrl: z.string().nullable(),
});
export type WebConfig = z.infer<typeof WebConfigSchema>;
