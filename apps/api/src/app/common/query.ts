import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from './api-error';

/**
 * A query parameter the server reads: absent, or given once as text. Anything else (the same
 * name twice, `name[]=`, `name[key]=`) is `400 invalid_query` naming it, never a value of
 * another type deeper in (a token that is an array made hashing it throw: a 500).
 */
export function singleQueryValue(name: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw ApiError.badRequest(
    'invalid_query',
    `the query parameter "${name}" must be given at most once, as text`,
  );
}

/** The same check on a URL's parameters (the WebSocket upgrade, which Express does not parse). */
export function searchParam(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  return singleQueryValue(name, values.length > 1 ? values : values[0]);
}

/**
 * `@QueryParam('token') token: string | undefined`: one query parameter, checked as above.
 * Every route reads its query through this (Nest's own `@Query` is refused by the lint).
 */
export const QueryParam = createParamDecorator(
  (name: string, context: ExecutionContext): string | undefined =>
    singleQueryValue(name, context.switchToHttp().getRequest<Request>().query[name]),
);
