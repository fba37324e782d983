import * as z from 'zod';
import { ApiErrorBodySchema } from '@whisperstream/shared-types';
import { COMPONENT_SCHEMAS } from './components';
import type { ApiRoute, RouteParameter, SecurityName, Tag } from './route-table';
import { API_ROUTES } from './routes';

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) or a `$ref` to one. */
export type JsonSchema = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document that this builder writes and its tests read. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: {
    title: string;
    version: string;
    description: string;
    license: { name: string; identifier: string };
  };
  servers: { url: string; description: string }[];
  tags: { name: Tag; description: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<SecurityName, Record<string, unknown>>;
  };
}

export interface OpenApiOperation {
  operationId: string;
  tags: Tag[];
  summary: string;
  description?: string;
  security: Record<string, string[]>[];
  parameters?: Record<string, unknown>[];
  requestBody?: Record<string, unknown>;
  responses: Record<string, OpenApiResponse>;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: JsonSchema; example?: unknown }>;
  'x-error-codes'?: string[];
  'x-websocket'?: { clientMessages: JsonSchema; serverMessages: JsonSchema };
}

/** A route table or component list that cannot make a correct document: a bug to fix there. */
export class OpenApiBuildError extends Error {
  override readonly name = 'OpenApiBuildError';
}

export const API_VERSION = 'v1';

const TAGS: OpenApiDocument['tags'] = [
  { name: 'sessions', description: 'Create and end transcription sessions' },
  { name: 'signaling', description: 'WebRTC offer/answer and trickle ICE' },
  { name: 'transcripts', description: 'Live events (SSE) and the transcript' },
  { name: 'health', description: 'Liveness, readiness and metrics' },
  { name: 'docs', description: 'This document and its page' },
];

const SECURITY_SCHEMES: OpenApiDocument['components']['securitySchemes'] = {
  sessionToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      "The session's token (`token` of `POST /api/sessions`): `Authorization: Bearer <token>`.",
  },
  sessionTokenQuery: {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description:
      "The session's token as the `token` query parameter, for clients that cannot send headers " +
      '(EventSource, WebSocket). It is never logged.',
  },
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key of `API_KEYS` (or a client token made with one): `Authorization: Bearer <key>`. ' +
      'Needed only when the server has `API_KEYS` set.',
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: '`METRICS_TOKEN`, for `/metrics` callers that are not on loopback.',
  },
};

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Missing or wrong credentials',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone: the session has ended',
  413: 'Body too large',
  415: 'Unsupported media type',
  429: 'Too many requests; retry after `Retry-After` seconds',
  500: 'Internal error (no details are given)',
  502: 'The node holding the session failed (cluster mode)',
  503: 'Unavailable for now; retry after `Retry-After` seconds',
};

const ERROR_HEADERS: Readonly<Record<number, Record<string, unknown>>> = {
  401: {
    'WWW-Authenticate': { description: '`Bearer`', schema: { type: 'string' } },
  },
  429: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } },
  503: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } },
};

const componentRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Builds the OpenAPI 3.1 document from the route table (routes.ts) and the contract's zod
 * schemas (components.ts): the schemas are converted with zod's own `z.toJSONSchema()`, so the
 * document holds no second copy of the contract.
 */
