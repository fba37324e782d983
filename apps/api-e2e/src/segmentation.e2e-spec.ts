import { FakeOpenAiServer, wordErrorRate } from '@whisperstream/fake-openai';
import { RunningServer, startServer } from '@whisperstream/server-harness';
import type { FinalEventData } from '@whisperstream/shared-types';
import { ApiClient, SseClient, WebRtcStreamer } from '@whisperstream/webrtc-client';
import { clip, opusFrames } from './support/fixtures';

const API_KEY = 'sk-test-vad';
/** Utterance boundaries against the manifest's clip times: the clips carry up to ~0.5 s of their own silence, plus pre-roll. */
const BOUNDARY_SLACK_MS = 700;

/** `SEGMENTATION=vad` through the live path: cuts at pauses, sends no noise. */
describe('voice activity segmentation, live', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;
  let api: ApiClient;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'auto' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      SEGMENTATION: 'vad',
    });
    api = new ApiClient(server.baseUrl);
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  async function run(
    file: string,
  ): Promise<{ finals: FinalEventData[]; requests: typeof fake.requests }> {
    const before = fake.requests.length;
    const created = await api.createSession({ language: 'en' });
    if (!created.ok) throw new Error(created.text);
    const { sessionId, token } = created.data;
    const sse = await SseClient.connect(server.baseUrl, sessionId, token);
    const streamer = new WebRtcStreamer({ baseUrl: server.baseUrl, session: created.data });
    await streamer.connect();
    await streamer.stream(opusFrames(file));
    await api.deleteSession(sessionId, token);
    await sse.waitForType('end', 30_000);
    await streamer.close();
    sse.close();
    return {
      finals: sse.events.flatMap((e) => (e.type === 'final' ? [e.data] : [])),
      requests: fake.requests.slice(before),
    };
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
});
