import { FakeOpenAiServer, wordErrorRate } from '@whisperstream/fake-openai';
import { RunningServer, startServer } from '@whisperstream/server-harness';
import type { FinalEventData } from '@whisperstream/shared-types';
import { clip } from './support/fixtures';
import { transcriptionMetrics } from './support/metrics';
import { runClip } from './support/run-clip';

const API_KEY = 'sk-test-vad';
/** Utterance boundaries against the manifest's clip times: the clips carry up to ~0.5 s of their own silence, plus pre-roll. */
const BOUNDARY_SLACK_MS = 700;

/** `SEGMENTATION=vad` through the live path: cuts at pauses, sends no noise. */
describe('voice activity segmentation, live', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'auto' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      SEGMENTATION: 'vad',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  async function run(
    file: string,
  ): Promise<{ finals: FinalEventData[]; requests: typeof fake.requests }> {
    const before = fake.requests.length;
    const { finals } = await runClip(server, file);
    return { finals, requests: fake.requests.slice(before) };
  }

  it('cuts conversation.wav into its three utterances', async () => {
    const conversation = clip('conversation.wav');
    const { finals, requests } = await run(conversation.file);
    const expected = conversation.utterances ?? [];
    expect(finals).toHaveLength(expected.length);
    finals.forEach((final, i) => {
      expect(Math.abs(final.startMs - expected[i].startSec * 1000)).toBeLessThan(BOUNDARY_SLACK_MS);
      expect(Math.abs(final.endMs - expected[i].endSec * 1000)).toBeLessThan(BOUNDARY_SLACK_MS);
    });
    const sentMs = requests.reduce((ms, r) => ms + (r.wav?.durationMs ?? 0), 0);
    const speechMs = expected.reduce((ms, u) => ms + (u.endSec - u.startSec) * 1000, 0);
    const wer =
      fake.recognizer === 'pocketsphinx'
        ? wordErrorRate(conversation.text, finals.map((f) => f.text).join(' '))
        : null;
    process.stdout.write(
      `vad live ${JSON.stringify({ segments: finals.length, sentMs, speechMs, wer, cuts: finals.map((f) => [f.startMs, f.endMs]) })}\n`,
    );
    expect(sentMs).toBeLessThan(speechMs * 1.15);
  });

  it('sends nothing for noise', async () => {
    const { finals, requests } = await run('noise.wav');
    expect(finals).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('drops phantom phrases and segments the engine scored as no speech', async () => {
    fake.script(
      { reply: 'Thanks for watching!' },
      { reply: 'Subtitles by the Amara.org community', noSpeech: true },
    );
    const { finals } = await run('conversation.wav');
    expect(finals.map((f) => f.text).slice(0, 2)).toEqual(['', '']);
    expect(finals[2].text).not.toBe('');
    const metrics = await transcriptionMetrics(server.baseUrl);
    expect(metrics.guard.phantom).toBeGreaterThanOrEqual(1);
    expect(metrics.guard.noSpeech).toBeGreaterThanOrEqual(1);
  });
});

/** Partials with an engine that answers at once, so revisions come at the set pace. */
describe('partial results, live', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      PARTIALS: 'on',
      PARTIAL_INTERVAL_MS: '500',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  it('revises the growing utterance, then replaces it with the final, and measures it', async () => {
    const { events, finals, partials } = await runClip(server, 'librivox-0870.wav');
    expect(finals).toHaveLength(1);
    // "[N ms of audio]": each revision read more of the utterance than the one before.
    expect(partials.length).toBeGreaterThanOrEqual(3);
    const heard = partials.map((p) => Number(/\d+/.exec(p.text)?.[0]));
    expect(heard).toEqual([...heard].sort((a, b) => a - b));
    expect(partials.map((p) => p.revision)).toEqual(partials.map((_, i) => i + 1));
    expect(partials.every((p) => p.segmentId === finals[0].segmentId)).toBe(true);
    const lastPartial = events.map((e) => e.type).lastIndexOf('partial');
    expect(lastPartial).toBeLessThan(events.findIndex((e) => e.type === 'final'));

    const partialRequests = fake.requests.filter((r) => r.text !== finals[0].text);
    expect(partialRequests.length).toBeGreaterThanOrEqual(partials.length);
    const metrics = await transcriptionMetrics(server.baseUrl);
    expect(metrics).toMatchObject({ engine: 'openai', partials: true });
    expect(metrics.requests.final.count).toBe(1);
    expect(metrics.requests.partial.count).toBeGreaterThanOrEqual(partials.length);
    expect(metrics.latency['openai'].finalMs.count).toBe(1);
    expect(metrics.latency['openai'].firstPartialMs.count).toBe(1);
    // Every answered call (a partial cancelled by its final is not timed).
    const calls = metrics.requests.final.count + metrics.requests.partial.count;
    expect(metrics.latency['openai'].engineMs.count).toBeGreaterThan(partials.length);
    expect(metrics.latency['openai'].engineMs.count).toBeLessThanOrEqual(calls);
  });
});
