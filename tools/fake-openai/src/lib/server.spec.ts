import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import OpenAI, { APIConnectionError, AuthenticationError, BadRequestError, toFile } from 'openai';
import { hasPocketsphinx } from './recognizers';
import { FakeOpenAiServer } from './server';
import { buildWav } from './wav';
import { wordErrorRate } from './wer';

jest.setTimeout(15_000);

const API_KEY = 'sk-test-123';
const GOFORWARD = resolve(__dirname, '../../../../fixtures/audio/goforward.wav');
const REQUIRE_ALL = process.env['WHISPERSTREAM_REQUIRE_ALL'] === '1';
const POCKETSPHINX = hasPocketsphinx();
const SKIP_REASON =
  'SKIPPED: pocketsphinx_continuous is not on PATH (apt-get install pocketsphinx pocketsphinx-en-us); ' +
  'set WHISPERSTREAM_REQUIRE_ALL=1 to make this a failure';

function tone(ms: number, sampleRate: number, channels = 1): Int16Array {
  const frames = Math.round((ms * sampleRate) / 1000);
  return Int16Array.from({ length: frames * channels }, (_, i) =>
    Math.round(3000 * Math.sin((2 * Math.PI * 440 * Math.floor(i / channels)) / sampleRate)),
  );
}

function client(
  server: FakeOpenAiServer,
  options: Partial<{ apiKey: string; maxRetries: number; timeout: number }> = {},
) {
  return new OpenAI({
    apiKey: options.apiKey ?? API_KEY,
    baseURL: server.baseUrl,
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeout ?? 10_000,
  });
}

async function transcribe(openai: OpenAI, wav: Buffer, extra: Record<string, unknown> = {}) {
  return openai.audio.transcriptions.create({
    file: await toFile(wav, 'a.wav', { type: 'audio/wav' }),
    model: 'whisper-1',
    ...extra,
  });
}

describe('FakeOpenAiServer with the pocketsphinx recognizer', () => {
  const runs = POCKETSPHINX || REQUIRE_ALL;
  if (!runs) {
    // Say it plainly in the output as well as in the test name.
    console.warn(`fake-openai: the pocketsphinx test is ${SKIP_REASON}`);
  }
  (runs ? it : it.skip)(
    runs
      ? 'transcribes goforward.wav with pocketsphinx'
      : `transcribes goforward.wav (${SKIP_REASON})`,
    async () => {
      if (!POCKETSPHINX) {
        throw new Error('WHISPERSTREAM_REQUIRE_ALL=1 but pocketsphinx_continuous is not on PATH');
      }
      const server = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'pocketsphinx' });
      try {
        const result = await transcribe(client(server), readFileSync(GOFORWARD), {
          language: 'en',
        });
        expect(result.text.toLowerCase()).toContain('forward');
        expect(wordErrorRate('go forward ten meters', result.text)).toBeLessThanOrEqual(0.5);
        expect(server.requests).toHaveLength(1);
        expect(server.requests[0]).toMatchObject({
          authorized: true,
          model: 'whisper-1',
          language: 'en',
          status: 200,
          wav: { sampleRate: 16000, channels: 1, bitsPerSample: 16, durationMs: 2786 },
        });
      } finally {
        await server.close();
      }
    },
  );
});

