import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import {
  describeAudio,
  hasPocketsphinx,
  recognizeWithPocketsphinx,
  resolveRecognizer,
  type RecognizerName,
} from './recognizers';
import { checkWav, inspectWav, type WavFacts } from './wav';

/**
 * What to do with the next transcription request: answer normally (`'ok'`), fail with a
 * status (429 may carry `Retry-After`), `'hang'`: never answer (the socket stays open until
 * the client gives up or the server closes), or answer `reply` as the recognised text (after the
 * usual checks of the request), as one segment that Whisper would score as no speech when
 * `noSpeech` is set (no_speech_prob 0.9, avg_logprob -1.5), as on silence.
 */
export type ScriptStep =
  | 'ok'
  | 'hang'
  | { status: number; retryAfterSeconds?: number; message?: string }
  | { reply: string; noSpeech?: boolean };

export interface FakeOpenAiOptions {
  apiKey: string;
  /** Default `'auto'`: pocketsphinx when `pocketsphinx_continuous` is on PATH, else describe. */
  recognizer?: RecognizerName;
  /** A slow engine: every transcription is answered this much later (default 0). */
  delayMs?: number;
}

/** One `POST /v1/audio/transcriptions` the server received. */
export interface TranscriptionRequestRecord {
  /** `Date.now()` when the request arrived. */
  time: number;
  /** Whether `Authorization: Bearer <apiKey>` was right. */
  authorized: boolean;
  model?: string;
  language?: string;
  responseFormat?: string;
  prompt?: string;
  fileName?: string;
  fileBytes?: number;
  /** What the uploaded file's WAV header says (null when it is not a WAV file). */
  wav: Pick<WavFacts, 'sampleRate' | 'channels' | 'bitsPerSample' | 'durationMs'> | null;
  /** The scripted step this request used (null for a 401, which uses none). */
  step: ScriptStep | null;
  /** The status answered; undefined while unanswered (hanging). */
  status?: number;
  /** The text answered (status 200). */
  text?: string;
  /** The error message answered. */
  error?: string;
  /** The client closed the connection before an answer (e.g. after a hang). */
  clientAborted: boolean;
}

const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
const RESPONSE_FORMATS = ['json', 'text', 'verbose_json', 'srt', 'vtt'];
const LANGUAGE_NAMES: Record<string, string> = {
  en: 'english',
  de: 'german',
  fr: 'french',
  es: 'spanish',
  it: 'italian',
};

interface OpenAiError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAiError,
  ) {
    super(body.message);
  }
}

/**
 * An OpenAI-compatible transcription server for tests, on 127.0.0.1 and a free port:
 * `POST /v1/audio/transcriptions` (and `GET /v1/models`). Point the `openai` SDK's `baseURL`
 * at `baseUrl`.
 */
export class FakeOpenAiServer {
  /** Every transcription request, in arrival order. */
  readonly requests: TranscriptionRequestRecord[] = [];
  /** The recognizer actually used (`auto` resolved). */
  readonly recognizer: 'pocketsphinx' | 'describe';
  /** How much later every transcription is answered (a slow engine); may be changed any time. */
  delayMs: number;
  readonly baseUrl: string;
  readonly port: number;

