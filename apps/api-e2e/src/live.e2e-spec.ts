import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeOpenAiServer, wordErrorRate } from '@whisperstream/fake-openai';
import { RunningServer, startServer, WORKSPACE } from '@whisperstream/server-harness';
import type { FinalEventData, TranscriptJson } from '@whisperstream/shared-types';
import { ApiClient, SseClient, WebRtcStreamer } from '@whisperstream/webrtc-client';
import { clip, cpuSeconds, opusFrames, requireRecognizer, rssMiB } from './support/fixtures';

const API_KEY = 'sk-test-live';
const MODEL = 'whisper-e2e';
/** The clips carry up to ~0.5 s of their own silence at each end, plus pre-roll and trail. */
const BOUNDARY_SLACK_MS = 700;
/** VAD_PAUSE_MS's default: the pause that ends an utterance. */
const VAD_PAUSE_MS = 500;

describe('a live session, end to end', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;
  let api: ApiClient;
  const recognizer = requireRecognizer();

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'auto' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_TRANSCRIPTION_MODEL: MODEL,
      TRANSCRIPTION_LANGUAGE: 'en',
    });
    api = new ApiClient(server.baseUrl);
  });

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  it('streams speech over WebRTC and gets the transcript back over SSE, in order, then end', async () => {
    const conversation = clip('conversation.wav');
    const frames = opusFrames(conversation.file);
    const startMark = performance.now();
    const created = await api.createSession({ language: 'en' });
    if (!created.ok) throw new Error(`create failed: ${created.status} ${created.text}`);
    const { sessionId, token } = created.data;
    expect(Buffer.from(sessionId, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(token).not.toEqual(sessionId);

    const sse = await SseClient.connect(server.baseUrl, sessionId, token);
    expect(sse.ok).toBe(true);
    await sse.waitFor((e) => e.type === 'session' && e.data.state === 'waiting-for-media', 5000);

    const streamer = new WebRtcStreamer({
      baseUrl: server.baseUrl,
      session: created.data,
      startMark,
    });
    const cpuBefore = cpuSeconds(server.process.pid as number);
    const timings = await streamer.connect();
    await sse.waitFor((e) => e.type === 'session' && e.data.state === 'live', 10_000);

    const wallBefore = performance.now();
    const sent = await streamer.stream(frames, { realtime: true });
    const wallSeconds = (performance.now() - wallBefore) / 1000;
    const cpuDuring = cpuSeconds(server.process.pid as number) - cpuBefore;
    const rss = rssMiB(server.process.pid as number);
    expect(sent.packetsSent).toBe(frames.length);

    // Everything but the tail is transcribed while streaming; the tail is flushed by DELETE.
    const deleted = await api.deleteSession(sessionId, token);
    expect(deleted.status).toBe(204);
    await sse.waitForType('end', 60_000);
    await streamer.close();

    const types = sse.events.map((e) => e.type);
    expect(types[0]).toBe('session');
    expect(types[types.length - 1]).toBe('end');
    expect(sse.events.map((e) => e.id)).toEqual(sse.events.map((_, i) => i + 1));
    expect(sse.violations).toEqual([]);
    const states = sse.events.flatMap((e) => (e.type === 'session' ? [e.data.state] : []));
    expect(states).toEqual(['waiting-for-media', 'live', 'closing', 'closed']);
    expect(sse.events.every((e) => e.type !== 'session' || e.data.engine.model === MODEL)).toBe(
      true,
    );

    // The default segmentation (vad) cuts at the pauses: one final per utterance.
    const utterances = conversation.utterances ?? [];
    const finals = sse.events.flatMap((e) => (e.type === 'final' ? [e.data] : []));
    expect(finals).toHaveLength(utterances.length);
    for (const [i, f] of finals.entries()) {
      expect(f.segmentId).toBe(i);
      expect(f.engine).toBe('openai');
      expect(Math.abs(f.startMs - utterances[i].startSec * 1000)).toBeLessThan(BOUNDARY_SLACK_MS);
      expect(Math.abs(f.endMs - utterances[i].endSec * 1000)).toBeLessThan(BOUNDARY_SLACK_MS);
      // From the end of the speech: the pause that ended the utterance is part of it.
      expect(f.latencyMs).toBeGreaterThanOrEqual(VAD_PAUSE_MS - 100);
      expect(f.latencyMs).toBeLessThan(30_000);
    }
    // A paid engine gets no partials unless they are asked for.
    expect(types).not.toContain('partial');

    // What the engine received: real 16 kHz mono WAVs, the model, the language, our key.
    expect(fake.requests).toHaveLength(finals.length);
    for (const request of fake.requests) {
      expect(request).toMatchObject({
        authorized: true,
        model: MODEL,
        language: 'en',
        // A Whisper model is asked for segments with their no-speech scores.
        responseFormat: 'verbose_json',
        status: 200,
      });
      expect(request.wav).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    }
    // Speech only: the silences between the utterances are not sent.
    const speechMs = utterances.reduce((ms, u) => ms + (u.endSec - u.startSec) * 1000, 0);
    const audioSent = fake.requests.reduce((ms, r) => ms + (r.wav?.durationMs ?? 0), 0);
    expect(audioSent).toBeGreaterThan(speechMs * 0.8);
    expect(audioSent).toBeLessThan(speechMs + 1000);

    const text = finals.map((f) => f.text).join(' ');
    let wer: number | null = null;
    if (recognizer) {
      wer = wordErrorRate(conversation.text, text);
      // Pocketsphinx alone scores about 0.3 on these clips.
      expect(wer).toBeLessThan(0.6);
    }

    // Transcript export in the four formats agrees with the finals.
    const json = await api.getTranscript(sessionId, token, 'json', 'bearer');
    if (!json.ok) throw new Error(json.text);
    const body = json.data as TranscriptJson;
    const spoken = finals.filter((f: FinalEventData) => f.text.trim() !== '');
    expect(body.lines.map((l) => l.text)).toEqual(spoken.map((f) => f.text));
    expect(body).toMatchObject({
      sessionId,
      state: 'closed',
      language: 'en',
      engine: { id: 'openai', model: MODEL },
    });
    const txt = await api.getTranscript(sessionId, token, 'txt', 'query');
    if (!txt.ok) throw new Error(txt.text);
    expect(String(txt.data).trim().split('\n')).toEqual(spoken.map((f) => f.text.trim()));
    const srt = await api.getTranscript(sessionId, token, 'srt', 'bearer');
    if (!srt.ok) throw new Error(srt.text);
    expect(String(srt.data)).toMatch(/^1\n00:00:0\d,\d{3} --> 00:00:0\d,\d{3}\n/);
    expect(String(srt.data).match(/ --> /g)).toHaveLength(spoken.length);
    const vtt = await api.getTranscript(sessionId, token, 'vtt', 'query');
    if (!vtt.ok) throw new Error(vtt.text);
    expect(String(vtt.data)).toMatch(/^WEBVTT\n\n00:00:0\d\.\d{3} --> /);

    // No token or transcript text ever reaches the logs.
    expect(server.output()).not.toContain(token);
    for (const f of finals) if (f.text.length > 12) expect(server.output()).not.toContain(f.text);

    const metrics = {
      setup: timings,
      streamSeconds: Number(wallSeconds.toFixed(2)),
      serverCpuPercentOfOneCore: Number(((cpuDuring / wallSeconds) * 100).toFixed(2)),
      serverRssMiB: Number(rss.toFixed(1)),
      finals: finals.length,
      latencyMs: finals.map((f) => f.latencyMs),
      wer,
      recognizer: fake.recognizer,
    };
    process.stdout.write(`live-session metrics ${JSON.stringify(metrics)}\n`);
    mkdirSync(resolve(WORKSPACE, 'dist/api-e2e'), { recursive: true });
    writeFileSync(
      resolve(WORKSPACE, 'dist/api-e2e/live-session.json'),
      JSON.stringify(metrics, null, 2),
    );
  });

  it('replays after Last-Event-ID with no gap and no duplicate', async () => {
    const created = await api.createSession();
    if (!created.ok) throw new Error(created.text);
    const { sessionId, token } = created.data;
    const streamer = new WebRtcStreamer({ baseUrl: server.baseUrl, session: created.data });
    await streamer.connect();
    await streamer.stream(opusFrames('goforward.wav'));
    await api.deleteSession(sessionId, token);
    const all = await SseClient.connect(server.baseUrl, sessionId, token);
    await all.waitForType('end', 30_000);
    await streamer.close();
    const cut = Math.floor(all.events.length / 2);
    const resumed = await SseClient.connect(server.baseUrl, sessionId, token, {
      lastEventId: String(cut),
    });
    await resumed.waitForType('end', 10_000);
    expect(resumed.events.map((e) => e.id)).toEqual(all.events.slice(cut).map((e) => e.id));
    expect(resumed.events).toEqual(all.events.slice(cut));
    all.close();
    resumed.close();
  });

  it('ends the session on the client’s bye and keeps the transcript readable', async () => {
    const created = await api.createSession();
    if (!created.ok) throw new Error(created.text);
    const { sessionId, token } = created.data;
    const sse = await SseClient.connect(server.baseUrl, sessionId, token);
    const streamer = new WebRtcStreamer({
      baseUrl: server.baseUrl,
      session: created.data,
      socketTiming: 'after-answer',
    });
    await streamer.connect();
    await streamer.stream(opusFrames('librivox-0880.wav'));
    expect(streamer.bye()).toBe(true);
    await sse.waitForType('end', 30_000);
    await streamer.close();
    const finals = sse.events.filter((e) => e.type === 'final');
    expect(finals.length).toBeGreaterThanOrEqual(1);
    const json = await api.getTranscript(sessionId, token, 'json', 'bearer');
    expect(json.ok && (json.data as TranscriptJson).lines.length).toBe(
      finals.filter((e) => e.type === 'final' && e.data.text.trim() !== '').length,
    );
    sse.close();
  });
});