describe('FakeOpenAiServer with the describe recognizer', () => {
  let server: FakeOpenAiServer;

  beforeEach(async () => {
    server = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
  });

  afterEach(async () => {
    await server.close();
  });

  it('listens on loopback and describes the audio it got', async () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(server.recognizer).toBe('describe');
    const auto = await FakeOpenAiServer.start({ apiKey: API_KEY });
    expect(auto.recognizer).toBe(POCKETSPHINX ? 'pocketsphinx' : 'describe');
    await auto.close();
    const result = await transcribe(client(server), buildWav(tone(1500, 16000), 16000));
    expect(result.text).toBe('[1500 ms of audio]');
    expect(server.requests[0]).toMatchObject({
      authorized: true,
      step: 'ok',
      status: 200,
      fileName: 'a.wav',
      wav: { sampleRate: 16000, channels: 1, bitsPerSample: 16, durationMs: 1500 },
    });
  });

  it('answers every transcription delayMs later when made slow', async () => {
    server.delayMs = 300;
    const started = Date.now();
    const result = await transcribe(client(server), buildWav(tone(500, 16000), 16000));
    expect(result.text).toBe('[500 ms of audio]');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('answers verbose_json with language and duration, and the text formats', async () => {
    const wav = buildWav(tone(2500, 16000), 16000);
    const verbose = await transcribe(client(server), wav, {
      response_format: 'verbose_json',
      language: 'en',
    });
    expect(verbose).toMatchObject({
      language: 'english',
      duration: 2.5,
      text: '[2500 ms of audio]',
    });
    const text = await transcribe(client(server), wav, { response_format: 'text' });
    expect(String(text).trim()).toBe('[2500 ms of audio]');
    const srt = await transcribe(client(server), wav, { response_format: 'srt' });
    expect(String(srt)).toContain('00:00:00,000 --> 00:00:02,500');
    expect(server.requests.map((r) => r.responseFormat)).toEqual(['verbose_json', 'text', 'srt']);
  });

  it('answers a scripted reply, as a no-speech segment when asked', async () => {
    const wav = buildWav(tone(1000, 16000), 16000);
    server.script({ reply: 'Thanks for watching!', noSpeech: true }, { reply: 'hello' });
    const verbose = await transcribe(client(server), wav, { response_format: 'verbose_json' });
    expect(verbose).toMatchObject({
      text: 'Thanks for watching!',
      segments: [{ text: 'Thanks for watching!', no_speech_prob: 0.9, avg_logprob: -1.5 }],
    });
    const plain = await transcribe(client(server), wav, {});
    expect(plain).toMatchObject({ text: 'hello' });
    expect(server.requests.map((r) => r.text)).toEqual(['Thanks for watching!', 'hello']);
  });

  it('refuses a wrong key with an OpenAI-shaped 401 (AuthenticationError) and uses no step', async () => {
    server.script({ status: 500 });
    const err = await transcribe(
      client(server, { apiKey: 'sk-wrong' }),
      buildWav(tone(500, 16000), 16000),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({
      status: 401,
      code: 'invalid_api_key',
      type: 'invalid_request_error',
    });
    expect(server.requests[0]).toMatchObject({ authorized: false, status: 401, step: null });
    expect(server.pendingSteps).toEqual([{ status: 500 }]);
  });

  it('a scripted 500 then ok: the SDK retries and succeeds; the server saw 2 requests', async () => {
    server.script({ status: 500 }, 'ok');
    const result = await transcribe(
      client(server, { maxRetries: 2 }),
      buildWav(tone(500, 16000), 16000),
    );
    expect(result.text).toBe('[500 ms of audio]');
    expect(server.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(server.requests.map((r) => r.step)).toEqual([{ status: 500 }, 'ok']);
  });

  it('a scripted 429 sends Retry-After, which the SDK honours', async () => {
    server.script({ status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await transcribe(client(server, { maxRetries: 1 }), buildWav(tone(300, 16000), 16000));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('a scripted hang keeps the request open until the client gives up; close() ends it', async () => {
    server.script('hang');
    const err = await transcribe(
      client(server, { timeout: 300 }),
      buildWav(tone(300, 16000), 16000),
    ).catch((e: unknown) => e);
    // Outside Jest this is an APIConnectionTimeoutError. Inside Jest's vm context fetch's
    // AbortError is a DOMException from another realm, which the SDK's castToError turns into a
    // plain Error, so it reports the parent class APIConnectionError ("Connection error.").
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(server.requests[0].step).toBe('hang');
    expect(server.requests[0].status).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests[0].clientAborted).toBe(true);

    // A hang the client does not abandon ends when the server closes.
    server.script('hang');
    const pending = transcribe(
      client(server, { timeout: 10_000 }),
      buildWav(tone(300, 16000), 16000),
    );
    const failed = pending.catch((e: unknown) => e);
    await server.waitForRequests(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = Date.now();
    await server.close();
    expect(Date.now() - closing).toBeLessThan(1000);
    expect(await failed).toBeInstanceOf(Error);
  });

  it('answers 400 for stereo, 8 kHz, non-WAV and too-short audio, recording the WAV facts', async () => {
    const openai = client(server);
    const stereo = await transcribe(openai, buildWav(tone(500, 16000, 2), 16000, 2)).catch(
      (e: unknown) => e,
    );
    expect(stereo).toBeInstanceOf(BadRequestError);
    expect((stereo as BadRequestError).message).toMatch(/16 kHz mono.*2 channels/);
    const narrow = await transcribe(openai, buildWav(tone(500, 8000), 8000)).catch(
      (e: unknown) => e,
    );
    expect(narrow).toBeInstanceOf(BadRequestError);
    expect((narrow as BadRequestError).message).toMatch(/8000 Hz/);
    const notWav = await transcribe(openai, Buffer.from('ID3 not a wav')).catch((e: unknown) => e);
    expect(notWav).toBeInstanceOf(BadRequestError);
    const short = await transcribe(openai, buildWav(tone(50, 16000), 16000)).catch(
      (e: unknown) => e,
    );
    expect(short).toMatchObject({ status: 400, code: 'audio_too_short' });

    expect(server.requests.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    expect(server.requests[0].wav).toEqual({
      sampleRate: 16000,
      channels: 2,
      bitsPerSample: 16,
      durationMs: 500,
    });
    expect(server.requests[1].wav).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(server.requests[2].wav).toBeNull();
  });

  it('requires file and model (400) and multipart (400)', async () => {
    const url = `${server.baseUrl}/audio/transcriptions`;
    const headers = { authorization: `Bearer ${API_KEY}` };
    const noModel = new FormData();
    noModel.set('file', new Blob([buildWav(tone(500, 16000), 16000)]), 'a.wav');
    const res1 = await fetch(url, { method: 'POST', headers, body: noModel });
    expect(res1.status).toBe(400);
    expect(await res1.json()).toMatchObject({
      error: { code: 'missing_required_parameter', param: 'model', type: 'invalid_request_error' },
    });
    const noFile = new FormData();
    noFile.set('model', 'whisper-1');
    const res2 = await fetch(url, { method: 'POST', headers, body: noFile });
    expect(res2.status).toBe(400);
    expect(((await res2.json()) as { error: { param: string } }).error.param).toBe('file');
    const res3 = await fetch(url, { method: 'POST', headers, body: '{"model":"whisper-1"}' });
    expect(res3.status).toBe(400);
  });

  it('serves GET /v1/models for readiness checks', async () => {
    const models = await client(server).models.list();
    expect(models.data.map((m) => m.id)).toContain('whisper-1');
    expect(server.requests).toHaveLength(0);
  });
});

describe('wordErrorRate', () => {
  it('counts word substitutions, deletions and insertions over the reference length', () => {
    expect(wordErrorRate('go forward ten meters', 'go forward ten meters')).toBe(0);
    expect(wordErrorRate('Go forward, ten meters!', 'go FORWARD ten meters')).toBe(0);
    expect(wordErrorRate('go forward ten meters', 'go forward two meters')).toBe(0.25);
    expect(wordErrorRate('go forward ten meters', 'go ten meters')).toBe(0.25);
    expect(wordErrorRate('go forward ten meters', 'go go forward ten meters now')).toBe(0.5);
    expect(wordErrorRate('a b', 'c d e f')).toBe(2);
    expect(wordErrorRate("don't stop", 'dont stop')).toBe(0);
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'hello there')).toBe(2);
    expect(wordErrorRate('hello', '')).toBe(1);
  });
});
