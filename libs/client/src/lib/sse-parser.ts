/** One dispatched SSE message, as the spec's parser produces it (before any validation). */
export interface SseFrame {
  /** The `event:` field; `message` when absent. */
  event: string;
  /** The last event id seen so far in the stream (the spec's "last event ID buffer"). */
  id: string;
  /** `data:` lines joined with `\n`. */
  data: string;
  /** Whether this very frame carried an `id:` field. */
  hasId: boolean;
}

export interface SseParserHandlers {
  onFrame(frame: SseFrame): void;
  onComment?(text: string): void;
  onRetry?(ms: number): void;
}

/**
 * Incremental parser for `text/event-stream` (WHATWG HTML, "Server-sent events", parsing an
 * event stream): any chunking, CRLF / LF / CR line ends (a CRLF split across chunks included),
 * `:` comments, multi-line `data:`, `id:` persistence, `retry:`, and a leading BOM. Bytes are
 * decoded with a streaming TextDecoder, so a character split across chunks stays whole (in
 * browsers and in Node alike).
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private pendingCr = false;
  private first = true;
  private eventType = '';
  private data: string[] = [];
  private lastEventId = '';
  private frameHasId = false;

  constructor(private readonly handlers: SseParserHandlers) {}

  /** Feeds raw bytes (multi-byte characters may be split across chunks) or text. */
  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
      }
    }
    if (this.pendingCr && text.startsWith('\n')) {
      text = text.slice(1);
    }
    if (text.length === 0) {
      return;
    }
    this.pendingCr = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) {
        continue;
      }
      this.line(this.buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 === this.buffer.length) {
          this.pendingCr = true;
        } else if (this.buffer.charCodeAt(i + 1) === 10) {
          i++;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** The id a reconnecting client should send as `Last-Event-ID`. */
  get lastId(): string {
    return this.lastEventId;
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.handlers.onComment?.(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.lastEventId = value;
          this.frameHasId = true;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) {
          this.handlers.onRetry?.(Number(value));
        }
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    const hasData = this.data.length > 0;
    const frame: SseFrame = {
      event: this.eventType === '' ? 'message' : this.eventType,
      id: this.lastEventId,
      data: this.data.join('\n'),
      hasId: this.frameHasId,
    };
    this.eventType = '';
    this.data = [];
    this.frameHasId = false;
    if (hasData) {
      this.handlers.onFrame(frame);
    }
  }
}
