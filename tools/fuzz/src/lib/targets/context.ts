import type { Budget, TargetTally } from '../findings';
import type { ServerUnderTest } from '../server';

/** Real Opus frames the live targets send. */
export interface AudioFrames {
  /** Speech for a live session under fire (its finals are compared with a clean run). */
  long: Buffer[];
  /** Short speech: the valid audio after hostile RTP that must still be transcribed. */
  short: Buffer[];
  /** One 20 ms frame of silence. */
  silence: Buffer;
}

export interface TargetContext {
  sut: ServerUnderTest;
  seed: number;
  budget: Budget;
  tally: TargetTally;
  log: (text: string) => void;
  /** A UDP port on 127.0.0.1 the fuzzer owns: valid candidates point here, never elsewhere. */
  sinkPort: number;
  audio: AudioFrames;
  /** Datagrams a second at the ICE port (UDP target). */
  udpRate: number;
  /** Offers accepted with 200 that are then tried with a real peer (SDP target). */
  connectChecks: number;
  /**
   * After a case: when the server process died, records a crash with the case and starts a new
   * server; false then (the caller drops whatever it held on the old one).
   */
  checkAlive(caseIndex: number, input: string, raw?: string): Promise<boolean>;
}

/** A sliding-window pacer: at most `limit` sends in any `windowMs` (the socket's rate limit). */
export class RateWindow {
  readonly #sent: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async take(count = 1): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.#sent.length > 0 && now - this.#sent[0] >= this.windowMs) this.#sent.shift();
      if (this.#sent.length + count <= this.limit) {
        for (let i = 0; i < count; i++) this.#sent.push(now);
        return;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(1, this.windowMs - (now - this.#sent[0]))),
      );
    }
  }
}

/** Whether an HTTP body is the contract's `{"error":{"code","message"}}`; its code if so. */
export function errorCodeOf(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof body?.error?.code === 'string' && typeof body.error.message === 'string'
      ? body.error.code
      : null;
  } catch {
    return null;
  }
}

/** A short printable form of an input for a report. */
export function preview(data: string | Buffer, max = 160): string {
  const text =
    typeof data === 'string'
      ? JSON.stringify(data)
      : `<${data.length} bytes> ${data.subarray(0, 48).toString('hex')}`;
  return text.length > max
    ? `${text.slice(0, max)}…[${typeof data === 'string' ? data.length : data.length} chars]`
    : text;
}