export function buildOpenApiDocument(
  routes: readonly ApiRoute[] = API_ROUTES,
  components: ReadonlyArray<readonly [string, z.ZodType]> = COMPONENT_SCHEMAS,
): OpenApiDocument {
  const names = new Map<z.ZodType, string>();
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of components) {
    const other = names.get(schema);
    if (other) throw new OpenApiBuildError(`one schema is named twice: ${other} and ${name}`);
    names.set(schema, name);
    registry.add(schema, { id: name });
  }
  const converted = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    io: 'input',
    unrepresentable: 'throw',
  }).schemas;
  const schemas: Record<string, JsonSchema> = {};
  for (const [name] of components) {
    const { $schema: _dialect, $id: _id, ...schema } = converted[name] as JsonSchema;
    schemas[name] = withoutSafeIntegerBounds(schema);
  }
  addDiscriminators(schemas);

  const schemaOf = (schema: z.ZodType, where: string): JsonSchema => {
    const name = names.get(schema);
    if (name) return componentRef(name);
    const { $schema: _dialect, ...inline } = z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'throw',
    }) as JsonSchema;
    withoutSafeIntegerBounds(inline);
    if (inline['type'] === 'object' || 'oneOf' in inline || 'anyOf' in inline) {
      throw new OpenApiBuildError(
        `${where}: an object or union schema must be named in components.ts`,
      );
    }
    return inline;
  };

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const where = `${route.method.toUpperCase()} ${route.path}`;
    const operations = (paths[route.path] ??= {});
    if (operations[route.method]) throw new OpenApiBuildError(`${where} is in the table twice`);
    checkPathParameters(route, where);
    operations[route.method] = operation(route, where, schemaOf);
  }
  const operationIds = Object.values(paths).flatMap((ops) =>
    Object.values(ops).map((op) => op.operationId),
  );
  const repeated = operationIds.find((id, i) => operationIds.indexOf(id) !== i);
  if (repeated) throw new OpenApiBuildError(`operationId ${repeated} is used twice`);

  return {
    openapi: '3.1.0',
    info: {
      title: 'WhisperStream API',
      version: API_VERSION,
      description:
        'Real-time transcription: a browser streams audio over WebRTC, the text comes back as ' +
        'Server-Sent Events. Errors are `{"error": {"code", "message"}}` with a stable ' +
        'snake_case code; a query parameter given more than once is refused with ' +
        '`400 invalid_query`. See docs/ARCHITECTURE.md for the whole contract.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'this server' }],
    tags: TAGS,
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}

function operation(
  route: ApiRoute,
  where: string,
  schemaOf: (schema: z.ZodType, where: string) => JsonSchema,
): OpenApiOperation {
  const content = (byType: Readonly<Record<string, z.ZodType>>) =>
    Object.fromEntries(
      Object.entries(byType).map(([type, schema]) => [
        type,
        { schema: schemaOf(schema, `${where} ${type}`) },
      ]),
    );
  const responses: Record<string, OpenApiResponse> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.headers && {
        headers: Object.fromEntries(
          Object.entries(response.headers).map(([name, header]) => [
            name,
            { description: header.description, schema: schemaOf(header.schema, where) },
          ]),
        ),
      }),
      ...(response.content && { content: content(response.content) }),
    };
    for (const [type, example] of Object.entries(response.examples ?? {})) {
      const media = responses[status].content?.[type];
      if (!media) throw new OpenApiBuildError(`${where} ${status}: an example of no ${type} body`);
      media.example = example;
    }
  }
  if (route.upgrade) {
    const switching = responses['101'];
    if (!switching) throw new OpenApiBuildError(`${where}: an upgrade route answers 101`);
    switching['x-websocket'] = {
      clientMessages: schemaOf(route.upgrade.clientMessages, `${where} client messages`),
      serverMessages: schemaOf(route.upgrade.serverMessages, `${where} server messages`),
    };
  }
  const errors: Record<number, readonly string[]> = { ...route.errors, 500: ['internal_error'] };
  for (const [status, codes] of Object.entries(errors)) {
    if (responses[status]) {
      throw new OpenApiBuildError(`${where}: ${status} is both an answer and an error`);
    }
    if (codes.length === 0 || codes.some((code) => !/^[a-z][a-z0-9_]*$/.test(code))) {
      throw new OpenApiBuildError(`${where}: ${status} needs snake_case error codes`);
    }
    responses[status] = {
      description: `${STATUS_TEXT[Number(status)] ?? 'Error'}: ${codes.map((c) => `\`${c}\``).join(', ')}`,
      ...(ERROR_HEADERS[Number(status)] && { headers: ERROR_HEADERS[Number(status)] }),
      content: { 'application/json': { schema: schemaOf(ApiErrorBodySchema, where) } },
      'x-error-codes': [...codes],
    };
  }
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description && { description: route.description }),
    security: route.auth.map((name) => (name === 'none' ? {} : { [name]: [] })),
    ...(route.parameters && {
      parameters: route.parameters.map((p) => parameter(p, where, schemaOf)),
    }),
    ...(route.requestBody && {
      requestBody: {
        required: route.requestBody.required,
        ...(route.requestBody.description && { description: route.requestBody.description }),
        content: content(route.requestBody.content),
      },
    }),
    responses,
  };
}

function parameter(
  p: RouteParameter,
  where: string,
  schemaOf: (schema: z.ZodType, where: string) => JsonSchema,
): Record<string, unknown> {
  return {
    name: p.name,
    in: p.in,
    description: p.description,
    required: p.in === 'path' ? true : (p.required ?? false),
    schema: schemaOf(p.schema, `${where} parameter ${p.name}`),
  };
}

/**
 * zod writes the bounds of a safe integer on every `.int()` (±9007199254740991): true, but noise
 * to a reader; an integer in JSON is read as one anyway.
 */
function withoutSafeIntegerBounds<T>(value: T): T {
  if (Array.isArray(value)) {
    value.forEach(withoutSafeIntegerBounds);
  } else if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (node['type'] === 'integer') {
      if (node['maximum'] === Number.MAX_SAFE_INTEGER) delete node['maximum'];
      if (node['minimum'] === Number.MIN_SAFE_INTEGER) delete node['minimum'];
    }
    Object.values(node).forEach(withoutSafeIntegerBounds);
  }
  return value;
}

function checkPathParameters(route: ApiRoute, where: string): void {
  const inPath = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
  const declared = (route.parameters ?? [])
    .filter((p) => p.in === 'path')
    .map((p) => p.name)
    .sort();
  if (inPath.join() !== declared.join()) {
    throw new OpenApiBuildError(
      `${where}: path parameters [${inPath.join(', ')}] but declared [${declared.join(', ')}]`,
    );
  }
}

/**
 * OpenAPI's `discriminator` on each oneOf whose members are named objects that all fix one
 * property to a constant (`type` of the WebSocket messages, `event` of the SSE frames): tools
 * then pick the member by that property.
 */
function addDiscriminators(schemas: Record<string, JsonSchema>): void {
  const target = (member: unknown): [string, JsonSchema] | undefined => {
    const ref = (member as { $ref?: unknown }).$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/components/schemas/')) return undefined;
    const name = ref.slice('#/components/schemas/'.length);
    return schemas[name] ? [ref, schemas[name]] : undefined;
  };
  for (const schema of Object.values(schemas)) {
    const members = schema['oneOf'];
    if (!Array.isArray(members) || members.length === 0) continue;
    const targets = members.map(target);
    if (targets.some((t) => t === undefined)) continue;
    const resolved = targets as [string, JsonSchema][];
    const first = resolved[0][1]['properties'] as Record<string, JsonSchema> | undefined;
    const property = Object.keys(first ?? {}).find((key) =>
      resolved.every(([, s]) => {
        const props = s['properties'] as Record<string, JsonSchema> | undefined;
        return typeof props?.[key]?.['const'] === 'string';
      }),
    );
    if (!property) continue;
    schema['discriminator'] = {
      propertyName: property,
      mapping: Object.fromEntries(
        resolved.map(([ref, s]) => [
          (s['properties'] as Record<string, JsonSchema>)[property]['const'] as string,
          ref,
        ]),
      ),
    };
  }
}
