import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DEFAULT_BASE_URL, KNOWN_MODELS, KnownModel, modelFileName, modelUrl } from './models';
import { ProgressReporter, formatBytes, silentProgress } from './progress';

export type DownloadProblem =
  'unknown_model' | 'unreachable' | 'timeout' | 'http' | 'interrupted' | 'checksum' | 'aborted';

export class DownloadError extends Error {
  constructor(
    readonly problem: DownloadProblem,
    message: string,
    /** Whether trying again in the same run may help (a broken transfer, a 5xx). */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  /** A model name such as `base.en`. */
  name: string;
  /** Default `models`. */
  modelsDir?: string;
  /** Default whisper.cpp's Hugging Face repository. */
  baseUrl?: string;
  /** The names and checksums it may fetch. Default: `KNOWN_MODELS`. */
  models?: readonly KnownModel[];
  /** Until the server's response headers arrive, for each request. Default 15 s. */
  connectTimeoutMs?: number;
  /** Longest silence in the middle of the body. Default 30 s. */
  idleTimeoutMs?: number;
  /** Transfers per run; each one after a broken transfer resumes it. Default 3. */
  attempts?: number;
  retryDelayMs?: number;
  progress?: ProgressReporter;
  /** Stops the download; what was received stays in the `.part` file for the next run. */
  signal?: AbortSignal;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** The file was already there, with the right checksum. */
  alreadyPresent: boolean;
}

/**
 * Fetches `ggml-<name>.bin` into the models folder: into `<file>.part` first, resumed with an
 * HTTP Range request when a `.part` is already there (from a run that was cut off), checked
 * against its published SHA-1, then renamed into place. A file that fails the check is deleted.
 */
export async function downloadModel(options: DownloadOptions): Promise<DownloadResult> {
  const models = options.models ?? KNOWN_MODELS;
  const model = models.find((candidate) => candidate.name === options.name);
  if (!model) {
    throw new DownloadError(
      'unknown_model',
      `unknown model "${options.name}"; known models: ${models.map((m) => m.name).join(', ')}`,
    );
  }
  const progress = options.progress ?? silentProgress;
  const file = modelFileName(model.name);
  const dir = options.modelsDir ?? 'models';
  const path = join(dir, file);
  const part = `${path}.part`;
  await mkdir(dir, { recursive: true });

  if ((await sizeOf(path)) !== undefined) {
    if ((await sha1Of(path)) === model.sha1) {
      return { path, bytes: (await sizeOf(path)) ?? 0, alreadyPresent: true };
    }
    progress.note(`${path} is there but its checksum is wrong; downloading it again`);
  }

  const url = modelUrl(options.baseUrl ?? DEFAULT_BASE_URL, model.name);
  const attempts = Math.max(1, options.attempts ?? 3);
  for (let attempt = 1; ; attempt++) {
    try {
      await transfer(url, part, file, options, progress);
      break;
    } catch (error) {
      const failure = error instanceof DownloadError ? error : unexpected(error);
      if (!failure.retryable || attempt >= attempts) throw failure;
      const delay = options.retryDelayMs ?? 2000;
      progress.note(
        `${failure.message}; trying again in ${delay / 1000} s (${attempt + 1} of ${attempts})`,
      );
      await wait(delay, options.signal);
    }
  }

  const sha1 = await sha1Of(part);
  if (sha1 !== model.sha1) {
    await unlink(part).catch(() => undefined);
    throw new DownloadError(
      'checksum',
      `${file} came out corrupt (SHA-1 ${sha1}, expected ${model.sha1}); it was deleted: run the command again`,
    );
  }
  await rename(part, path);
  return { path, bytes: (await sizeOf(path)) ?? 0, alreadyPresent: false };
}

async function transfer(
  url: string,
  part: string,
  file: string,
  options: DownloadOptions,
  progress: ProgressReporter,
): Promise<void> {
  const host = new URL(url).host;
  let offset = (await sizeOf(part)) ?? 0;
  const controller = new AbortController();
  const onAbort = () =>
    controller.abort(
      new DownloadError('aborted', `stopped; ${part} is kept: run the command again to resume`),
    );
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  let timer = setTimeout(
    () =>
      controller.abort(
        new DownloadError(
          'timeout',
          `${host} did not answer within ${connectTimeoutMs / 1000} s: check the network connection, or set WHISPER_MODEL_BASE_URL to a mirror`,
        ),
      ),
    connectTimeoutMs,
  );
  let received = offset;
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        signal: controller.signal,
        redirect: 'follow',
      });
    } catch (error) {
      throw reasonOf(controller.signal) ?? unreachable(host, error);
    }
    clearTimeout(timer);

    if (response.status === 416 && offset > 0) {
      // Nothing after what is there: the .part is whole (or too long; the checksum will say).
      await response.body?.cancel();
      return;
    }
    if (response.status === 206) {
      const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
      if (Number(start) !== offset) {
        await response.body?.cancel();
        await unlink(part).catch(() => undefined);
        throw new DownloadError('interrupted', `${host} resumed at the wrong place`, true);
      }
    } else if (response.ok) {
      if (offset > 0) progress.note(`${host} does not resume downloads; starting ${file} over`);
      offset = 0;
      received = 0;
    } else {
      await response.body?.cancel();
      const retryable = response.status >= 500 || response.status === 429;
      throw new DownloadError('http', `${url} answered HTTP ${response.status}`, retryable);
    }

    const total = totalOf(response, offset);
    progress.start({ file, url, resumeFrom: offset, total });
    const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    const armIdle = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          controller.abort(
            new DownloadError(
              'interrupted',
              `${host} sent nothing for ${idleTimeoutMs / 1000} s`,
              true,
            ),
          ),
        idleTimeoutMs,
      );
    };
    armIdle();
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        armIdle();
        progress.update(received, total);
        callback(null, chunk);
      },
    });
    try {
      const body = response.body
        ? Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)
        : Readable.from([]);
      await pipeline(body, counter, createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' }));
    } catch (error) {
      throw reasonOf(controller.signal) ?? brokenTransfer(host, received, part, error);
    } finally {
      progress.end();
    }
    if (total !== undefined && received < total) {
      throw brokenTransfer(host, received, part, new Error('the body ended early'));
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** What the whole file measures, from a 200's Content-Length or a 206's Content-Range. */
function totalOf(response: Response, offset: number): number | undefined {
  const range = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
  if (range) return Number(range);
  const length = response.headers.get('content-length');
  return length ? offset + Number(length) : undefined;
}

function reasonOf(signal: AbortSignal): DownloadError | undefined {
  return signal.aborted && signal.reason instanceof DownloadError ? signal.reason : undefined;
}

function unreachable(host: string, error: unknown): DownloadError {
  const why = causeCode(error) ?? (error as { cause?: Error }).cause?.message;
  return new DownloadError(
    'unreachable',
    `cannot reach ${host}${why ? ` (${why})` : ''}: check the network connection, or set WHISPER_MODEL_BASE_URL to a mirror`,
  );
}

function brokenTransfer(
  host: string,
  received: number,
  part: string,
  error: unknown,
): DownloadError {
  const code = causeCode(error);
  return new DownloadError(
    'interrupted',
    `the connection to ${host} broke after ${formatBytes(received)}${code ? ` (${code})` : ''}; ${part} is kept: run the command again to resume`,
    true,
  );
}

function unexpected(error: unknown): DownloadError {
  return new DownloadError('interrupted', `the download failed: ${(error as Error).message}`);
}

/** fetch wraps the socket's error (ECONNREFUSED, ENOTFOUND, ...) as its cause. */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function sha1Of(path: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new DownloadError('aborted', 'stopped; run the command again to resume'));
      },
      { once: true },
    );
  });
}
