import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import {
  describeWithRedis,
  startRedis,
  startServer,
  type RunningRedis,
  type RunningServer,
} from '@whisperstream/server-harness';
import type { TranscriptEvent } from '@whisperstream/shared-types';
import { ApiClient, SseClient, WebRtcStreamer } from '@whisperstream/webrtc-client';
import { clip, opusFrames, requireRecognizer } from './support/fixtures';

const API_KEY = 'sk-test-cluster';
/** Short, so that a node SIGKILLed in a test is noticed quickly. */
const NODE_HEARTBEAT_MS = 300;
const NODE_LOST_MS = 1500;

const finalsOf = (events: readonly TranscriptEvent[]) =>
  events.flatMap((e) => (e.type === 'final' ? [e.data] : []));

/**
 * Cluster mode with real processes: Redis, and two API nodes that also run engine workers
 * (ROLE=all), each its own process, the fake OpenAI engine on loopback behind them. Any node
 * answers any call of any session; every utterance arrives once, in order.
 */
describeWithRedis('two API nodes on Redis', () => {
  let redis: RunningRedis;
  let fake: FakeOpenAiServer;
  const nodes: RunningServer[] = [];
  const recognizer = requireRecognizer();

  const startNode = (name: string) =>
    startServer({
      REDIS_URL: redis.url,
      ROLE: 'all',
      NODE_ID: name,
      NODE_HEARTBEAT_MS: String(NODE_HEARTBEAT_MS),
      NODE_LOST_MS: String(NODE_LOST_MS),
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      TRANSCRIPTION_ENGINE: 'openai',
      TRANSCRIPTION_LANGUAGE: 'en',
    });

  beforeAll(async () => {
    redis = await startRedis();
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'auto' });
    nodes.push(await startNode('node-a'), await startNode('node-b'));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await fake?.close();
    await redis?.stop();
  });

  async function create(node: RunningServer) {
    const created = await new ApiClient(node.baseUrl).createSession({ language: 'en' });
    if (!created.ok) throw new Error(`create failed: ${created.status} ${created.text}`);
    return created.data;
  }

  it('created on A, offered through B, signaled on A, its events read from B and resumed: every utterance once, in order', async () => {
    const [a, b] = nodes;
    const conversation = clip('conversation.wav');
    const session = await create(a);
    let sse = await SseClient.connect(b.baseUrl, session.sessionId, session.token);
    expect(sse.ok).toBe(true);
    const streamer = new WebRtcStreamer({
      baseUrl: a.baseUrl, // the signaling socket goes to A
      api: new ApiClient(b.baseUrl), // the offer goes to B, which forwards it to A
      session,
    });
    const seen: TranscriptEvent[] = [];
    try {
      await streamer.connect();
      await sse.waitFor((e) => e.type === 'session' && e.data.state === 'live', 10_000);
      const frames = opusFrames(conversation.file);
      const half = Math.floor(frames.length / 2);
      await streamer.stream(frames.slice(0, half));
      // The client's connection to B drops; it comes back with Last-Event-ID, to A this time.
      seen.push(...sse.events);
      const lastId = sse.lastEventId;
      sse.close();
      await streamer.stream(frames.slice(half));
      sse = await SseClient.connect(a.baseUrl, session.sessionId, session.token, {
        lastEventId: lastId,
      });
      expect(sse.ok).toBe(true);
      const deleted = await new ApiClient(b.baseUrl).deleteSession(
        session.sessionId,
        session.token,
      );
      expect(deleted.status).toBe(204);
      await sse.waitForType('end', 60_000);
      seen.push(...sse.events);
    } finally {
      await streamer.close();
      sse.close();
    }
    expect(seen.map((e) => e.id)).toEqual(seen.map((_, i) => i + 1)); // no gap, no duplicate
    expect(sse.violations).toEqual([]);
    const finals = finalsOf(seen);
    const utterances = conversation.utterances ?? [];
    expect(finals.map((f) => f.segmentId)).toEqual(utterances.map((_, i) => i));
    if (recognizer) {
      expect(finals[2]?.text ?? '').toMatch(/forward|ten|meters/);
    }
    // Every node serves the transcript: the same lines from both.
    const fromA = await new ApiClient(a.baseUrl).getTranscript(
      session.sessionId,
      session.token,
      'json',
    );
    const fromB = await new ApiClient(b.baseUrl).getTranscript(
      session.sessionId,
      session.token,
      'json',
    );
    if (!fromA.ok || !fromB.ok) throw new Error(`transcript: ${fromA.status} / ${fromB.status}`);
    expect(fromB.data).toEqual(fromA.data);
    expect(fromA.data.lines.map((l) => l.segmentId)).toEqual(
      finals.filter((f) => f.text.trim()).map((f) => f.segmentId),
    );
  });

  it('created on B, its signaling socket and offer on A: both forwarded to B, and it connects', async () => {
    const [a, b] = nodes;
    const session = await create(b);
    const sse = await SseClient.connect(a.baseUrl, session.sessionId, session.token);
    const streamer = new WebRtcStreamer({ baseUrl: a.baseUrl, session });
    try {
      await streamer.connect();
      await sse.waitFor((e) => e.type === 'session' && e.data.state === 'live', 10_000);
      expect(streamer.errors).toEqual([]);
      expect(streamer.candidatesReceived.length).toBeGreaterThan(0); // B's, through A
      streamer.bye(); // through A's socket to B
      await sse.waitForType('end', 20_000);
    } finally {
      await streamer.close();
      sse.close();
    }
    const states = sse.events.flatMap((e) => (e.type === 'session' ? [e.data.state] : []));
    expect(states).toEqual(['waiting-for-media', 'live', 'closing', 'closed']);
  });

  it("ends a SIGKILLed node's live sessions from the other node with node_lost; the transcript stays readable", async () => {
    const [a] = nodes;
    const victim = await startNode('node-c');
    nodes.push(victim);
    const session = await create(victim);
    const sse = await SseClient.connect(a.baseUrl, session.sessionId, session.token);
    const streamer = new WebRtcStreamer({ baseUrl: victim.baseUrl, session });
    try {
      await streamer.connect();
      await sse.waitFor((e) => e.type === 'session' && e.data.state === 'live', 10_000);
      victim.process.kill('SIGKILL');
      const end = await sse.waitForType('end', NODE_LOST_MS * 4 + 10_000);
      expect(end.type).toBe('end');
    } finally {
      await streamer.close();
      sse.close();
    }
    const error = sse.events.find((e) => e.type === 'error');
    expect(error?.data).toMatchObject({ code: 'node_lost', retryable: false });
    expect(sse.events.map((e) => e.id)).toEqual(sse.events.map((_, i) => i + 1));
    const transcript = await new ApiClient(a.baseUrl).getTranscript(
      session.sessionId,
      session.token,
      'json',
    );
    if (!transcript.ok) throw new Error(`transcript: ${transcript.status} ${transcript.text}`);
    expect(transcript.data).toMatchObject({ sessionId: session.sessionId, state: 'closed' });
  });

  it('keeps a live session going through a Redis restart, and admits new sessions again after it', async () => {
    const [a] = nodes;
    const session = await create(a);
    const sse = await SseClient.connect(a.baseUrl, session.sessionId, session.token);
    const streamer = new WebRtcStreamer({ baseUrl: a.baseUrl, session });
    const goforward = opusFrames('goforward.wav');
    try {
      await streamer.connect();
      await redis.restart();
      await streamer.stream(goforward);
      await streamer.stream(goforward);
      await new ApiClient(a.baseUrl).deleteSession(session.sessionId, session.token);
      await sse.waitForType('end', 60_000);
    } finally {
      await streamer.close();
      sse.close();
    }
    // The node's own client saw every event of its session, in order.
    expect(sse.events.map((e) => e.id)).toEqual(sse.events.map((_, i) => i + 1));
    expect(finalsOf(sse.events).length).toBeGreaterThanOrEqual(1);
    await expect(create(a)).resolves.toMatchObject({ sessionId: expect.any(String) });
  });
});
