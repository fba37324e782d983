import type * as z from 'zod';

/** How the document describes one route; routes.ts holds one of these per route. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * The security schemes of the document (components.securitySchemes). `none`: the route may be
 * called without any (e.g. `/metrics` from loopback).
 */
export type SecurityName = 'sessionToken' | 'sessionTokenQuery' | 'apiKey' | 'metricsToken';

export type Tag = 'sessions' | 'signaling' | 'transcripts' | 'health' | 'docs';

export interface RouteParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  /** Path parameters are always required. */
  required?: boolean;
  schema: z.ZodType;
}

export interface RouteHeader {
  description: string;
  schema: z.ZodType;
}

export interface RouteResponse {
  description: string;
  /** Media type to the schema of the body; a named component becomes a $ref. */
  content?: Readonly<Record<string, z.ZodType>>;
  /** An example body per media type (shown by the docs page as is). */
  examples?: Readonly<Record<string, unknown>>;
  headers?: Readonly<Record<string, RouteHeader>>;
}

/** A WebSocket route: described as the GET that upgrades, with its messages' schemas. */
export interface RouteUpgrade {
  /** What the client sends, one JSON text message each. */
  clientMessages: z.ZodType;
  /** What the server sends. */
  serverMessages: z.ZodType;
}

export interface ApiRoute {
  method: HttpMethod;
  /** OpenAPI form, `{name}` for path parameters: `/api/sessions/{id}/offer`. */
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  /** Alternatives, any one of which lets the call in; `none` means it needs nothing. */
  auth: readonly (SecurityName | 'none')[];
  parameters?: readonly RouteParameter[];
  requestBody?: {
    required: boolean;
    description?: string;
    content: Readonly<Record<string, z.ZodType>>;
  };
  /** The answers that are not errors, by status. */
  responses: Readonly<Record<number, RouteResponse>>;
  /**
   * Errors, by status: the stable codes the route answers with (each with the JSON error
   * shape). `500 internal_error` is added to every route.
   */
  errors: Readonly<Record<number, readonly string[]>>;
  upgrade?: RouteUpgrade;
}
