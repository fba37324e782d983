import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/config.schema';
import type { Request } from 'express';
import { PipelineTotals } from '../audio-pipeline/pipeline-totals.service';
import type { SessionService } from '../sessions/sessions.service';
import { ApiError } from '../common/api-error';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { PrometheusService } from './prometheus.service';
import { TranscriptionMetrics } from '../transcription/transcription-metrics';
import type { TranscriptionService } from '../transcription/transcription.service';

const fakeSessions = (open: number, retained = 0) =>
  ({ openCount: open, retainedCount: retained }) as unknown as SessionService;

function fakeTranscription(metrics = new TranscriptionMetrics()): TranscriptionService {
  return {
    metricsSnapshot: () => ({ engine: 'sphinx', partials: true, ...metrics.snapshot() }),
  } as unknown as TranscriptionService;
}

function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* a busy event loop */
  }
}

describe(MetricsService.name, () => {
  let sut: MetricsService;
  let totals: PipelineTotals;
  let transcription: TranscriptionMetrics;

  beforeEach(() => {
    totals = new PipelineTotals();
    transcription = new TranscriptionMetrics();
    sut = new MetricsService(fakeSessions(3, 7), totals, fakeTranscription(transcription));
    sut.onModuleInit();
  });
  afterEach(() => sut.onModuleDestroy());

  it('reports open, rate-limited and retained sessions, memory, active resources by type and RTP totals', () => {
    totals.record({
      received: 100,
      ignored: 0,
      lost: 2,
      late: 1,
      duplicates: 0,
      reordered: 0,
      resyncs: 1,
      decoded: 97,
      decodeErrors: 4,
      concealedMs: 0,
      timestampJumps: 1,
      rateLimited: 7,
      audioMs: 2000,
    });
    totals.recordRateLimited();
    const timer = setTimeout(() => undefined, 60_000);
    const m = sut.snapshot();
    clearTimeout(timer);
    expect(m.sessions).toEqual({ open: 3, rateLimited: 1, retained: 7 });
    expect(m.rtp).toEqual({
      received: 100,
      lost: 2,
      late: 1,
      resyncs: 1,
      rateLimited: 7,
      decodeErrors: 4,
      pipelines: 1,
    });
    expect(m.memory.heapUsed).toBeGreaterThan(0);
    expect(m.activeResources.Timeout).toBeGreaterThanOrEqual(1);
  });

  it('reports engine requests, the guard and latency histograms per engine', () => {
    transcription.request('final', 2000);
    transcription.request('partial', 800);
    transcription.guarded('notSent');
    transcription.finalLatency('sphinx', 640);
    const m = sut.snapshot().transcription;
    expect(m.engine).toBe('sphinx');
    expect(m.requests).toEqual({
      final: { count: 1, audioMs: 2000 },
      partial: { count: 1, audioMs: 800, dropped: 0 },
    });
    expect(m.guard.notSent).toBe(1);
    expect(m.latency['sphinx'].finalMs).toMatchObject({ count: 1, p50: 640, max: 640 });
  });

  it('measures event-loop delay net of the resolution, and starts again after each read', async () => {
    await new Promise((r) => setTimeout(r, 30));
    blockFor(120);
    await new Promise((r) => setTimeout(r, 30));
    const first = sut.snapshot().eventLoopDelayMs;
    expect(first.max).toBeGreaterThanOrEqual(90);
    expect(first.max).toBeLessThan(1000);
    expect(first.p50).toBeLessThanOrEqual(first.p99);
    await new Promise((r) => setTimeout(r, 50));
    expect(sut.snapshot().eventLoopDelayMs.max).toBeLessThan(90);
  });
});

describe(MetricsController.name, () => {
  const TOKEN = 'm'.repeat(40);
  const sut = new MetricsController(
    new MetricsService(fakeSessions(0), new PipelineTotals(), fakeTranscription()),
    loadConfig({ METRICS_TOKEN: TOKEN }) as AppConfig,
    new PrometheusService(),
  );
  const request = (socketAddress: string, ip: string, authorization?: string) =>
    ({
      socket: { remoteAddress: socketAddress },
      ip,
      headers: { authorization },
    }) as unknown as Request;

  it('answers any caller that has METRICS_TOKEN', async () => {
    const served = await sut.get(request('10.0.0.5', '10.0.0.5', `Bearer ${TOKEN}`));
    expect(served.sessions?.open).toBe(0);
    expect(() => sut.get(request('10.0.0.5', '10.0.0.5', 'Bearer wrong'))).toThrow(
      expect.objectContaining<Partial<ApiError>>({ status: 403 }),
    );
  });

  it('answers loopback callers', async () => {
    expect((await sut.get(request('127.0.0.1', '127.0.0.1'))).sessions?.open).toBe(0);
    expect((await sut.get(request('::ffff:127.0.0.1', '::1'))).sessions?.open).toBe(0);
  });

  it('refuses other addresses, and a remote client behind a loopback proxy, with 403', () => {
    for (const [socket, ip] of [
      ['10.0.0.5', '10.0.0.5'],
      ['127.0.0.1', '203.0.113.9'],
      ['::ffff:192.168.1.2', '::ffff:192.168.1.2'],
    ]) {
      expect(() => sut.get(request(socket, ip))).toThrow(
        expect.objectContaining<Partial<ApiError>>({ status: 403 }),
      );
    }
  });
});
