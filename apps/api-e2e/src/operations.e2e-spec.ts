import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import {
  officialParserMissing,
  parsePrometheusText,
  parseWithOfficialParser,
  RunningServer,
  startServer,
  type PromFamily,
} from '@whisperstream/server-harness';
import { ApiClient, SseClient } from '@whisperstream/webrtc-client';
import { runClip } from './support/run-clip';
import { serverMetrics } from './support/metrics';

const API_KEY = 'sk-test-operations';
const APP_ORIGIN = 'https://app.example';

/** The value of a family's sample whose labels include `labels` (undefined: none). */
function sampleValue(
  families: Map<string, PromFamily>,
  family: string,
  labels: Record<string, string> = {},
  series = family,
): number | undefined {
  return families
    .get(family)
    ?.samples.find(
      (s) => s.name === series && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    )?.value;
}

/**
 * The official Python parser reads every family, histograms with their labels. Without it
 * (python3-prometheus-client) its checks are skipped, saying so; WHISPERSTREAM_REQUIRE_ALL=1
 * makes that a failure.
 */
function requireOfficialParser(): boolean {
  const missing = officialParserMissing();
  if (!missing) return true;
  if (process.env['WHISPERSTREAM_REQUIRE_ALL'] === '1') {
    throw new Error(`required but missing: ${missing}`);
  }
  process.stdout.write(`SKIPPED (histogram checks with the official parser): ${missing}\n`);
  return false;
}

