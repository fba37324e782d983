import * as z from 'zod';
import {
  ClientMessageSchema,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  LivenessSchema,
  ProcessMetricsSchema,
  ReadinessSchema,
  SdpAnswerSchema,
  SdpOfferSchema,
  ServerMessageSchema,
  TranscriptFormatSchema,
  TranscriptJsonSchema,
} from '@whisperstream/shared-types';
import { OpenApiDocumentSchema, SseEventSchema } from './components';
import { DOCS_ASSET_NAMES, DOCS_INIT_SCRIPT } from './docs-page';
import type { ApiRoute, RouteParameter } from './route-table';

/**
 * Every route the server registers, as the OpenAPI document describes it. A new route adds its
 * entry here (its schemas, if new, to components.ts): openapi.spec.ts boots the server and fails
 * naming any registered route that is missing, or any entry that no route serves.
 */

const sessionId: RouteParameter = {
  name: 'id',
  in: 'path',
  description: 'the `sessionId` that `POST /api/sessions` returned',
  schema: z.string(),
};
const tokenQuery: RouteParameter = {
  name: 'token',
  in: 'query',
  description:
    "the session's token, for clients that cannot send headers (EventSource); never logged",
  schema: z.string(),
};

/** Errors of the cluster mode (REDIS_URL) on any call about an existing session. */
const clusterErrors = {
  502: ['node_failed'],
  503: ['cluster_unavailable', 'node_unreachable'],
} as const;

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'post',
    path: '/api/sessions',
    operationId: 'createSession',
    tag: 'sessions',
    summary: 'Create a session',
    description:
      'The id is opaque and unguessable (at least 128 random bits); the token is a separate secret. ' +
      'Rate limited per client address (`SESSION_RATE_LIMIT_PER_MINUTE`).',
    auth: ['none'],
    requestBody: { required: false, content: { 'application/json': CreateSessionRequestSchema } },
    responses: {
      201: {
        description: 'the session, its token and the ICE servers to use',
        content: { 'application/json': CreateSessionResponseSchema },
      },
    },
    errors: {
      400: ['invalid_body', 'invalid_json'],
      413: ['payload_too_large'],
      415: ['unsupported_media_type'],
      429: ['rate_limited'],
      503: ['too_many_sessions', 'shutting_down', 'no_engine', 'cluster_unavailable'],
    },
  },
  {
    method: 'post',
    path: '/api/sessions/{id}/offer',
    operationId: 'postOffer',
    tag: 'signaling',
    summary: "Send the client's SDP offer, get the answer",
    description:
      'One Opus audio track. A refused offer leaves the session usable. In cluster mode the call ' +
      'is forwarded to the node holding the session.',
    auth: ['sessionToken'],
    parameters: [sessionId],
    requestBody: { required: true, content: { 'application/json': SdpOfferSchema } },
    responses: {
      200: { description: "the server's answer", content: { 'application/json': SdpAnswerSchema } },
    },
    errors: {
      400: ['invalid_sdp', 'no_audio', 'invalid_json'],
      401: ['unauthorized'],
      404: ['session_not_found'],
      409: ['offer_already_received', 'session_closed'],
      413: ['sdp_too_large', 'payload_too_large'],
      415: ['unsupported_media_type'],
      ...clusterErrors,
    },
  },
  {
    method: 'get',
    path: '/ws',
    operationId: 'openSignalingSocket',
    tag: 'signaling',
    summary: 'WebSocket for trickle ICE (upgrade)',
    description:
      'A WebSocket, described as the GET that upgrades it (OpenAPI has no WebSockets). One JSON ' +
      'object per text message: `ClientMessage` from the client, `ServerMessage` from the server ' +
      '(see `x-websocket` on the 101 answer). A message that does not parse gets an `error` ' +
      'message back (`invalid_json`, `invalid_message`); the socket stays open. A refused upgrade ' +
      'is answered before any upgrade, with the JSON error body.',
    auth: ['sessionTokenQuery'],
    parameters: [
      {
        name: 'sessionId',
        in: 'query',
        required: true,
        description: 'the session',
        schema: z.string(),
      },
      { ...tokenQuery, required: true },
      {
        name: 'Upgrade',
        in: 'header',
        required: true,
        description: '`websocket`',
        schema: z.string(),
      },
    ],
    responses: {
      101: {
        description: 'Switching Protocols: the socket is open',
      },
    },
    upgrade: { clientMessages: ClientMessageSchema, serverMessages: ServerMessageSchema },
    errors: {
      400: ['invalid_query', 'bad_request'],
      401: ['unauthorized'],
      403: ['forbidden_origin'],
      404: ['session_not_found'],
      410: ['session_closed'],
      503: ['cluster_unavailable', 'node_unreachable'],
    },
  },
  {
    method: 'get',
    path: '/api/sessions/{id}/events',
    operationId: 'streamEvents',
    tag: 'transcripts',
    summary: "The session's events as Server-Sent Events",
    description:
      'Each event has `event: <type>`, `id: <n>` (rising by one per session, from 1) and ' +
      '`data: <json>`; the body schema is a oneOf of the event frames. A comment line ' +
      '(`: keep-alive`) goes out every 15 s. With `Last-Event-ID: n` the stream resumes after ' +
      'event n, with no gap and no duplicate. An ended (retained) session replays its events ' +
      'without the `partial`s, then `end`.',
    auth: ['sessionTokenQuery'],
    parameters: [
      sessionId,
      { ...tokenQuery, required: true },
      {
        name: 'Last-Event-ID',
        in: 'header',
        description: 'the id of the last event received: resume after it',
        schema: z.string(),
      },
    ],
    responses: {
      200: {
        description: 'the event stream (text/event-stream), open until the session ends',
        content: { 'text/event-stream': SseEventSchema },
        examples: {
          'text/event-stream':
            'event: session\nid: 1\ndata: {"state":"live","engine":{"id":"openai","model":"whisper-1"}}\n\n' +
            'event: speech-start\nid: 2\ndata: {"segmentId":0,"startMs":480}\n\n' +
            ': keep-alive\n\n' +
            'event: final\nid: 3\ndata: {"segmentId":0,"text":"Hello there.","startMs":480,' +
            '"endMs":1720,"latencyMs":310,"engine":"openai"}\n\n',
        },
      },
    },
    errors: {
      400: ['invalid_query'],
      401: ['unauthorized'],
      403: ['forbidden_origin'],
      404: ['session_not_found'],
      503: ['cluster_unavailable'],
    },
  },
  {
    method: 'get',
    path: '/api/sessions/{id}/transcript',
    operationId: 'getTranscript',
    tag: 'transcripts',
    summary: 'The transcript so far',
    description:
      "An ended session's transcript stays readable for `SESSION_RETENTION_MS`, then 404 (at " +
      'most `SESSION_RETENTION_MAX` are kept, the oldest go first).',
    auth: ['sessionToken', 'sessionTokenQuery'],
    parameters: [
      sessionId,
      {
        name: 'format',
        in: 'query',
        description: 'the format of the answer (default `json`)',
        schema: TranscriptFormatSchema,
      },
      tokenQuery,
    ],
    responses: {
      200: {
        description: 'the transcript, in the asked format',
        content: {
          'application/json': TranscriptJsonSchema,
          'text/plain': z.string().describe('`format=txt`: one line per final'),
          'application/x-subrip': z.string().describe('`format=srt`: SubRip subtitles'),
          'text/vtt': z.string().describe('`format=vtt`: WebVTT subtitles'),
        },
      },
    },
    errors: {
      400: ['invalid_format', 'invalid_query'],
      401: ['unauthorized'],
      404: ['session_not_found'],
      503: ['cluster_unavailable'],
    },
  },
  {
    method: 'delete',
    path: '/api/sessions/{id}',
    operationId: 'deleteSession',
    tag: 'sessions',
    summary: 'End the session',
    description:
      'Stops media, transcribes what is still buffered, emits the last `final`s, then `end`. ' +
      'Deleting an ended session changes nothing.',
    auth: ['sessionToken'],
    parameters: [sessionId],
    responses: { 204: { description: 'the session is ending' } },
    errors: { 401: ['unauthorized'], 404: ['session_not_found'], ...clusterErrors },
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'liveness',
    tag: 'health',
    summary: 'Liveness: the process answers',
    auth: ['none'],
    responses: { 200: { description: 'alive', content: { 'application/json': LivenessSchema } } },
    errors: {},
  },
  {
    method: 'get',
    path: '/ping',
    operationId: 'ping',
    tag: 'health',
    summary: 'Liveness (alias of /healthz, from the original design)',
    auth: ['none'],
    responses: { 200: { description: 'alive', content: { 'application/json': LivenessSchema } } },
    errors: {},
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    tag: 'health',
    summary: 'Readiness: an engine is usable and sessions are admitted',
    auth: ['none'],
    responses: {
      200: { description: 'ready', content: { 'application/json': ReadinessSchema } },
      503: {
        description: 'not ready; `reason` says why (this body, not the error shape)',
        content: { 'application/json': ReadinessSchema },
      },
    },
    errors: {},
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'health',
    summary: 'Process metrics (Prometheus text format)',
    description:
      'The Prometheus text exposition format (version 0.0.4): prom-client default process ' +
      'metrics and the `whisperstream_*` families (see docs/ARCHITECTURE.md, "Operations"). ' +
      'Served to loopback callers only: both the TCP peer and the client that Express sees ' +
      'through a trusted loopback proxy (`X-Forwarded-For`) must be local. With ' +
      '`METRICS_TOKEN` set, any caller with `Authorization: Bearer <METRICS_TOKEN>` is served too.',
    auth: ['none', 'metricsToken'],
    responses: {
      200: {
        description: 'the metrics',
        content: { 'text/plain': z.string().describe('Prometheus text format, version 0.0.4') },
      },
    },
    errors: { 403: ['forbidden'] },
  },
  {
    method: 'get',
    path: '/metrics.json',
    operationId: 'metricsJson',
    tag: 'health',
    summary: 'Process metrics (JSON)',
    description:
      'The same counters as JSON, for the benchmarks and the tests; the same access rule as ' +
      '`/metrics`.',
    auth: ['none', 'metricsToken'],
    responses: {
      200: { description: 'the metrics', content: { 'application/json': ProcessMetricsSchema } },
    },
    errors: { 403: ['forbidden'] },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'openApiDocument',
    tag: 'docs',
    summary: 'This OpenAPI 3.1 document',
    auth: ['none'],
    responses: {
      200: {
        description: 'the document',
        content: { 'application/json': OpenApiDocumentSchema },
      },
    },
    errors: {},
  },
  {
    method: 'get',
    path: '/api/docs',
    operationId: 'docsPage',
    tag: 'docs',
    summary: 'The docs page, rendered from this document (Swagger UI, served locally)',
    auth: ['none'],
    responses: {
      200: { description: 'the HTML page', content: { 'text/html': z.string() } },
    },
    errors: {},
  },
  {
    method: 'get',
    path: '/api/docs/{file}',
    operationId: 'docsAsset',
    tag: 'docs',
    summary: "The docs page's scripts, styles and icon",
    auth: ['none'],
    parameters: [
      {
        name: 'file',
        in: 'path',
        description: 'one of the files the page loads',
        schema: z.enum([...DOCS_ASSET_NAMES, DOCS_INIT_SCRIPT]),
      },
    ],
    responses: {
      200: {
        description: 'the file',
        content: {
          'text/javascript': z.string(),
          'text/css': z.string(),
          'image/png': z.string().describe('binary'),
        },
      },
    },
    errors: { 404: ['not_found'] },
  },
];
