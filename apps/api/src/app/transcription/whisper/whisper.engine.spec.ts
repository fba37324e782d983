import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { TranscriptionRequest } from '../engine';
import { encodeWav } from '../../audio-pipeline/wav';
import { tinyModelBytes } from './testing/ggml-tiny';
import { WhisperEngine, WhisperModelError } from './whisper.engine';
import { rejection } from './testing/rejection';

const FIXTURE = join(__dirname, '../../../../../../fixtures/audio/goforward.wav');

// Real inference, a fraction of a second each, on a 2-core machine that other suites share.
jest.setTimeout(60_000);

/** Collects what the engine logs. */
class FakeLogger {
  readonly warnings: string[] = [];
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

/**
 * These tests run the real binding and whisper.cpp on a tiny model with random weights,
 * generated per run: what it says is noise, how it gets there is the real code path.
 */
describe(WhisperEngine.name, () => {
  let dir: string;
  let modelPath: string;
  let model: Buffer;
  let request: TranscriptionRequest;
  let logger: FakeLogger;
  let sut: WhisperEngine;
  const never = new AbortController().signal;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'whisper-engine-'));
    modelPath = join(dir, 'ggml-tiny-random.en.bin');
    model = tinyModelBytes();
    await writeFile(modelPath, model);
    const wav = await readFile(FIXTURE);
    request = { wav, durationMs: 2786 };
    // One engine for the tests that leave it open (whisper.cpp logs each load to stderr).
    logger = new FakeLogger();
    sut = await WhisperEngine.load({ modelPath, threads: 2, maxQueue: 1, logger });
  });

  afterAll(async () => {
    await sut.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('names itself after the model file', () => {
    expect(sut.info).toEqual({ id: 'whisper', model: 'tiny-random.en' });
    expect(sut.model.multilingual).toBe(false);
  });

  it('transcribes a WAV through whisper.cpp and returns trimmed text', async () => {
    const result = await sut.transcribe(request, never);

    // Random weights say a made-up word, with whisper's leading space.
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.text).toBe(result.text.trim());
    expect(result.language).toBe('en');
    expect(logger.warnings).toEqual([]);
  });

  it('keeps the event loop turning while whisper.cpp runs', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    let ticksWhileRunning = 0;
    let running = true;
    const interval = setInterval(() => {
      if (running) ticksWhileRunning++;
    }, 1);
    delay.enable();

    // Were inference on this thread, the promise would settle (microtasks) before any timer.
    await sut.transcribe(request, never).finally(() => (running = false));

    clearInterval(interval);
    delay.disable();
    expect(ticksWhileRunning).toBeGreaterThan(0);
    expect(delay.count).toBeGreaterThan(0);
  });

  it('refuses work past its queue with a retryable engine_busy', async () => {
    const admitted = [sut.transcribe(request, never), sut.transcribe(request, never)];

    const error = await rejection(sut.transcribe(request, never));

    expect(error.code).toBe('engine_busy');
    expect(error.retryable).toBe(true);
    await Promise.all(admitted);
  });

  it('drops a queued request when its signal aborts and goes on with the rest', async () => {
    const controller = new AbortController();
    const first = sut.transcribe(request, never);
    const second = sut.transcribe(request, controller.signal);
    expect(sut.queued).toBe(1);

    controller.abort();

    expect((await rejection(second)).code).toBe('transcription_aborted');
    expect(sut.queued).toBe(0);
    await expect(first).resolves.toHaveProperty('text');
    await expect(sut.transcribe(request, never)).resolves.toHaveProperty('text');
  });

  it('answers an aborted running request at once and lets whisper.cpp finish it', async () => {
    const controller = new AbortController();
    const first = sut.transcribe(request, controller.signal);
    const second = sut.transcribe(request, never);

    controller.abort();

    expect((await rejection(first)).code).toBe('transcription_aborted');
    await expect(second).resolves.toHaveProperty('text');
  });

  it('refuses a language an English-only model cannot transcribe', async () => {
    const error = await rejection(sut.transcribe({ ...request, language: 'de' }, never));

    expect(error.code).toBe('engine_rejected');
    expect(error.message).toMatch(/only transcribes English/);
  });

  it('refuses a language whisper does not know', async () => {
    const error = await rejection(sut.transcribe({ ...request, language: 'xx' }, never));

    expect(error.code).toBe('engine_rejected');
  });

  it('refuses audio that is not 16 kHz mono PCM16', async () => {
    const wav = encodeWav(new Int16Array(8000), 8000);

    const error = await rejection(sut.transcribe({ wav, durationMs: 1000 }, never));

    expect(error.code).toBe('engine_rejected');
    expect(error.message).toMatch(/8000 Hz/);
  });

  it('returns empty text for an utterance too short to transcribe', async () => {
    // Asked, the binding would answer with the previous request's text.
    const wav = encodeWav(new Int16Array(800), 16_000);

    await expect(sut.transcribe({ wav, durationMs: 50 }, never)).resolves.toEqual({
      text: '',
      language: 'en',
    });
  });

  it('fails what is queued when closed, frees the model once the running request ends, then refuses work', async () => {
    const engine = await WhisperEngine.load({ modelPath, maxQueue: 1, logger });
    const running = engine.transcribe(request, never);
    const queued = engine.transcribe(request, never);

    const closed = engine.close();

    expect((await rejection(running)).code).toBe('engine_unavailable');
    expect((await rejection(queued)).code).toBe('engine_unavailable');
    await closed;
    await engine.close();
    expect((await rejection(engine.transcribe(request, never))).message).toMatch(/shut down/);
  });

  describe('load', () => {
    it('loads a multilingual model and says it transcribes English when no language is given', async () => {
      const path = join(dir, 'ggml-multi.bin');
      await writeFile(path, tinyModelBytes({ nVocab: 51865 }));
      const warnings = new FakeLogger();
      const multi = await WhisperEngine.load({ modelPath: path, logger: warnings });
      try {
        expect(multi.model.multilingual).toBe(true);
        expect(warnings.warnings).toEqual([expect.stringMatching(/cannot detect the language/)]);
        await expect(multi.transcribe({ ...request, language: 'de' }, never)).resolves.toEqual({
          text: expect.any(String),
          language: 'de',
        });
        await expect(multi.transcribe(request, never)).resolves.toMatchObject({ language: 'en' });
      } finally {
        await multi.close();
      }
    });

    it('fails with WhisperModelError when the file is missing', async () => {
      await expect(WhisperEngine.load({ modelPath: join(dir, 'nope.bin') })).rejects.toThrow(
        WhisperModelError,
      );
    });

    it('checks a truncated model before whisper.cpp sees it', async () => {
      const path = join(dir, 'ggml-cut.bin');
      await writeFile(path, model.subarray(0, model.length / 2));

      const error = await WhisperEngine.load({ modelPath: path }).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(WhisperModelError);
      expect((error as WhisperModelError).problem).toBe('truncated');
      expect((error as Error).message).toMatch(/is truncated.*download it again/);
    });

    it('fails with WhisperModelError for a file that is not a model', async () => {
      const path = join(dir, 'not-a-model.bin');
      await writeFile(path, 'hello');

      await expect(WhisperEngine.load({ modelPath: path })).rejects.toMatchObject({
        name: 'WhisperModelError',
        problem: 'not_a_model',
      });
    });
  });
});
