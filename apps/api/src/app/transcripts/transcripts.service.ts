import { Injectable } from '@nestjs/common';
import type { TranscriptEvent, TranscriptLine } from '@whisperstream/shared-types';
import { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { TranscriptBus } from '../transcript-bus/transcript-bus';

/** One SSE frame: `id`, `event` and a single-line JSON `data`. */
export function toSseFrame(event: TranscriptEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

export const KEEP_ALIVE_FRAME = ': keep-alive\n\n';

@Injectable()
export class TranscriptsService {
  constructor(
    private readonly config: AppConfig,
    private readonly bus: TranscriptBus,
  ) {}

  /**
   * The text of a session's SSE stream, read from the bus wherever the session lives: a
   * `retry` hint, the events after `lastEventId` (replayed, then live), and a keep-alive
   * comment every SSE_KEEPALIVE_MS until `end`. Errors when the events cannot be read (the
   * client reconnects with its `Last-Event-ID`).
   */
  sse$(sessionId: string, lastEventId: number): Observable<string> {
    return new Observable<string>((subscriber) => {
      subscriber.next('retry: 2000\n\n');
      const keepAlive = setInterval(
        () => subscriber.next(KEEP_ALIVE_FRAME),
        this.config.SSE_KEEPALIVE_MS,
      );
      const events = this.bus.events$(sessionId, lastEventId).subscribe({
        next: (event) => subscriber.next(toSseFrame(event)),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        clearInterval(keepAlive);
        events.unsubscribe();
      };
    });
  }

  /** The session's transcript so far, wherever the session lives. */
  lines(sessionId: string): Promise<readonly TranscriptLine[]> {
    return this.bus.lines(sessionId);
  }
}
