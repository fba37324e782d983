import { Injectable } from '@nestjs/common';
import type { SubmittedJobCounts, WorkedJobCounts } from '@whisperstream/shared-types';
import type { EnginePurpose } from './engine-jobs';

const submitted = (): SubmittedJobCounts => ({
  added: 0,
  completed: 0,
  failed: 0,
  aborted: 0,
  stalled: 0,
  lost: 0,
  stale: 0,
});

const worked = (): WorkedJobCounts => ({
  completed: 0,
  failed: 0,
  retried: 0,
  stalled: 0,
  staleDropped: 0,
});

/** This process's counts of engine jobs, as the API side (submitted) and as a worker (worked). */
@Injectable()
export class EngineJobCounters {
  readonly submitted: Record<EnginePurpose, SubmittedJobCounts> = {
    final: submitted(),
    partial: submitted(),
  };
  readonly worked: Record<EnginePurpose, WorkedJobCounts> = { final: worked(), partial: worked() };

  snapshot(): {
    submitted: Record<EnginePurpose, SubmittedJobCounts>;
    worked: Record<EnginePurpose, WorkedJobCounts>;
  } {
    return {
      submitted: { final: { ...this.submitted.final }, partial: { ...this.submitted.partial } },
      worked: { final: { ...this.worked.final }, partial: { ...this.worked.partial } },
    };
  }
}
