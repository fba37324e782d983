import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { ApiErrorBody } from '@whisperstream/shared-types';
import type { Response } from 'express';
import { ApiError } from './api-error';

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

interface Mapped {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** Maps any error to the contract's `{"error":{"code","message"}}`; unknown errors are 500s. */
export function mapError(error: unknown): Mapped {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      headers: { ...error.headers },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response && 'message' in response
        ? String((response as { message: unknown }).message)
        : error.message;
    const headers: Record<string, string> = {};
    if (status === 429) headers['Retry-After'] = '60'; // unless the response already has one
    return { status, code: CODES_BY_STATUS[status] ?? 'http_error', message, headers };
  }
  // Errors raised by Express' body parser before a route runs.
  const bodyError = error as { type?: string; status?: number; expose?: boolean } | null;
  if (bodyError?.type === 'entity.too.large') {
    return {
      status: 413,
      code: 'payload_too_large',
      message: 'request body too large',
      headers: {},
    };
  }
  if (bodyError?.type === 'entity.parse.failed' || error instanceof SyntaxError) {
    return {
      status: 400,
      code: 'invalid_json',
      message: 'request body is not valid JSON',
      headers: {},
    };
  }
  if (bodyError?.expose && typeof bodyError.status === 'number' && bodyError.status < 500) {
    return {
      status: bodyError.status,
      code: CODES_BY_STATUS[bodyError.status] ?? 'bad_request',
      message: 'bad request',
      headers: {},
    };
  }
  return { status: 500, code: 'internal_error', message: 'internal server error', headers: {} };
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  readonly #logger = new Logger('HttpExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const mapped = mapError(error);
    if (mapped.status >= 500 && mapped.code === 'internal_error') {
      this.#logger.error({ msg: 'unhandled error', error: describe(error) });
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    // The throttler sets its own Retry-After (the seconds until its window reopens) before it
    // throws; the fallback of mapError is only for a 429 that came without one.
    const headers = { ...mapped.headers };
    if (mapped.status === 429 && res.getHeader('Retry-After') !== undefined) {
      delete headers['Retry-After'];
    }
    const body: ApiErrorBody = { error: { code: mapped.code, message: mapped.message } };
    res.status(mapped.status).set(headers).json(body);
  }
}

function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}\n${error.stack ?? ''}`
    : String(error);
}
