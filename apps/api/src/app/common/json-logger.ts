import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger, PinoLogger } from 'nestjs-pino';
// Where nestjs-pino's PinoLogger looks for the request's logger (AsyncLocalStorage). Bound here
// in plain middleware rather than by its LoggerModule, whose Nest middleware would add a
// catch-all route per HTTP method to Express' routing table. Pinned with nestjs-pino ~4.6; the
// `requestLogger` spec fails if it moves.
import { storage, Store } from 'nestjs-pino/storage';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Env } from '../config/config.schema';

/** What replaces a secret in a log line. */
export const REDACTED = '[redacted]';

/**
 * Field names whose values never reach a log line, at the top level or one object down (`req`,
 * `headers`, an error's details): tokens, API keys, credentials, and transcript text.
 */
const SECRET_KEYS = [
  'token',
  'authorization',
  'apiKey',
  'key',
  'secret',
  'password',
  'credential',
  'cookie',
  'text',
  'transcript',
];

/** Query parameters whose values are replaced in logged URLs (SSE and /ws carry the token there). */
const SECRET_QUERY_PARAMETERS = new Set([
  'token',
  'key',
  'api_key',
  'apikey',
  'access_token',
  'secret',
]);

/** A client's `x-request-id` is kept if it is this short and made of these characters. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Nest's start-up chatter (one line per module and route) is debug detail. */
const NEST_STARTUP_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestFactory',
  'NestApplication',
]);

/**
 * The process's root logger: pino, one JSON object per line on stdout, with the field names the
 * project always had: `time` (ISO 8601), `level` as a word (`info`), `context`, `msg`.
 */
export function createRootLogger(
  level: Env['LOG_LEVEL'],
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Pino {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
        censor: REDACTED,
      },
    },
    destination,
  );
}

/** `token=...` and the like in a URL's query string become `token=[redacted]`. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const parts = url
    .slice(query + 1)
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      const name = equals < 0 ? part : part.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed escape: compare it as written
      }
      return SECRET_QUERY_PARAMETERS.has(decoded.toLowerCase()) ? `${name}=${REDACTED}` : part;
    });
  return `${url.slice(0, query)}?${parts.join('&')}`;
}

/** The client's `x-request-id` if it is sane (bounded length, plain characters), else a new one. */
export function requestIdFor(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? undefined : header;
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

const PROBES = new Set(['/healthz', '/readyz', '/ping', '/metrics', '/metrics.json']);

type Next = (error?: unknown) => void;

/**
 * pino-http: every request gets an id (the client's sane `x-request-id`, or a new one), sent back
 * as `x-request-id` and carried as `requestId` by every log line written while it is handled
 * (the request's child logger is bound to its async context, where {@link AppLogger} finds it);
 * one `request completed` line per request (probes and scrapes at debug), without headers and
 * with secrets in the query string redacted.
 */
export function requestLogger(
  root: Pino,
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const http = pinoHttp({
    logger: root,
    // Lines written while the request is handled carry `requestId` only; its own line has `req`.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdFor(req.headers['x-request-id']);
      res.setHeader('x-request-id', id);
      return id;
    },
    serializers: {
      req: (req: { method?: string; url?: string }) => ({
        method: req.method,
        url: redactUrl(req.url ?? ''),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    customLogLevel: (req, res, error) => {
      if (error || res.statusCode >= 500) return 'error';
      const path = (req.url ?? '').split('?')[0];
      return PROBES.has(path) ? 'debug' : 'info';
    },
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    customProps: () => ({ context: 'Http' }),
  });
  return (req, res, next) =>
    http(req, res, () =>
      storage.run(new Store((req as IncomingMessage & { log: Pino }).log), next),
    );
}

/**
 * Nest's logger on pino. Callers log objects (`{ msg, sessionId, ... }`) with a context, as
 * before; inside a request the line also carries that request's `requestId` (nestjs-pino keeps
 * the request's child logger in AsyncLocalStorage, bound by {@link requestLogger}).
 */
export class AppLogger extends Logger {
  constructor(root: Pino) {
    const params = { pinoHttp: { logger: root } };
    super(new PinoLogger(params), params);
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && NEST_STARTUP_CONTEXTS.has(context)) {
      super.debug(message, ...rest);
    } else {
      super.log(message, ...rest);
    }
  }
}

/** A logger whose every object line carries the given fields (a session's id). */
export interface FieldLogger {
  log(message: unknown, context?: string): void;
  warn(message: unknown, context?: string): void;
  error(message: unknown, context?: string): void;
  debug(message: unknown, context?: string): void;
}

/** `base` with `fields` added to each object message: a session's logger carries its `sessionId`. */
export function withFields(base: FieldLogger, fields: Record<string, unknown>): FieldLogger {
  const merge = (message: unknown) =>
    message && typeof message === 'object' && !(message instanceof Error)
      ? { ...fields, ...message }
      : { ...fields, msg: message instanceof Error ? message.message : String(message) };
  return {
    log: (message) => base.log(merge(message)),
    warn: (message) => base.warn(merge(message)),
    error: (message) => base.error(merge(message)),
    debug: (message) => base.debug(merge(message)),
  };
}
