import SwaggerParser from '@apidevtools/swagger-parser';
import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { GATEWAY_METADATA, GATEWAY_OPTIONS } from '@nestjs/websockets/constants';
import {
  ClientMessageSchema,
  CreateSessionRequestSchema,
  parseTranscriptEvent,
  TRANSCRIPT_EVENT_TYPES,
} from '@whisperstream/shared-types';
import * as z from 'zod';
import { createServer } from '../bootstrap';
import { loadConfig } from '../config/config.schema';
import { COMPONENT_SCHEMAS, sseEventComponentName } from './components';
import { buildOpenApiDocument, OpenApiBuildError, type OpenApiDocument } from './openapi-document';
import type { ApiRoute } from './route-table';
import { API_ROUTES } from './routes';

/** `GET /api/sessions/{id}` from Express' `/api/sessions/:id`. */
const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

/**
 * The routes the server really serves: Express' routing table once Nest has registered every
 * controller, and the paths of the WebSocket gateways (which Express does not route).
 */
function registeredRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  const http = express.router.stack.flatMap(({ route }) =>
    route
      ? Object.keys(route.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${openApiPath(route.path)}`)
      : [],
  );
  const gateways = [...app.get(ModulesContainer).values()].flatMap((module) =>
    [...module.providers.values()].flatMap(({ metatype }) => {
      if (typeof metatype !== 'function' || !Reflect.getMetadata(GATEWAY_METADATA, metatype)) {
        return [];
      }
      const options = Reflect.getMetadata(GATEWAY_OPTIONS, metatype) as { path?: string };
      return [`GET ${options.path ?? '/'} (WebSocket)`];
    }),
  );
  return [...new Set([...http, ...gateways])].sort();
}

function documentedRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const upgrade = operation.responses['101']?.['x-websocket'] ? ' (WebSocket)' : '';
        return `${method.toUpperCase()} ${path}${upgrade}`;
      }),
    )
    .sort();
}

describe(buildOpenApiDocument.name, () => {
  let sut: OpenApiDocument;

  beforeAll(() => {
    sut = buildOpenApiDocument();
  });

  it('is a valid OpenAPI 3.1 document (swagger-parser, against the 3.1 schema, refs resolved)', async () => {
    await expect(SwaggerParser.validate(structuredClone(sut) as never)).resolves.toBeDefined();
    expect(sut.openapi).toBe('3.1.0');
    expect(sut.servers).toEqual([{ url: '/', description: 'this server' }]);
  });

  it('documents every route the server registers, and no route that it does not', async () => {
    const config = loadConfig({
      TRANSCRIPTION_ENGINE: 'openai',
      OPENAI_API_KEY: 'sk-openapi-spec',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      WEB_ROOT: '/nonexistent',
      LOG_LEVEL: 'silent',
    });
    const app = await createServer(config);
    try {
      await app.init();
      const registered = registeredRoutes(app);
      const documented = documentedRoutes(sut);
      // Named, so that a route added without its entry in routes.ts says which one it is.
      expect({ missingFromRoutesTs: registered.filter((r) => !documented.includes(r)) }).toEqual({
        missingFromRoutesTs: [],
      });
      expect({ documentedButNotServed: documented.filter((r) => !registered.includes(r)) }).toEqual(
        {
          documentedButNotServed: [],
        },
      );
      expect(registered).toContain('GET /ws (WebSocket)');
      expect(registered).toContain('POST /api/sessions/{id}/offer');
    } finally {
      await app.close();
    }
  });

  it('makes its schemas with z.toJSONSchema from the shared zod schemas, not a copy', () => {
    const { $schema: _, ...direct } = z.toJSONSchema(CreateSessionRequestSchema, { io: 'input' });
    expect(sut.components.schemas['CreateSessionRequest']).toEqual(direct);
    expect(sut.components.schemas['ClientMessage']).toMatchObject({
      oneOf: [
        { $ref: '#/components/schemas/CandidateMessage' },
        { $ref: '#/components/schemas/EndOfCandidatesMessage' },
        { $ref: '#/components/schemas/ByeMessage' },
      ],
      discriminator: { propertyName: 'type' },
    });
    expect(ClientMessageSchema.options).toHaveLength(3);
  });

  it('streams each SSE event type of the contract as one member of a oneOf', () => {
    const events = sut.paths['/api/sessions/{id}/events']['get'];
    const stream = events.responses['200'].content?.['text/event-stream'];
    expect(stream?.schema).toEqual({ $ref: '#/components/schemas/SseEvent' });
    // The example shown on the docs page is in the contract: each of its events parses.
    const frames = String(stream?.example)
      .split('\n\n')
      .filter((frame) => frame.startsWith('event:'));
    expect(frames.length).toBeGreaterThan(1);
    for (const frame of frames) {
      const field = (name: string) =>
        frame
          .split('\n')
          .find((line) => line.startsWith(`${name}: `))
          ?.slice(name.length + 2) ?? '';
      expect(() => parseTranscriptEvent(field('event'), field('id'), field('data'))).not.toThrow();
    }
    const members = TRANSCRIPT_EVENT_TYPES.map((type) => ({
      $ref: `#/components/schemas/${sseEventComponentName(type)}`,
    }));
    expect(sut.components.schemas['SseEvent']).toMatchObject({ oneOf: members });
    expect(sut.components.schemas['SseEventFinal']).toMatchObject({
      properties: {
        event: { const: 'final' },
        data: { $ref: '#/components/schemas/FinalEventData' },
      },
    });
  });

  it('answers every error with the JSON error shape and names its codes', () => {
    for (const [path, operations] of Object.entries(sut.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect([where, operation.responses['500']?.['x-error-codes']]).toEqual([
          where,
          ['internal_error'],
        ]);
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400 || (path === '/readyz' && status === '503')) continue;
          expect([where, status, response.content]).toEqual([
            where,
            status,
            { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
          ]);
          expect(response['x-error-codes']?.length).toBeGreaterThan(0);
        }
      }
    }
    expect(sut.paths['/api/sessions/{id}/offer']['post'].responses['409']['x-error-codes']).toEqual(
      ['offer_already_received', 'session_closed'],
    );
  });

  it('offers the session token as a Bearer header or a query parameter, and an API key scheme', () => {
    expect(sut.components.securitySchemes).toMatchObject({
      sessionToken: { type: 'http', scheme: 'bearer' },
      sessionTokenQuery: { type: 'apiKey', in: 'query', name: 'token' },
      apiKey: { type: 'http', scheme: 'bearer' },
    });
    expect(sut.paths['/api/sessions/{id}/transcript']['get'].security).toEqual([
      { sessionToken: [] },
      { sessionTokenQuery: [] },
    ]);
    expect(sut.paths['/metrics']['get'].security).toEqual([{}, { metricsToken: [] }]);
    expect(sut.paths['/metrics.json']['get'].security).toEqual([{}, { metricsToken: [] }]);
  });

  describe('refuses a route table that cannot make a correct document', () => {
    const health = API_ROUTES.find((r) => r.path === '/healthz') as ApiRoute;
    const build = (routes: ApiRoute[]) => () => buildOpenApiDocument(routes, COMPONENT_SCHEMAS);

    it('with an object schema that has no name in components.ts', () => {
      const unnamed = z.object({ status: z.string() });
      const route = {
        ...health,
        responses: { 200: { description: 'x', content: { 'application/json': unnamed } } },
      };
      expect(build([route])).toThrow(OpenApiBuildError);
      expect(build([route])).toThrow(/must be named in components\.ts/);
    });

    it('with one route twice', () => {
      expect(build([health, { ...health, operationId: 'other' }])).toThrow(
        'GET /healthz is in the table twice',
      );
    });

    it('with a path parameter that is not declared', () => {
      expect(build([{ ...health, path: '/healthz/{id}' }])).toThrow(
        'GET /healthz/{id}: path parameters [id] but declared []',
      );
    });

    it('with an error status that is also an answer', () => {
      expect(build([{ ...health, errors: { 200: ['oops'] } }])).toThrow(
        'GET /healthz: 200 is both an answer and an error',
      );
    });
  });
});
