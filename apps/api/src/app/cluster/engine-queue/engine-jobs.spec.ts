import { EngineError, EngineRejectedError } from '../../transcription/engine';
import {
  decodeFailure,
  encodeEngineError,
  isStale,
  PARTIAL_STALE_MS,
  stalledJobBound,
  stalledJobOptions,
  type EngineJobData,
} from './engine-jobs';
import { workerConcurrency } from './engine-worker.service';

const job = (purpose: 'final' | 'partial', enqueuedAt: number): EngineJobData => ({
  wav: '',
  durationMs: 1000,
  purpose,
  node: 'api-1',
  enqueuedAt,
});

describe('engine jobs', () => {
  it("carries an engine error's code, message and retryable through a failure reason", () => {
    const decoded = decodeFailure(encodeEngineError(new EngineRejectedError('bad audio')));
    expect(decoded).toBeInstanceOf(EngineError);
    expect(decoded).toMatchObject({
      code: 'engine_rejected',
      message: 'bad audio',
      retryable: false,
    });
  });

  it("names BullMQ's own failures: a job whose workers were lost twice, anything else", () => {
    expect(decodeFailure('job stalled more than allowable limit')).toMatchObject({
      code: 'engine_worker_lost',
      retryable: true,
    });
    expect(decodeFailure('Missing lock for job 7')).toMatchObject({
      code: 'engine_failed',
      retryable: true,
    });
    expect(decodeFailure(undefined).code).toBe('engine_failed');
  });

  it('finds a partial stale once it waited longer than its bound; a final never', () => {
    expect(isStale(job('partial', 0), PARTIAL_STALE_MS)).toBe(false);
    expect(isStale(job('partial', 0), PARTIAL_STALE_MS + 1)).toBe(true);
    expect(isStale(job('final', 0), 60_000)).toBe(false);
  });

  it('derives the stalled-job handling from ENGINE_JOB_LOCK_MS, and its bound of 1.5 locks', () => {
    expect(stalledJobOptions(10_000, 'final')).toEqual({
      lockDuration: 10_000,
      stalledInterval: 5000,
      maxStalledCount: 1,
    });
    expect(stalledJobOptions(2000, 'partial')).toEqual({
      lockDuration: 2000,
      stalledInterval: 1000,
      maxStalledCount: 0,
    });
    expect(stalledJobBound(10_000)).toBe(15_000);
    expect(stalledJobBound(2000)).toBe(3000);
  });

  it('runs one final at a time with a local engine, many (capped) with a remote one', () => {
    const engine = (paid: boolean) => ({
      info: { id: 'x', model: 'y' },
      paid,
      transcribe: () => Promise.resolve({ text: '' }),
    });
    expect(workerConcurrency(engine(false), 8)).toEqual({ final: 1, partial: 1 });
    expect(workerConcurrency(engine(true), 8)).toEqual({ final: 8, partial: 1 });
    expect(workerConcurrency(engine(true), 200)).toEqual({ final: 32, partial: 1 });
  });
});
