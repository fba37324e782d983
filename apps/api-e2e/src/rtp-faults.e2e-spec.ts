import { setTimeout as sleep } from 'node:timers/promises';
import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import { RunningServer, startServer, type LogLine } from '@whisperstream/server-harness';
import { ApiClient, SseClient, WebRtcStreamer } from '@whisperstream/webrtc-client';
import { opusFrames } from './support/fixtures';
import { serverMetrics } from './support/metrics';

const API_KEY = 'sk-test-rtp-faults';
const FRAME_MS = 20;

/**
 * Senders that misbehave at the RTP level, through the real server: one that restarts its
 * stream (sequence numbers jump back) and one that sends 40 times faster than real time.
 * One-second fixed chunks and the `describe` recognizer make the audio each session got
 * visible in the engine's requests.
 */
describe('RTP faults', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;
  let api: ApiClient;
  const frames = opusFrames('librivox-0880.wav');

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      SEGMENTATION: 'fixed',
      FIXED_CHUNK_MS: '1000',
    });
    api = new ApiClient(server.baseUrl);
  });

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  /** A connected session, its events, and a way to end it and read what it got. */
  async function session() {
    const created = await api.createSession();
    if (!created.ok) throw new Error(created.text);
    const { sessionId, token } = created.data;
    const sse = await SseClient.connect(server.baseUrl, sessionId, token);
    const streamer = new WebRtcStreamer({ baseUrl: server.baseUrl, session: created.data });
    await streamer.connect();
    const requestsBefore = fake.requests.length;
    const end = async () => {
      const ended = server.waitForLog(
        (l) => l.msg === 'audio pipeline ended' && l['sessionId'] === sessionId,
        30_000,
      );
      await api.deleteSession(sessionId, token);
      await sse.waitForType('end', 30_000);
      await streamer.close();
      sse.close();
      const requests = fake.requests.slice(requestsBefore);
      return {
        events: sse.events,
        stats: (await ended) as LogLine & Record<string, number>,
        audioSentMs: requests.reduce((ms, r) => ms + (r.wav?.durationMs ?? 0), 0),
      };
    };
    return { streamer, end };
  }

  /** Sends `payloads` with the given sequence numbers and timestamps, `perSlot` every 20 ms. */
  async function sendRaw(
    streamer: WebRtcStreamer,
    payloads: Buffer[],
    firstSeq: number,
    firstTs: number,
    perSlot = 1,
  ): Promise<void> {
    const started = performance.now();
    for (let i = 0; i < payloads.length; i++) {
      if (i % perSlot === 0) {
        const due = started + (i / perSlot) * FRAME_MS;
        await sleep(Math.max(0, due - performance.now())); // real-time pacing, not a wait
      }
      await streamer.writeRawRtp(
        { sequenceNumber: (firstSeq + i) & 0xffff, timestamp: (firstTs + i * 960) >>> 0 },
        payloads[i],
      );
    }
  }

  it('follows a sender whose sequence numbers jump back 1,000 and keeps transcribing', async () => {
    const { streamer, end } = await session();
    const before = await streamer.stream(frames.slice(0, 50)); // 1 s
    // The sender restarts its stream: same SSRC, sequence 1,000 back, a new clock.
    const restartSeq = before.firstSequenceNumber + 50 - 1000;
    await sendRaw(streamer, frames.slice(50, 150), restartSeq, 0x1234_5678); // 2 s more
    const { events, stats, audioSentMs } = await end();
    expect(stats).toMatchObject({ resyncs: 1, late: 0, rateLimited: 0 });
    expect(stats['decoded']).toBeGreaterThanOrEqual(145);
    // All 3 s reached the engine, not the first second alone.
    expect(audioSentMs).toBeGreaterThanOrEqual(2900);
    expect(events.filter((e) => e.type === 'final').length).toBeGreaterThanOrEqual(3);
    expect(events.some((e) => e.type === 'error')).toBe(false);
    expect((await serverMetrics(server.baseUrl)).rtp.resyncs).toBeGreaterThanOrEqual(1);
  });

  it('takes audio sent 40 times faster than real time at real time, and flags the session', async () => {
    const { streamer, end } = await session();
    const flood = Array.from({ length: 4000 }, (_, i) => frames[i % frames.length]);
    const before = await serverMetrics(server.baseUrl);
    // 2,000 packets a second for 2 s: 80 s of audio.
    await sendRaw(streamer, flood, 100, 0, 40);
    const { stats, audioSentMs } = await end();
    // A burst of 2 s plus 1.05 times the 2 s (and the last chunk flushed on DELETE).
    expect(stats['rateLimited']).toBeGreaterThan(3500);
    expect(stats['decoded']).toBeLessThan(400);
    expect(audioSentMs).toBeLessThan(6000);
    expect(audioSentMs).toBeGreaterThan(2000);
    const after = await serverMetrics(server.baseUrl);
    expect(after.sessions.rateLimited - before.sessions.rateLimited).toBe(1);
    expect(after.rtp.rateLimited - before.rtp.rateLimited).toBe(stats['rateLimited']);
    const warnings = server.logs.filter(
      (l) => l.level === 'warn' && /faster than real time/.test(l.msg ?? ''),
    );
    expect(warnings).toHaveLength(1);
  });
});
