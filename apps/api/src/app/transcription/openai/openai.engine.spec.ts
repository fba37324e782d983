import OpenAI from 'openai';
import { fromVerbose, toEngineError } from './openai.engine';

const apiError = (status: number) =>
  OpenAI.APIError.generate(status, { error: { message: 'x' } }, 'x', new Headers());

describe(toEngineError.name, () => {
  it.each([
    [500, 'engine_unavailable', true],
    [503, 'engine_unavailable', true],
    [429, 'engine_rate_limited', true],
    [401, 'engine_auth_failed', false],
    [400, 'engine_rejected', false],
  ])('maps HTTP %i to %s (retryable: %s)', (status, code, retryable) => {
    expect(toEngineError(apiError(status))).toMatchObject({ code, retryable });
  });

  it('maps timeouts, lost connections and cancellation', () => {
    expect(toEngineError(new OpenAI.APIConnectionTimeoutError())).toMatchObject({
      code: 'engine_timeout',
      retryable: true,
    });
    expect(toEngineError(new OpenAI.APIConnectionError({ message: 'refused' }))).toMatchObject({
      code: 'engine_unavailable',
      retryable: true,
    });
    expect(toEngineError(new OpenAI.APIUserAbortError())).toMatchObject({
      code: 'transcription_aborted',
      retryable: false,
    });
    expect(toEngineError(new Error('?'))).toMatchObject({ code: 'engine_failed' });
  });
});

describe(fromVerbose.name, () => {
  const segment = (text: string, no_speech_prob: number, avg_logprob: number) => ({
    text,
    no_speech_prob,
    avg_logprob,
  });

  it('leaves out the segments Whisper scored as no speech, and says how many', () => {
    expect(
      fromVerbose({
        text: ' Go forward ten meters. Thank you.',
        language: 'english',
        segments: [
          segment(' Go forward ten meters.', 0.02, -0.3),
          segment(' Thank you.', 0.8, -1.4),
        ],
      }),
    ).toEqual({ text: 'Go forward ten meters.', language: 'english', noSpeechSegments: 1 });
  });

  it('keeps a likely-silent segment whose text Whisper was sure of (its own rule)', () => {
    expect(fromVerbose({ text: ' Yes.', segments: [segment(' Yes.', 0.9, -0.2)] })).toEqual({
      text: 'Yes.',
      language: undefined,
    });
  });

  it('takes the text as it is when there are no segments', () => {
    expect(fromVerbose({ text: ' hello ', language: 'en' })).toEqual({
      text: 'hello',
      language: 'en',
    });
  });
});