describe('operations: Prometheus metrics, request logs, CORS, security headers', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;
  let api: ApiClient;
  const official = requireOfficialParser();

  beforeAll(async () => {
    // 'describe' answers every utterance with a description of its audio: engine calls happen
    // without a recogniser installed.
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      TRANSCRIPTION_LANGUAGE: 'en',
      ALLOWED_ORIGINS: APP_ORIGIN,
      LOG_LEVEL: 'debug',
    });
    api = new ApiClient(server.baseUrl);
  });

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  const scrape = async () => {
    const res = await fetch(`${server.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; charset=utf-8; version=0\.0\.4/);
    return res.text();
  };

  describe('GET /metrics', () => {
    it("counts a session's life and its engine calls, read by a text-format parser", async () => {
      const before = parsePrometheusText(await scrape());
      const created = (n: Map<string, PromFamily>) =>
        sampleValue(n, 'whisperstream_sessions_created_total') ?? 0;
      const deleted = (n: Map<string, PromFamily>) =>
        sampleValue(n, 'whisperstream_sessions_ended_total', { reason: 'deleted' }) ?? 0;
      const okFinals = (n: Map<string, PromFamily>) =>
        sampleValue(n, 'whisperstream_engine_requests_total', {
          engine: 'openai',
          purpose: 'final',
          outcome: 'ok',
        }) ?? 0;

      // One session held open while scraping, one streamed from start to end.
      const held = await api.createSession({ language: 'en' });
      if (!held.ok) throw new Error(`create failed: ${held.status}`);
      const during = parsePrometheusText(await scrape());
      expect(sampleValue(during, 'whisperstream_sessions_open')).toBe(1);
      expect(created(during)).toBe(created(before) + 1);

      const run = await runClip(server, 'goforward.wav');
      expect(run.finals.length).toBeGreaterThanOrEqual(1);
      await api.deleteSession(held.data.sessionId, held.data.token);
      await server.waitForLog(
        (l) => l.msg === 'audio pipeline ended' && l['sessionId'] === run.sessionId,
      );

      const text = await scrape();
      const after = parsePrometheusText(text);
      expect(sampleValue(after, 'whisperstream_sessions_open')).toBe(0);
      expect(created(after)).toBe(created(before) + 2);
      expect(deleted(after)).toBe(deleted(before) + 2);
      expect(okFinals(after)).toBe(okFinals(before) + run.finals.length);
      expect(after.get('whisperstream_sessions_ended_total')?.type).toBe('counter');
      // The RTP totals are the JSON's, read from the same counters.
      const json = await serverMetrics(server.baseUrl);
      expect(sampleValue(after, 'whisperstream_rtp_packets_total')).toBe(json.rtp.received);
      expect(json.rtp.received).toBeGreaterThan(100);
      expect(sampleValue(after, 'whisperstream_rtp_packets_lost_total')).toBe(json.rtp.lost);
      expect(sampleValue(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(after.has('nodejs_eventloop_lag_seconds')).toBe(true);

      if (official) {
        const families = parseWithOfficialParser(text);
        const finalLatency = families.get('whisperstream_final_latency_seconds');
        expect(finalLatency?.type).toBe('histogram');
        const count = (name: string) =>
          sampleValue(families, name, { engine: 'openai' }, `${name}_count`);
        expect(count('whisperstream_final_latency_seconds')).toBe(okFinals(after));
        expect(count('whisperstream_engine_duration_seconds')).toBeGreaterThanOrEqual(
          okFinals(after),
        );
        const inf = sampleValue(
          families,
          'whisperstream_final_latency_seconds',
          { engine: 'openai', le: '+Inf' },
          'whisperstream_final_latency_seconds_bucket',
        );
        expect(inf).toBe(okFinals(after));
        // Every family of ours is named whisperstream_*, its counters end in _total.
        for (const family of families.values()) {
          if (!family.name.startsWith('whisperstream_')) continue;
          if (family.type === 'counter') {
            for (const s of family.samples) expect(s.name).toMatch(/_total$/);
          }
        }
      }
    });

    it('keeps the JSON at /metrics.json, and both are for loopback or METRICS_TOKEN only', async () => {
      const json = await fetch(`${server.baseUrl}/metrics.json`);
      expect(json.status).toBe(200);
      expect(json.headers.get('content-type')).toMatch(/application\/json/);
      // A client behind a loopback proxy is not local (X-Forwarded-For is trusted from loopback).
      for (const path of ['/metrics', '/metrics.json']) {
        const refused = await api.request('GET', path, {
          headers: { 'x-forwarded-for': '203.0.113.9' },
        });
        expect([refused.status, refused.body]).toEqual([
          403,
          { error: { code: 'forbidden', message: expect.any(String) } },
        ]);
      }
    });
  });

  describe('request logs', () => {
    it('carry the request id on every line of a request and send it back', async () => {
      const created = await api.request('POST', '/api/sessions', {
        json: { language: 'en' },
        headers: { 'x-request-id': 'ops-create-1' },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('x-request-id')).toBe('ops-create-1');
      const { sessionId, token } = created.body as { sessionId: string; token: string };
      const line = await server.waitForLog(
        (l) => l.msg === 'session created' && l['sessionId'] === sessionId,
      );
      expect(line['requestId']).toBe('ops-create-1');
      const completed = await server.waitForLog(
        (l) => l.msg === 'request completed' && l['requestId'] === 'ops-create-1',
      );
      expect(completed).toMatchObject({
        level: 'info',
        req: { method: 'POST', url: '/api/sessions' },
        res: { statusCode: 201 },
      });

      // An unusable id is replaced by one of the server's.
      const odd = await api.request('GET', '/healthz', { headers: { 'x-request-id': 'a b<c>' } });
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

      // The session token in an SSE query string and in a Bearer header never reach the log.
      const sse = await SseClient.connect(server.baseUrl, sessionId, token);
      expect(sse.ok).toBe(true);
      const deletedRes = await api.request('DELETE', `/api/sessions/${sessionId}`, {
        headers: { authorization: `Bearer ${token}`, 'x-request-id': 'ops-delete-1' },
      });
      expect(deletedRes.status).toBe(204);
      const closing = await server.waitForLog(
        (l) => l.msg === 'session closing' && l['sessionId'] === sessionId,
      );
      expect(closing['requestId']).toBe('ops-delete-1');
      await sse.waitForType('end', 10_000);
      sse.close();
      const eventsLine = await server.waitForLog(
        (l) =>
          l.msg === 'request completed' &&
          typeof (l['req'] as { url?: string } | undefined)?.url === 'string' &&
          (l['req'] as { url: string }).url.startsWith(`/api/sessions/${sessionId}/events`),
      );
      expect((eventsLine['req'] as { url: string }).url).toBe(
        `/api/sessions/${sessionId}/events?token=[redacted]`,
      );
      expect(server.output()).not.toContain(token);
      expect(server.output()).not.toContain(API_KEY);
    });
  });

  describe('CORS on the REST routes', () => {
    const preflight = (origin: string) =>
      api.request('OPTIONS', '/api/sessions', {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });

    it('answers an allowed origin’s preflight, and lets it create a session', async () => {
      const answer = await preflight(APP_ORIGIN);
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(answer.headers.get('access-control-allow-methods')).toContain('POST');
      expect(answer.headers.get('access-control-allow-headers')).toBe(
        'authorization, content-type, last-event-id',
      );
      expect(Number(answer.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      const created = await api.request('POST', '/api/sessions', {
        json: {},
        headers: { origin: APP_ORIGIN },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(created.headers.get('access-control-expose-headers')).toContain('x-request-id');
      const { sessionId, token } = created.body as { sessionId: string; token: string };
      expect((await api.deleteSession(sessionId, token)).status).toBe(204);
    });

    it('gives a refused origin no access-control-allow-origin, scheme and port compared', async () => {
      for (const origin of ['https://evil.example', 'http://app.example', `${APP_ORIGIN}:8443`]) {
        const answer = await preflight(origin);
        expect([answer.status, answer.body]).toEqual([
          403,
          { error: { code: 'forbidden_origin', message: expect.any(String) } },
        ]);
        expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      }
      const created = await api.request('POST', '/api/sessions', {
        json: {},
        headers: { origin: 'https://evil.example' },
      });
      expect(created.headers.get('access-control-allow-origin')).toBeNull();
      if (created.status === 201) {
        const { sessionId, token } = created.body as { sessionId: string; token: string };
        await api.deleteSession(sessionId, token);
      }
    });
  });

  describe('security headers', () => {
    it('come from helmet on the API and on pages alike, with a CSP', async () => {
      for (const path of ['/healthz', '/api/sessions/nope/transcript', '/']) {
        const res = await fetch(`${server.baseUrl}${path}`);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
        expect(res.headers.get('x-powered-by')).toBeNull();
      }
    });
  });
});

describe('rate limiting keeps the throttler’s Retry-After', () => {
  it('counts down from the window instead of a fixed 60', async () => {
    const fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    const limited = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      SESSION_RATE_LIMIT_PER_MINUTE: '1',
    });
    try {
      const client = new ApiClient(limited.baseUrl);
      const first = await client.createSession();
      expect(first.status).toBe(201);
      // The throttler's value falls as its block runs out: poll until a second has passed.
      const values: number[] = [];
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const refused = await client.request('POST', '/api/sessions', { json: {} });
        expect(refused.status).toBe(429);
        values.push(Number(refused.headers.get('retry-after')));
        if (values[values.length - 1] < values[0]) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(values[0]).toBeGreaterThan(0);
      expect(values[0]).toBeLessThanOrEqual(60);
      expect(values[values.length - 1]).toBeLessThan(values[0]);
    } finally {
      await limited.stop();
      await fake.close();
    }
  });
});
