import * as z from 'zod';

/** Largest WebSocket message either side sends; a candidate line is < 300 bytes. */
export const MAX_WS_MESSAGE_BYTES = 16 * 1024;

export const IceCandidateInitSchema = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});
export type IceCandidateInit = z.infer<typeof IceCandidateInitSchema>;

export const CandidateMessageSchema = z
  .object({ type: z.literal('candidate'), candidate: IceCandidateInitSchema })
  .strict();
export const EndOfCandidatesMessageSchema = z
  .object({ type: z.literal('end-of-candidates') })
  .strict();
export const ByeMessageSchema = z.object({ type: z.literal('bye') }).strict();
export const ErrorMessageSchema = z
  .object({ type: z.literal('error'), code: z.string(), message: z.string() })
  .strict();

/** Messages a client sends to the server over `/ws`. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  CandidateMessageSchema,
  EndOfCandidatesMessageSchema,
  ByeMessageSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** Messages the server sends to a client over `/ws`. */
export const ServerMessageSchema = z.discriminatedUnion('type', [
  CandidateMessageSchema,
  EndOfCandidatesMessageSchema,
  ErrorMessageSchema,
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
