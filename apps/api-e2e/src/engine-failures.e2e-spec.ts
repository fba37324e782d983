import { FakeOpenAiServer, ScriptStep } from '@whisperstream/fake-openai';
import { RunningServer, startServer } from '@whisperstream/server-harness';
import type { ErrorEventData, FinalEventData } from '@whisperstream/shared-types';
import { ApiClient, SseClient, WebRtcStreamer } from '@whisperstream/webrtc-client';
import { opusFrames } from './support/fixtures';

const API_KEY = 'sk-test-failures';

/**
 * The engine fails for the first utterance (every attempt the SDK makes), then recovers. The
 * SDK retries (2 retries: 3 requests), the failure becomes an `error` event for that segment,
 * the session stays live, and the later segments are transcribed.
 */
describe('an engine that fails', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;
  let api: ApiClient;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_TIMEOUT_MS: '800',
      OPENAI_MAX_RETRIES: '2',
      // One-second chunks give these tests many requests to script.
      SEGMENTATION: 'fixed',
      FIXED_CHUNK_MS: '1000',
      SESSION_TRANSCRIPTION_CONCURRENCY: '1',
    });
    api = new ApiClient(server.baseUrl);
  });

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  async function runWithFailingFirstSegment(failure: ScriptStep) {
    const before = fake.requests.length;
    fake.script(failure, failure, failure);
    const created = await api.createSession();
    if (!created.ok) throw new Error(created.text);
    const { sessionId, token } = created.data;
    const sse = await SseClient.connect(server.baseUrl, sessionId, token);
    const streamer = new WebRtcStreamer({ baseUrl: server.baseUrl, session: created.data });
    await streamer.connect();
    // goforward.wav is 2.79 s: segments 0 and 1 (1 s each) while streaming, 2 on DELETE.
    await streamer.stream(opusFrames('goforward.wav'));
    const error = await sse.waitFor((e) => e.type === 'error', 30_000);
    // Still live after the failure, and the next segment is transcribed.
    await sse.waitFor((e) => e.type === 'final' && e.data.segmentId === 1, 30_000);
    expect(sse.events.some((e) => e.type === 'session' && e.data.state === 'closing')).toBe(false);
    await api.deleteSession(sessionId, token);
    await sse.waitForType('end', 30_000);
    await streamer.close();
    sse.close();
    const requests = fake.requests.slice(before);
    const finals = sse.events.flatMap((e) => (e.type === 'final' ? [e.data] : []));
    return {
      error: error.data as ErrorEventData,
      requests,
      finals: finals as FinalEventData[],
      events: sse.events,
    };
  }

  it('answering 500: retried by the SDK, then an error event, and the session goes on', async () => {
    const { error, requests, finals } = await runWithFailingFirstSegment({ status: 500 });
    expect(error).toEqual({
      code: 'engine_unavailable',
      message: expect.stringContaining('500'),
      retryable: true,
      segmentId: 0,
    });
    expect(requests.slice(0, 3).map((r) => r.status)).toEqual([500, 500, 500]);
    expect(requests.slice(3).every((r) => r.status === 200)).toBe(true);
    expect(finals.map((f) => f.segmentId)).toEqual([1, 2]);
  });

  it('answering 429: retried by the SDK, then a retryable rate-limit error', async () => {
    const { error, requests, finals } = await runWithFailingFirstSegment({
      status: 429,
      retryAfterSeconds: 0,
    });
    expect(error).toMatchObject({ code: 'engine_rate_limited', retryable: true, segmentId: 0 });
    expect(requests.slice(0, 3).map((r) => r.status)).toEqual([429, 429, 429]);
    expect(finals.map((f) => f.segmentId)).toEqual([1, 2]);
  });

  it('not answering at all: timed out and retried by the SDK, then a retryable timeout error', async () => {
    const { error, requests, finals, events } = await runWithFailingFirstSegment('hang');
    expect(error).toMatchObject({ code: 'engine_timeout', retryable: true, segmentId: 0 });
    expect(requests.slice(0, 3).every((r) => r.step === 'hang')).toBe(true);
    expect(finals.map((f) => f.segmentId)).toEqual([1, 2]);
    // Results stay in segment order: the error for 0 comes before the final for 1.
    const order = events.filter((e) => e.type === 'error' || e.type === 'final').map((e) => e.type);
    expect(order).toEqual(['error', 'final', 'final']);
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM, tells each live session, transcribes what is buffered, sends end, and exits 0', async () => {
    const fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    const server = await startServer({ OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: fake.baseUrl });
    try {
      const api = new ApiClient(server.baseUrl);
      const created = await api.createSession();
      if (!created.ok) throw new Error(created.text);
      const sse = await SseClient.connect(
        server.baseUrl,
        created.data.sessionId,
        created.data.token,
      );
      const streamer = new WebRtcStreamer({ baseUrl: server.baseUrl, session: created.data });
      await streamer.connect();
      await streamer.stream(opusFrames('librivox-0880.wav')); // 2.99 s: all of it still buffered
      const exit = server.stop();
      await sse.waitForType('end', 20_000);
      expect(await exit).toBe(0);
      const types = sse.events.map((e) => e.type);
      expect(types.slice(-3)).toEqual(['error', 'session', 'end']);
      const error = sse.events.find((e) => e.type === 'error');
      expect(error?.data).toMatchObject({ code: 'server_shutdown', retryable: false });
      expect(sse.events.filter((e) => e.type === 'final')).toHaveLength(1);
      await streamer.close();
      sse.close();
    } finally {
      await server.stop();
      await fake.close();
    }
  });
});
