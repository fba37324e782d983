import OpenAI from 'openai';
import { toEngineError } from './openai.engine';

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
