import * as z from 'zod';
import {
  ApiErrorBodySchema,
  ByeMessageSchema,
  CandidateMessageSchema,
  ClientMessageSchema,
  ClientTokenResponseSchema,
  ClusterMetricsSchema,
  CreateClientTokenRequestSchema,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  EndEventDataSchema,
  EndOfCandidatesMessageSchema,
  EngineInfoSchema,
  EngineLatencySchema,
  ErrorEventDataSchema,
  ErrorMessageSchema,
  FinalEventDataSchema,
  IceCandidateInitSchema,
  IceServerSchema,
  LatencyHistogramSchema,
  LivenessSchema,
  PartialEventDataSchema,
  ProcessMetricsSchema,
  ReadinessSchema,
  RtpMetricsSchema,
  SdpAnswerSchema,
  SdpOfferSchema,
  ServerMessageSchema,
  SessionEventDataSchema,
  SessionMetricsSchema,
  SessionStateSchema,
  SpeechStartEventDataSchema,
  TRANSCRIPT_EVENT_TYPES,
  TranscriptEventSchemas,
  TranscriptFormatSchema,
  TranscriptionMetricsSchema,
  TranscriptJsonSchema,
  WebConfigSchema,
  type TranscriptEventType,
} from '@whisperstream/shared-types';

/**
 * One SSE event as it is framed on the wire: `event: <type>`, `id: <n>`, `data: <json>`. Built
 * from the contract's map of event schemas, so a new event type is documented by adding it there.
 */
function sseEventSchema<T extends TranscriptEventType>(type: T) {
  return z
    .object({
      event: z.literal(type).describe('the SSE `event:` field'),
      id: z
        .number()
        .int()
        .min(1)
        .describe('the SSE `id:` field: rising by one per session, starting at 1'),
      data: TranscriptEventSchemas[type],
    })
    .describe(`\`event: ${type}\`; \`data:\` is one line of JSON`);
}

/** Each SSE event's frame, by type; the stream's schema is a oneOf of them. */
export const SSE_EVENT_SCHEMAS = Object.fromEntries(
  TRANSCRIPT_EVENT_TYPES.map((type) => [type, sseEventSchema(type)]),
) as { [T in TranscriptEventType]: ReturnType<typeof sseEventSchema<T>> };

/** What `GET /api/sessions/{id}/events` streams: one of the event frames. */
export const SseEventSchema = z.discriminatedUnion(
  'event',
  TRANSCRIPT_EVENT_TYPES.map((type) => SSE_EVENT_SCHEMAS[type]) as [
    ReturnType<typeof sseEventSchema>,
    ...ReturnType<typeof sseEventSchema>[],
  ],
);

/** `GET /api/openapi.json` answers this document; its own schema is the OpenAPI 3.1 one. */
export const OpenApiDocumentSchema = z
  .looseObject({ openapi: z.literal('3.1.0') })
  .describe('an OpenAPI 3.1 document: https://spec.openapis.org/oas/v3.1.0');

/** The name under `components.schemas` of each SSE event frame. */
export const sseEventComponentName = (type: TranscriptEventType): string =>
  `SseEvent${type
    .split('-')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('')}`;

/**
 * The contract's schemas under the names the document gives them (`#/components/schemas/<name>`).
 * Every zod schema a route in routes.ts uses must be here: the builder refuses one that is not
 * (the document names what it describes), and a schema used inside another one becomes a $ref.
 */
export const COMPONENT_SCHEMAS: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['ApiError', ApiErrorBodySchema],
  ['CreateSessionRequest', CreateSessionRequestSchema],
  ['CreateSessionResponse', CreateSessionResponseSchema],
  ['IceServer', IceServerSchema],
  ['SdpOffer', SdpOfferSchema],
  ['SdpAnswer', SdpAnswerSchema],
  ['EngineInfo', EngineInfoSchema],
  ['SessionState', SessionStateSchema],
  ['TranscriptFormat', TranscriptFormatSchema],
  ['TranscriptJson', TranscriptJsonSchema],
  ['Liveness', LivenessSchema],
  ['Readiness', ReadinessSchema],
  // WebSocket (/ws) messages
  ['IceCandidateInit', IceCandidateInitSchema],
  ['CandidateMessage', CandidateMessageSchema],
  ['EndOfCandidatesMessage', EndOfCandidatesMessageSchema],
  ['ByeMessage', ByeMessageSchema],
  ['ErrorMessage', ErrorMessageSchema],
  ['ClientMessage', ClientMessageSchema],
  ['ServerMessage', ServerMessageSchema],
  // SSE events: each event's data, then its frame
  ['SessionEventData', SessionEventDataSchema],
  ['SpeechStartEventData', SpeechStartEventDataSchema],
  ['PartialEventData', PartialEventDataSchema],
  ['FinalEventData', FinalEventDataSchema],
  ['ErrorEventData', ErrorEventDataSchema],
  ['EndEventData', EndEventDataSchema],
  ...TRANSCRIPT_EVENT_TYPES.map(
    (type) => [sseEventComponentName(type), SSE_EVENT_SCHEMAS[type]] as const,
  ),
  ['SseEvent', SseEventSchema],
  ['OpenApiDocument', OpenApiDocumentSchema],
  // GET /metrics
  ['ProcessMetrics', ProcessMetricsSchema],
  ['SessionMetrics', SessionMetricsSchema],
  ['RtpMetrics', RtpMetricsSchema],
  ['TranscriptionMetrics', TranscriptionMetricsSchema],
  ['EngineLatency', EngineLatencySchema],
  ['LatencyHistogram', LatencyHistogramSchema],
  ['ClusterMetrics', ClusterMetricsSchema],
  // API keys and client tokens (the routes come with the auth work)
  ['CreateClientTokenRequest', CreateClientTokenRequestSchema],
  ['ClientTokenResponse', ClientTokenResponseSchema],
  ['WebConfig', WebConfigSchema],
];
