import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/config.schema';
import type { TranscriptionEngine } from './engine';
import { TranscriptionService } from './transcription.service';

/** The OpenAI engine is the paid one; the local engines are not. */
const engine = (id: string): TranscriptionEngine => ({
  info: { id, model: 'm' },
  paid: id === 'openai',
  transcribe: () => Promise.resolve({ text: '' }),
});

function sut(id: string | null, env: Record<string, string> = {}): TranscriptionService {
  const config = loadConfig(env) as AppConfig;
  return new TranscriptionService(
    config,
    id === null ? { engine: null, reason: 'none' } : { engine: engine(id) },
  );
}

describe(TranscriptionService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('turns partials on for local engines and off for the paid API by default', () => {
    expect(sut('sphinx').partialsEnabled).toBe(true);
    expect(sut('whisper').partialsEnabled).toBe(true);
    expect(sut('openai').partialsEnabled).toBe(false);
    expect(sut(null).partialsEnabled).toBe(false);
  });

  it('lets PARTIALS switch them either way', () => {
    expect(sut('openai', { PARTIALS: 'on' }).partialsEnabled).toBe(true);
    expect(sut('sphinx', { PARTIALS: 'off' }).partialsEnabled).toBe(false);
  });

  it('gives each session a transcriber with partials as configured', () => {
    const local = sut('sphinx', { PARTIAL_INTERVAL_MS: '700' });
    expect(local.createTranscriber('s', 'en', () => undefined).partialsEnabled).toBe(true);
    const paid = sut('openai');
    expect(paid.createTranscriber('s', 'en', () => undefined).partialsEnabled).toBe(false);
    expect(paid.metricsSnapshot()).toMatchObject({ engine: 'openai', partials: false });
  });

  it('is not ready, and refuses sessions with the reason, while its engine says it cannot work', () => {
    let reason: string | undefined = 'no engine worker is alive';
    const queued = new TranscriptionService(loadConfig({}) as AppConfig, {
      engine: engine('openai'),
      notReadyReason: () => reason,
    });
    expect(queued.notReadyReason).toBe('no engine worker is alive');
    expect(queued.engineInfo).toBeNull();
    expect(() => queued.createTranscriber('s', 'en', () => undefined)).toThrow(
      expect.objectContaining({ status: 503, code: 'no_engine', message: reason }),
    );
    reason = undefined;
    expect(queued.engineInfo).toEqual({ id: 'openai', model: 'm' });
    expect(queued.createTranscriber('s', 'en', () => undefined)).toBeDefined();
  });
});
