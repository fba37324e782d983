import type { Response } from 'express';
import type { EngineWorkerService } from '../cluster/engine-queue/engine-worker.service';
import type { SessionService } from '../sessions/sessions.service';
import type { TranscriptionService } from '../transcription/transcription.service';
import { HealthController } from './health.controller';

function response(): Response & { statusCode: number } {
  const res = { statusCode: 0, status: (code: number) => ((res.statusCode = code), res) };
  return res as unknown as Response & { statusCode: number };
}

const engine = { id: 'openai', model: 'whisper-1' };

describe(HealthController.name, () => {
  it('an API node is ready with an engine and sessions admitted, and counts its sessions', () => {
    const sut = new HealthController(
      { notReadyReason: undefined, engineInfo: engine } as TranscriptionService,
      { admitting: true, openCount: 2 } as SessionService,
    );
    const res = response();
    expect(sut.readyz(res)).toEqual({ status: 'ready', engine, sessions: 2 });
    expect(res.statusCode).toBe(200);
  });

  it('an API node in cluster mode is not ready while no engine worker is alive', () => {
    const reason = 'no engine worker is alive: start one';
    const sut = new HealthController(
      { notReadyReason: reason, engineInfo: null } as TranscriptionService,
      { admitting: true, openCount: 0 } as SessionService,
    );
    const res = response();
    expect(sut.readyz(res)).toEqual({ status: 'not-ready', engine: null, reason, sessions: 0 });
    expect(res.statusCode).toBe(503);
  });

  it('an engine worker process answers for its worker: its engine, or why it takes no jobs', () => {
    const ready = new HealthController(undefined, undefined, {
      notReadyReason: undefined,
      engineInfo: engine,
    } as EngineWorkerService);
    expect(ready.readyz(response())).toEqual({ status: 'ready', engine });
    const reason = 'Redis (REDIS_URL) cannot be reached: the engine worker takes no jobs';
    const down = new HealthController(undefined, undefined, {
      notReadyReason: reason,
      engineInfo: engine,
    } as EngineWorkerService);
    const res = response();
    expect(down.readyz(res)).toEqual({ status: 'not-ready', engine, reason });
    expect(res.statusCode).toBe(503);
  });
});
