import { accessSync, constants, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { launch, type Browser } from 'puppeteer-core';
import * as z from 'zod';
import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import { RunningServer, startServer, WORKSPACE } from '@whisperstream/server-harness';
import { CreateSessionResponseSchema } from '@whisperstream/shared-types';
import { openRawSocket, signalingUrl, SseClient } from '@whisperstream/webrtc-client';

const API_KEY = 'sk-test-openapi';

/** The parts of the served document this suite reads. */
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}
interface Operation {
  responses: Record<
    string,
    { content?: Record<string, { schema?: unknown }>; 'x-error-codes'?: string[] }
  >;
}

/**
 * Checks one real answer against the served document: its status is documented for the route,
 * an error's code is among the route's codes for that status, and the body matches the
 * documented schema of its content type (read from the document's JSON Schema by zod's
 * JSON Schema reader, not from the zod schemas the document was made from).
 */
class DocumentChecker {
  readonly #schemas: Record<string, unknown>;

  constructor(readonly document: Document) {
    // zod's reader resolves local `$defs` references; the document's are `#/components/schemas/`.
    this.#schemas = JSON.parse(
      JSON.stringify(document.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'),
    ) as Record<string, unknown>;
  }

  schema(jsonSchema: unknown): z.ZodType {
    const rewritten = JSON.parse(
      JSON.stringify(jsonSchema).replaceAll('#/components/schemas/', '#/$defs/'),
    ) as Record<string, unknown>;
    return z.fromJSONSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      ...rewritten,
      $defs: this.#schemas,
    } as never);
  }

  conforms(
    method: string,
    path: string,
    answer: { status: number; contentType: string | null; body: unknown },
  ): void {
    const where = `${method} ${path} ${answer.status}`;
    const operation = this.document.paths[path]?.[method.toLowerCase()];
    expect([where, operation !== undefined]).toEqual([where, true]);
    const response = operation?.responses[String(answer.status)];
    expect([where, 'documented', response !== undefined]).toEqual([where, 'documented', true]);
    if (!response) return;
    if (answer.status >= 400 && typeof answer.body === 'object' && answer.body) {
      const code = (answer.body as { error?: { code?: string } }).error?.code;
      if (path !== '/readyz') {
        expect([where, response['x-error-codes']]).toEqual([where, expect.arrayContaining([code])]);
      }
    }
    const type = (answer.contentType ?? '').split(';')[0].trim();
    if (!response.content) {
      expect([where, 'no body', answer.body]).toEqual([where, 'no body', '']);
      return;
    }
    const media = response.content[type];
    expect([where, type, media !== undefined]).toEqual([where, type, true]);
    const parsed = this.schema(media?.schema).safeParse(answer.body);
    expect([where, parsed.success ? 'matches' : parsed.error.message]).toEqual([where, 'matches']);
  }
}

async function answerOf(response: Response) {
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  let body: unknown = text;
  if (contentType?.startsWith('application/json')) body = JSON.parse(text) as unknown;
  return { status: response.status, contentType, body };
}