  private readonly steps: ScriptStep[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<http.ServerResponse>();
  private readonly waiters = new Set<() => void>();
  private closePromise: Promise<void> | null = null;

  private constructor(
    private readonly server: http.Server,
    private readonly options: FakeOpenAiOptions,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.baseUrl = `http://127.0.0.1:${this.port}/v1`;
    this.recognizer = resolveRecognizer(options.recognizer ?? 'auto');
    this.delayMs = options.delayMs ?? 0;
  }

  static async start(options: FakeOpenAiOptions): Promise<FakeOpenAiServer> {
    if (!options.apiKey) {
      throw new Error('FakeOpenAiServer needs an apiKey');
    }
    if (options.recognizer === 'pocketsphinx' && !hasPocketsphinx()) {
      throw new Error(
        'recognizer "pocketsphinx" asked for, but pocketsphinx_continuous is not on PATH',
      );
    }
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new FakeOpenAiServer(server, options);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.once('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => fake.onRequest(req, res));
    return fake;
  }

  /** Queues steps; each applies to the next authorized transcription request, in order. */
  script(...steps: ScriptStep[]): this {
    this.steps.push(...steps);
    return this;
  }

  /** Steps not used yet. */
  get pendingSteps(): readonly ScriptStep[] {
    return this.steps;
  }

  /** Resolves once at least `count` transcription requests have arrived. */
  waitForRequests(count: number, timeoutMs = 5_000): Promise<TranscriptionRequestRecord[]> {
    if (this.requests.length >= count) {
      return Promise.resolve(this.requests);
    }
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.requests.length >= count) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(this.requests);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.requests.length} of ${count} requests after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Stops listening and destroys every connection, hanging ones included. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const res of this.hanging) {
        res.destroy();
      }
      this.hanging.clear();
      this.server.closeAllConnections();
      for (const socket of this.sockets) {
        socket.destroy();
      }
    });
    return this.closePromise;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    const authorized = req.headers.authorization === `Bearer ${this.options.apiKey}`;
    if (path === '/v1/audio/transcriptions' && req.method === 'POST') {
      const record: TranscriptionRequestRecord = {
        time: Date.now(),
        authorized,
        wav: null,
        step: null,
        clientAborted: false,
      };
      this.requests.push(record);
      for (const waiter of [...this.waiters]) {
        waiter();
      }
      res.once('close', () => {
        if (!res.writableFinished && !this.closePromise) {
          record.clientAborted = true;
          this.hanging.delete(res);
        }
      });
      this.transcribe(req, res, record).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const body =
          err instanceof HttpError
            ? err.body
            : oaiError(`fake server failure: ${(err as Error).message}`, 'server_error', null);
        record.error = body.message;
        this.answer(res, record, status, { error: body });
      });
      return;
    }
    req.resume();
    if (!authorized) {
      this.answer(res, null, 401, { error: invalidKey() });
    } else if (path === '/v1/models' && req.method === 'GET') {
      this.answer(res, null, 200, {
        object: 'list',
        data: [
          { id: 'whisper-1', object: 'model', created: 1677532384, owned_by: 'openai-internal' },
        ],
      });
    } else {
      this.answer(res, null, 404, {
        error: oaiError(
          `Unknown request URL: ${req.method} ${path}`,
          'invalid_request_error',
          'unknown_url',
        ),
      });
    }
  }

  private async transcribe(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: TranscriptionRequestRecord,
  ): Promise<void> {
    if (!record.authorized) {
      req.resume();
      throw new HttpError(401, invalidKey());
    }
    record.step = this.steps.shift() ?? 'ok';
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > MAX_UPLOAD_BYTES) {
      req.resume();
      throw new HttpError(
        413,
        oaiError(
          `Maximum content size limit (${MAX_UPLOAD_BYTES}) exceeded.`,
          'invalid_request_error',
          null,
        ),
      );
    }
    const form = await readForm(req);
    const file = form.get('file');
    const model = form.get('model');
    record.model = typeof model === 'string' ? model : undefined;
    record.language = stringField(form, 'language');
    record.responseFormat = stringField(form, 'response_format');
    record.prompt = stringField(form, 'prompt');
    let wav: Buffer | null = null;
    if (file !== null && typeof file !== 'string') {
      wav = Buffer.from(await file.arrayBuffer());
      record.fileName = file.name;
      record.fileBytes = wav.length;
      const facts = inspectWav(wav);
      if (typeof facts !== 'string') {
        record.wav = {
          sampleRate: facts.sampleRate,
          channels: facts.channels,
          bitsPerSample: facts.bitsPerSample,
          durationMs: facts.durationMs,
        };
      }
    }

    if (this.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    }
    const step = record.step;
    if (step === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (step !== 'ok' && 'status' in step) {
      if (step.retryAfterSeconds !== undefined) {
        res.setHeader('retry-after', String(step.retryAfterSeconds));
      }
      throw new HttpError(step.status, scriptedError(step));
    }

    if (!wav) {
      throw new HttpError(400, missing('file'));
    }
    if (!record.model) {
      throw new HttpError(400, missing('model'));
    }
    const format = record.responseFormat ?? 'json';
    if (!RESPONSE_FORMATS.includes(format)) {
      throw new HttpError(
        400,
        oaiError(
          `Invalid value: '${format}'. 'response_format' must be one of ${RESPONSE_FORMATS.join(', ')}.`,
          'invalid_request_error',
          'invalid_value',
          'response_format',
        ),
      );
    }
    const check = checkWav(wav);
    if (!check.ok) {
      throw new HttpError(
        400,
        oaiError(
          `Invalid file: ${check.reason}.`,
          'invalid_request_error',
          'invalid_value',
          'file',
        ),
      );
    }
    if (check.facts.durationMs < 100) {
      throw new HttpError(
        400,
        oaiError(
          'Audio file is too short. Minimum audio length is 0.1 seconds.',
          'invalid_request_error',
          'audio_too_short',
          'file',
        ),
      );
    }
    const scripted = typeof step === 'object' && 'reply' in step ? step : null;
    const text = scripted
      ? scripted.reply
      : this.recognizer === 'pocketsphinx'
        ? await recognizeWithPocketsphinx(wav)
        : describeAudio(check.facts);
    record.text = text;
    this.respondTranscript(
      res,
      record,
      format,
      text,
      check.facts.durationMs / 1000,
      scripted?.noSpeech ?? false,
    );
  }

  private respondTranscript(
    res: http.ServerResponse,
    record: TranscriptionRequestRecord,
    format: string,
    text: string,
    seconds: number,
    noSpeech: boolean,
  ): void {
    if (format === 'json') {
      this.answer(res, record, 200, { text });
    } else if (format === 'verbose_json') {
      const language = record.language
        ? (LANGUAGE_NAMES[record.language] ?? record.language)
        : 'english';
      this.answer(res, record, 200, {
        task: 'transcribe',
        language,
        duration: seconds,
        text,
        segments: text
          ? [
              {
                id: 0,
                seek: 0,
                start: 0,
                end: seconds,
                text,
                tokens: [],
                temperature: 0,
                avg_logprob: noSpeech ? -1.5 : -0.2,
                compression_ratio: 1,
                no_speech_prob: noSpeech ? 0.9 : 0.01,
              },
            ]
          : [],
      });
    } else {
      const cue = (sep: string) => `00:00:00${sep}000 --> ${timestamp(seconds, sep)}\n${text}\n`;
      const body =
        format === 'srt'
          ? `1\n${cue(',')}\n`
          : format === 'vtt'
            ? `WEBVTT\n\n${cue('.')}\n`
            : `${text}\n`;
      this.answer(res, record, 200, body);
    }
  }

  private answer(
    res: http.ServerResponse,
    record: TranscriptionRequestRecord | null,
    status: number,
    body: unknown,
  ): void {
    if (res.headersSent || res.destroyed) {
      return;
    }
    if (record) {
      record.status = status;
    }
    const isText = typeof body === 'string';
    res.writeHead(status, {
      'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    });
    res.end(isText ? body : JSON.stringify(body));
  }
}

async function readForm(req: http.IncomingMessage): Promise<FormData> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) {
    req.resume();
    throw new HttpError(
      400,
      oaiError(
        `Expected multipart/form-data, got '${contentType || 'nothing'}'.`,
        'invalid_request_error',
        null,
      ),
    );
  }
  try {
    const request = new Request('http://fake-openai.local/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    return await request.formData();
  } catch (err) {
    throw new HttpError(
      400,
      oaiError(
        `Could not parse multipart form: ${(err as Error).message}`,
        'invalid_request_error',
        null,
      ),
    );
  }
}

function stringField(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === 'string' ? value : undefined;
}

function oaiError(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): OpenAiError {
  return { message, type, param, code };
}

function invalidKey(): OpenAiError {
  return oaiError(
    'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    'invalid_request_error',
    'invalid_api_key',
  );
}

function missing(param: string): OpenAiError {
  return oaiError(
    `Missing required parameter: '${param}'.`,
    'invalid_request_error',
    'missing_required_parameter',
    param,
  );
}

function scriptedError(step: { status: number; message?: string }): OpenAiError {
  if (step.status === 429) {
    return oaiError(
      step.message ?? 'Rate limit reached (scripted).',
      'requests',
      'rate_limit_exceeded',
    );
  }
  if (step.status >= 500) {
    return oaiError(step.message ?? 'The server had an error (scripted).', 'server_error', null);
  }
  return oaiError(
    step.message ?? `Scripted failure ${step.status}.`,
    'invalid_request_error',
    null,
  );
}

function timestamp(seconds: number, sep: string): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
}
