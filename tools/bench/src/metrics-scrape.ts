/**
 * `npm run bench:metrics`: what one Prometheus scrape of GET /metrics costs with 100 open
 * sessions. A server with the fake OpenAI-compatible engine; 3 sessions stream goforward.wav
 * over WebRTC and end (so the latency histograms and RTP counters have values), then 100
 * sessions are created and held open (no media), and /metrics and /metrics.json are each
 * fetched 50 times in turn. Per route: wall time per scrape at the client (p50, p95, max), body
 * bytes, and the server's CPU time per scrape (from /proc, over all the scrapes). Prints a
 * summary and saves dist/bench/metrics-scrape.json. A measurement, not a test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import { FIXTURES, startServer, WORKSPACE } from '@whisperstream/server-harness';
import { ApiClient, WebRtcStreamer, encodeOpusFrames, readWav } from '@whisperstream/webrtc-client';
import { readFileSync } from 'node:fs';
import { readCpu } from './lib/proc';

const OPEN_SESSIONS = 100;
const MEDIA_SESSIONS = 3;
const SCRAPES = 50;
const API_KEY = 'sk-bench-metrics';

const log = (message: string) => process.stdout.write(`[bench:metrics] ${message}\n`);

interface RouteCost {
  route: string;
  scrapes: number;
  bytes: number;
  wallMs: { p50: number; p95: number; max: number; mean: number };
  serverCpuMsPerScrape: number;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const round = (value: number) => Math.round(value * 100) / 100;

async function measure(baseUrl: string, route: string, pid: number): Promise<RouteCost> {
  await (await fetch(`${baseUrl}${route}`)).arrayBuffer(); // warm-up
  const times: number[] = [];
  let bytes = 0;
  const cpuBefore = readCpu(pid);
  for (let i = 0; i < SCRAPES; i++) {
    const started = performance.now();
    const res = await fetch(`${baseUrl}${route}`);
    const body = Buffer.from(await res.arrayBuffer());
    times.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`GET ${route} answered ${res.status}`);
    bytes = body.length;
  }
  const cpuAfter = readCpu(pid);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    route,
    scrapes: SCRAPES,
    bytes,
    wallMs: {
      p50: round(percentile(sorted, 0.5)),
      p95: round(percentile(sorted, 0.95)),
      max: round(sorted[sorted.length - 1]),
      mean: round(times.reduce((a, b) => a + b, 0) / times.length),
    },
    serverCpuMsPerScrape: round((cpuAfter.cpuMs - cpuBefore.cpuMs) / SCRAPES),
  };
}

async function main(): Promise<void> {
  const fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
  const server = await startServer({
    OPENAI_API_KEY: API_KEY,
    OPENAI_BASE_URL: fake.baseUrl,
    TRANSCRIPTION_LANGUAGE: 'en',
    MAX_SESSIONS: String(OPEN_SESSIONS + MEDIA_SESSIONS + 10),
    SESSION_RATE_LIMIT_PER_MINUTE: '100000',
    OFFER_TIMEOUT_MS: '600000',
    LOG_LEVEL: 'warn',
  });
  const pid = server.process.pid as number;
  const api = new ApiClient(server.baseUrl);
  const held: { sessionId: string; token: string }[] = [];
  try {
    const wav = readWav(readFileSync(resolve(FIXTURES, 'goforward.wav')));
    const frames = encodeOpusFrames(wav.samples, wav.sampleRate);
    for (let i = 0; i < MEDIA_SESSIONS; i++) {
      const created = await api.createSession({ language: 'en' });
      if (!created.ok) throw new Error(`create failed: ${created.status}`);
      const streamer = new WebRtcStreamer({ baseUrl: server.baseUrl, session: created.data });
      try {
        await streamer.connect();
        await streamer.stream(frames);
      } finally {
        await streamer.close();
      }
      await api.deleteSession(created.data.sessionId, created.data.token);
    }
    log(`${MEDIA_SESSIONS} sessions streamed goforward.wav and ended`);
    for (let i = 0; i < OPEN_SESSIONS; i++) {
      const created = await api.createSession({ language: 'en' });
      if (!created.ok) throw new Error(`create ${i} failed: ${created.status}`);
      held.push(created.data);
    }
    const open = /whisperstream_sessions_open (\d+)/.exec(
      await (await fetch(`${server.baseUrl}/metrics`)).text(),
    )?.[1];
    log(`${held.length} sessions open (whisperstream_sessions_open ${open})`);
    const results = [
      await measure(server.baseUrl, '/metrics', pid),
      await measure(server.baseUrl, '/metrics.json', pid),
    ];
    for (const r of results) {
      log(
        `${r.route}: ${r.bytes} bytes; wall p50 ${r.wallMs.p50} ms, p95 ${r.wallMs.p95} ms, max ${r.wallMs.max} ms; server CPU ${r.serverCpuMsPerScrape} ms per scrape`,
      );
    }
    const report = {
      date: new Date().toISOString(),
      openSessions: Number(open),
      mediaSessionsEnded: MEDIA_SESSIONS,
      results,
      note: 'wall time at a client on the same machine (loopback), sequential scrapes; 2-core machine shared with other work',
    };
    const out = resolve(WORKSPACE, 'dist/bench');
    mkdirSync(out, { recursive: true });
    writeFileSync(resolve(out, 'metrics-scrape.json'), JSON.stringify(report, null, 2) + '\n');
    log(`saved dist/bench/metrics-scrape.json`);
  } finally {
    await Promise.all(held.map((s) => api.deleteSession(s.sessionId, s.token)));
    await server.stop();
    await fake.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
