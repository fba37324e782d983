import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeWav } from '../../audio-pipeline/wav';
import { SphinxEngine, sphinxAvailability } from './sphinx.engine';

const FIXTURES = resolve(__dirname, '../../../../../../fixtures/audio');

/** The samples of a fixture (PCM16 mono 16 kHz), re-encoded as the pipeline does. */
function fixture(file: string): { wav: Buffer; durationMs: number } {
  const bytes = readFileSync(resolve(FIXTURES, file));
  let offset = 12;
  while (offset + 8 <= bytes.length && bytes.toString('ascii', offset, offset + 4) !== 'data') {
    offset += 8 + bytes.readUInt32LE(offset + 4);
  }
  const size = bytes.readUInt32LE(offset + 4);
  const samples = new Int16Array(
    bytes.buffer.slice(bytes.byteOffset + offset + 8, bytes.byteOffset + offset + 8 + size),
  );
  return { wav: encodeWav(samples, 16000), durationMs: samples.length / 16 };
}

const availability = sphinxAvailability();
if (!availability.available) {
  const why = `${availability.reason ?? 'pocketsphinx missing'}; install with \`apt-get install -y pocketsphinx pocketsphinx-en-us\``;
  if (process.env['WHISPERSTREAM_REQUIRE_ALL'] === '1')
    throw new Error(`required but missing: ${why}`);
  process.stdout.write(`SKIPPED SphinxEngine tests: ${why}\n`);
}
const describeIfSphinx = availability.available ? describe : describe.skip;

describeIfSphinx(SphinxEngine.name, () => {
  let sut: SphinxEngine;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    sut = await SphinxEngine.start();
  });
  afterAll(() => sut?.close());

  it('recognises speech with one long-lived recogniser and reports its real-time factor', async () => {
    const clip = fixture('goforward.wav');
    await sut.transcribe(clip, signal); // the model is loaded once, on the first request
    const started = performance.now();
    const result = await sut.transcribe(clip, signal);
    const rtf = (performance.now() - started) / clip.durationMs;
    expect(result.text).toBe('go forward ten meters');
    process.stdout.write(
      `sphinx real-time factor: ${rtf.toFixed(3)} (goforward.wav, ${clip.durationMs} ms)\n`,
    );
  });

  it('matches answers to requests when several are queued at once', async () => {
    const a = fixture('goforward.wav');
    const b = fixture('cards-005.wav');
    const results = await Promise.all([
      sut.transcribe(a, signal),
      sut.transcribe(b, signal),
      sut.transcribe(a, signal),
    ]);
    expect(results[0].text).toBe('go forward ten meters');
    expect(results[2].text).toBe('go forward ten meters');
    expect(results[1].text).toContain('spades');
  });

  it('decodes partials in a recogniser of their own: a final never waits behind one', async () => {
    const long = { ...fixture('librivox-0870.wav'), purpose: 'partial' as const };
    const short = fixture('goforward.wav');
    let partialDone = false;
    const partial = sut.transcribe(long, signal).then((r) => {
      partialDone = true;
      return r;
    });
    // With one recogniser the final would be decoded after the 7 s partial.
    const final = await sut.transcribe(short, signal);
    expect(final.text).toBe('go forward ten meters');
    expect(partialDone).toBe(false);
    expect((await partial).text).toContain('leisure');
  });

  it('answers an empty text for silence', async () => {
    const silence = encodeWav(new Int16Array(16000), 16000);
    expect((await sut.transcribe({ wav: silence, durationMs: 1000 }, signal)).text).toBe('');
  });

  it('refuses work beyond its queue bound as a retryable engine_busy', async () => {
    const small = await SphinxEngine.start({ maxQueue: 1 });
    try {
      const clip = fixture('goforward.wav');
      const first = small.transcribe(clip, signal);
      await expect(small.transcribe(clip, signal)).rejects.toMatchObject({
        code: 'engine_busy',
        retryable: true,
      });
      await first;
    } finally {
      await small.close();
    }
  });

  it('gives up a cancelled request and keeps serving the others', async () => {
    const controller = new AbortController();
    const clip = fixture('librivox-0870.wav');
    const cancelled = sut.transcribe(clip, controller.signal);
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'transcription_aborted' });
    expect((await sut.transcribe(fixture('goforward.wav'), signal)).text).toBe(
      'go forward ten meters',
    );
  });

  it('refuses partials too once closed', async () => {
    const engine = await SphinxEngine.start();
    await engine.close();
    await expect(
      engine.transcribe({ ...fixture('goforward.wav'), purpose: 'partial' }, signal),
    ).rejects.toMatchObject({ code: 'engine_unavailable' });
  });

  it('fails pending work when it is closed and refuses new work', async () => {
    const engine = await SphinxEngine.start();
    const pending = engine.transcribe(fixture('librivox-0870.wav'), signal);
    const failed = expect(pending).rejects.toMatchObject({ code: 'engine_unavailable' });
    await engine.close();
    await failed;
    await expect(engine.transcribe(fixture('goforward.wav'), signal)).rejects.toMatchObject({
      code: 'engine_unavailable',
    });
  });
});

describe(sphinxAvailability.name, () => {
  it('says what to install when the recogniser is missing', () => {
    expect(sphinxAvailability({ command: 'no-such-recogniser' })).toEqual({
      available: false,
      reason: expect.stringContaining('apt-get install pocketsphinx'),
    });
    expect(sphinxAvailability({ modelDir: '/nonexistent' }).reason ?? '').toMatch(
      /pocketsphinx-en-us|not installed/,
    );
  });
});