describe('the OpenAPI document and its docs page', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;
  let base: string;
  let document: Document;
  let checker: DocumentChecker;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      SESSION_RATE_LIMIT_PER_MINUTE: '1000',
    });
    base = server.baseUrl;
    const response = await fetch(`${base}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    document = (await response.json()) as Document;
    checker = new DocumentChecker(document);
  });

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  it('serves a valid OpenAPI 3.1 document (swagger-parser)', async () => {
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it("answers a session's whole life as the document says", async () => {
    const json = { 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/sessions`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ language: 'en' }),
    });
    const createdAnswer = await answerOf(created);
    checker.conforms('POST', '/api/sessions', createdAnswer);
    const session = CreateSessionResponseSchema.parse(createdAnswer.body);
    const bearer = { authorization: `Bearer ${session.token}` };
    const at = (suffix = '') => `${base}/api/sessions/${session.sessionId}${suffix}`;

    const events = await SseClient.connect(base, session.sessionId, session.token);
    expect(events.status).toBe(200);
    expect(events.headers['content-type']).toMatch(/^text\/event-stream/);

    checker.conforms(
      'POST',
      '/api/sessions/{id}/offer',
      await answerOf(
        await fetch(at('/offer'), {
          method: 'POST',
          headers: { ...json, ...bearer },
          body: JSON.stringify({ type: 'offer', sdp: 'not sdp' }),
        }),
      ),
    );
    for (const format of ['json', 'txt', 'srt', 'vtt', 'xml']) {
      checker.conforms(
        'GET',
        '/api/sessions/{id}/transcript',
        await answerOf(await fetch(at(`/transcript?format=${format}`), { headers: bearer })),
      );
    }
    const deleted = await answerOf(await fetch(at(), { method: 'DELETE', headers: bearer }));
    expect(deleted.status).toBe(204);
    checker.conforms('DELETE', '/api/sessions/{id}', { ...deleted, contentType: null });

    await events.waitFor((event) => event.type === 'end', 30_000, 'end');
    const stream = checker.schema(
      document.paths['/api/sessions/{id}/events']['get'].responses['200'].content?.[
        'text/event-stream'
      ]?.schema,
    );
    expect(events.events.map((e) => e.type)).toContain('session');
    for (const event of events.events) {
      const frame = { event: event.type, id: event.id, data: event.data };
      expect([event.type, stream.safeParse(frame).success]).toEqual([event.type, true]);
    }
    // The frames' schema is not a blank check: a frame with another event's data is refused.
    expect(stream.safeParse({ event: 'final', id: 1, data: {} }).success).toBe(false);
    events.close();
  });

  it('refuses bad calls with the documented statuses and codes', async () => {
    const post = (body: string) =>
      fetch(`${base}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    checker.conforms('POST', '/api/sessions', await answerOf(await post('{"language":"english"}')));
    checker.conforms('POST', '/api/sessions', await answerOf(await post('{not json')));
    checker.conforms(
      'POST',
      '/api/sessions',
      await answerOf(await post(JSON.stringify({ language: 'x'.repeat(64 * 1024) }))),
    );
    const unknown = `${base}/api/sessions/no-such-session`;
    checker.conforms(
      'POST',
      '/api/sessions/{id}/offer',
      await answerOf(
        await fetch(`${unknown}/offer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
          body: JSON.stringify({ type: 'offer', sdp: 'v=0' }),
        }),
      ),
    );
    checker.conforms(
      'GET',
      '/api/sessions/{id}/transcript',
      await answerOf(await fetch(`${unknown}/transcript?token=a&token=b`)),
    );
    checker.conforms(
      'GET',
      '/api/sessions/{id}/events',
      await answerOf(await fetch(`${unknown}/events?token=x`)),
    );
    checker.conforms(
      'DELETE',
      '/api/sessions/{id}',
      await answerOf(await fetch(unknown, { method: 'DELETE' })),
    );
    const ws = await openRawSocket(signalingUrl(base, 'no-such-session', 'x'));
    expect(ws.ok).toBe(false);
    if (!ws.ok) {
      checker.conforms('GET', '/ws', {
        status: ws.status,
        contentType: String(ws.headers['content-type']),
        body: JSON.parse(ws.body) as unknown,
      });
    }
    checker.conforms('GET', '/api/docs/{file}', await answerOf(await fetch(`${base}/api/docs/x`)));
  });

  it('answers health, readiness and metrics as documented', async () => {
    for (const path of ['/healthz', '/ping', '/readyz', '/metrics', '/metrics.json']) {
      checker.conforms('GET', path, await answerOf(await fetch(`${base}${path}`)));
    }
  });

  describe('the docs page in Chromium', () => {
    const chromium = process.env['WHISPERSTREAM_CHROMIUM'] || '/usr/bin/chromium';
    let browser: Browser | undefined;

    afterAll(() => browser?.close());

    it('renders every documented route from this server alone, without errors', async () => {
      try {
        accessSync(chromium, constants.X_OK);
      } catch {
        const why = `${chromium} is not installed (install it with \`apt-get install -y chromium\`)`;
        if (process.env['WHISPERSTREAM_REQUIRE_ALL'] === '1') {
          throw new Error(`WHISPERSTREAM_REQUIRE_ALL=1, but ${why}`);
        }
        process.stdout.write(`SKIPPED (the docs page in a browser): ${why}\n`);
        return;
      }
      browser = await launch({
        executablePath: chromium,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
      page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
      page.on('request', (request) => {
        const url = request.url();
        if (!url.startsWith(`${base}/`) && !url.startsWith('data:')) {
          problems.push(`left the server: ${url}`);
        }
      });
      await page.setViewport({ width: 1280, height: 1600 });
      const response = await page.goto(`${base}/api/docs`, { waitUntil: 'load' });
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.waitForSelector('.opblock-summary-path', { timeout: 60_000 });
      const listed = await page.$$eval('.opblock', (blocks) =>
        blocks.map((block) => {
          const method = block.querySelector('.opblock-summary-method')?.textContent ?? '';
          const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path');
          return `${method} ${path ?? ''}`;
        }),
      );
      const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(listed.sort()).toEqual(documented.sort());
      expect(listed).toContain('GET /api/sessions/{id}/events');
      const artifacts = resolve(WORKSPACE, 'tmp/api-e2e');
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: resolve(artifacts, 'openapi-docs.png') });
      expect(problems).toEqual([]);
    });
  });
});
