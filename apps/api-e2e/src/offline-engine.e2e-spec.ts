import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { wordErrorRate } from '@whisperstream/fake-openai';
import { RunningServer, startServer, WORKSPACE } from '@whisperstream/server-harness';
import { ApiClient } from '@whisperstream/webrtc-client';
import { clip, requireRecognizer } from './support/fixtures';
import { runClip } from './support/run-clip';

const CLIPS = ['librivox-0870.wav', 'librivox-0880.wav', 'goforward.wav', 'cards-005.wav'];
/** Measured here: about 0.29 over these clips (pocketsphinx alone); the bound leaves room. */
const WER_BOUND = 0.4;

const haveSphinx = requireRecognizer();
const describeIfSphinx = haveSphinx ? describe : describe.skip;

/** The zero-download offline engine (Debian's pocketsphinx) through the whole live path. */
describeIfSphinx('the offline engine, live', () => {
  let server: RunningServer;
  let api: ApiClient;

  beforeAll(async () => {
    // The defaults for a local engine: VAD segmentation (one utterance per clip) and partials.
    server = await startServer({ TRANSCRIPTION_ENGINE: 'sphinx' });
    api = new ApiClient(server.baseUrl);
  });
  afterAll(() => server?.stop());

  it('is announced as the engine in use, in readiness and in the session event', async () => {
    const ready = await api.readyz();
    expect(ready.data).toMatchObject({
      status: 'ready',
      engine: { id: 'sphinx', model: 'pocketsphinx-en-us' },
    });
    expect(server.logs.some((l) => l.msg === 'transcription engine chosen')).toBe(true);
  });

  it('transcribes the human speech fixtures through WebRTC in and SSE out', async () => {
    const results: Array<{ file: string; wer: number; text: string; latencyMs: number }> = [];
    let longest: Awaited<ReturnType<typeof runClip>> | undefined;
    for (const file of CLIPS) {
      const run = await runClip(server, file);
      if (file === 'librivox-0870.wav') longest = run;
      expect(run.events.find((e) => e.type === 'session')?.data).toMatchObject({
        engine: { id: 'sphinx' },
      });
      const { finals } = run;
      expect(finals.every((f) => f.engine === 'sphinx')).toBe(true);
      const text = finals.map((f) => f.text).join(' ');
      results.push({
        file,
        wer: wordErrorRate(clip(file).text, text),
        text,
        latencyMs: Math.max(...finals.map((f) => f.latencyMs)),
      });
    }

    // A local engine shows words while the person speaks: partials of the 7 s clip, revised,
    // then replaced by the final; none comes after the final of its segment.
    const events = longest?.events ?? [];
    const partials = longest?.partials ?? [];
    expect(partials.length).toBeGreaterThanOrEqual(1);
    for (const [i, p] of partials.entries()) {
      const earlier = partials.slice(0, i).filter((q) => q.segmentId === p.segmentId);
      expect(earlier.every((q) => q.revision < p.revision)).toBe(true);
      const partialAt = events.findIndex((e) => e.type === 'partial' && e.data === p);
      const finalAt = events.findIndex(
        (e) => e.type === 'final' && e.data.segmentId === p.segmentId,
      );
      expect(partialAt).toBeLessThan(finalAt);
    }

    const words = CLIPS.map((f) => clip(f).text.split(' ').length);
    const overall =
      results.reduce((sum, r, i) => sum + r.wer * words[i], 0) / words.reduce((a, b) => a + b, 0);
    const report = { engine: 'sphinx', overallWer: Number(overall.toFixed(3)), clips: results };
    process.stdout.write(`offline engine WER ${JSON.stringify(report)}\n`);
    mkdirSync(resolve(WORKSPACE, 'dist/api-e2e'), { recursive: true });
    writeFileSync(
      resolve(WORKSPACE, 'dist/api-e2e/offline-engine-wer.json'),
      JSON.stringify(report, null, 2),
    );
    expect(overall).toBeLessThan(WER_BOUND);
    expect(results.find((r) => r.file === 'goforward.wav')?.text).toBe('go forward ten meters');
  });
});
