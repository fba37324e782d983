import { Injectable } from '@nestjs/common';
import type { TranscriptEvent } from '@whisperstream/shared-types';
import { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import type { TranscriptChannel } from '../transcript-bus/transcript-bus';

/** One SSE frame: `id`, `event` and a single-line JSON `data`. */
export function toSseFrame(event: TranscriptEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

export const KEEP_ALIVE_FRAME = ': keep-alive\n\n';

@Injectable()
export class TranscriptsService {
  constructor(private readonly config: AppConfig) {}

  /**
   * The text of a session's SSE stream: a `retry` hint, the events after `lastEventId`
   * (replayed, then live), and a keep-alive comment every SSE_KEEPALIVE_MS until `end`.
   */
  sse$(session: { readonly stream: TranscriptChannel }, lastEventId: number): Observable<string> {
    return new Observable<string>((subscriber) => {
      subscriber.next('retry: 2000\n\n');
      const keepAlive = setInterval(
        () => subscriber.next(KEEP_ALIVE_FRAME),
        this.config.SSE_KEEPALIVE_MS,
      );
      const events = session.stream.events$(lastEventId).subscribe({
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
}
