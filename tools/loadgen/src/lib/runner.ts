import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '@whisperstream/webrtc-client';
import { rampOffsetMs } from './clip';
import { installWeriftPatches } from '@whisperstream/werift-patches';
import { runSession } from './session';
import type { LoadOptions, ProgressEvent, SessionOutcome } from './types';

export interface ShareRunOptions {
  options: LoadOptions;
  worker: number;
  program: Buffer[];
  indices: number[];
  /** `Date.now()` at which session 0 starts. */
  startAt: number;
  stop: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  onOutcome?: (outcome: SessionOutcome) => void;
}

/** Runs a share of the sessions in this process, each at its place on the ramp. */
export async function runShare(run: ShareRunOptions): Promise<SessionOutcome[]> {
  const { options } = run;
  installWeriftPatches();
  // Every session listens on the one stop signal (in sleep and in stream).
  setMaxListeners(0, run.stop);
  const api = new ApiClient(options.url);
  const outcomes = await Promise.all(
    run.indices.map(async (index) => {
      const due = run.startAt + rampOffsetMs(index, options.ramp);
      const wait = due - Date.now();
      if (wait > 0) {
        await sleep(wait, undefined, { signal: run.stop }).catch(() => undefined);
      }
      const outcome = await runSession({
        baseUrl: options.url,
        index,
        worker: run.worker,
        program: run.program,
        stop: run.stop,
        connectTimeoutMs: options.connectTimeoutMs ?? 20_000,
        endTimeoutMs: options.endTimeoutMs ?? 20_000,
        language: options.language ?? 'en',
        candidateShape: options.candidateShape,
        gatherBeforeOffer: options.gatherBeforeOffer,
        api,
        onProgress: run.onProgress,
      });
      run.onOutcome?.(outcome);
      return outcome;
    }),
  );
  return outcomes.sort((a, b) => a.index - b.index);
}
