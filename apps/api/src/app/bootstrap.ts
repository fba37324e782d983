import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import { ApiError } from './common/api-error';
import { MAX_SDP_LENGTH } from '@whisperstream/shared-types';
import { AppModule } from './app.module';
import { applyHttpMiddleware } from './common/http-middleware';
import { AppLogger, createRootLogger } from './common/json-logger';
import { ConfigError, type Env } from './config/config.schema';
import { AuthenticatedWsAdapter } from './signaling/ws-auth';

/** Request bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = MAX_SDP_LENGTH + 4 * 1024;

/**
 * Builds the whole server (API, WebSocket, web app) from a validated configuration; an engine
 * worker process (ROLE=worker) serves only /healthz, /readyz and /metrics.
 */
export async function createServer(config: Env): Promise<INestApplication> {
  const root = createRootLogger(config.LOG_LEVEL);
  const logger = new AppLogger(root);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger,
    httpsOptions: tlsOptions(config),
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(logger);
  applyHttpMiddleware(app, config, root);
  const parseJson = json({ limit: BODY_LIMIT_BYTES });
  app.use((req: Request, res: Response, next: NextFunction) =>
    parseJson(req, res, (error?: unknown) => next(error ? bodyParserError(error) : undefined)),
  );
  if (config.ROLE !== 'worker') {
    app.useWebSocketAdapter(new AuthenticatedWsAdapter(app, config.ALLOWED_ORIGINS));
  }
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const webRoot = resolve(config.WEB_ROOT);
  if (config.ROLE === 'worker') {
    // An engine worker serves no web app.
  } else if (existsSync(resolve(webRoot, 'index.html'))) {
    app.useStaticAssets(webRoot, { index: 'index.html', maxAge: 0 });
  } else {
    logger.warn({ msg: 'web app not built; serving the API only', webRoot }, 'Bootstrap');
  }
  return app;
}

/**
 * HTTPS in the server itself (TLS_CERT_FILE, TLS_KEY_FILE: PEM; the certificate file may hold
 * the chain). Browsers give a page the microphone only over HTTPS (or on localhost), and the
 * OpenAI SDK opens Realtime sockets as wss:// only. A file that cannot be read stops the start.
 */
export function tlsOptions(config: Env): { cert: Buffer; key: Buffer } | undefined {
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) return undefined;
  const read = (variable: 'TLS_CERT_FILE' | 'TLS_KEY_FILE', path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError([
        `${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      ]);
    }
  };
  return {
    cert: read('TLS_CERT_FILE', config.TLS_CERT_FILE),
    key: read('TLS_KEY_FILE', config.TLS_KEY_FILE),
  };
}

/** Body parser failures as contract errors (413 too large, 400 not JSON), never parser internals. */
function bodyParserError(error: unknown): ApiError {
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large')
    return new ApiError(413, 'payload_too_large', 'request body too large');
  if (type === 'entity.parse.failed')
    return ApiError.badRequest('invalid_json', 'request body is not valid JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ApiError(415, 'unsupported_media_type', 'request body must be UTF-8 JSON');
  }
  return ApiError.badRequest('bad_request', 'the request body could not be read');
}
