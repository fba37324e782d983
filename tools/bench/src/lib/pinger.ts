import * as http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * A PROXY for the server's event-loop lag, from outside: the round-trip time of `GET /healthz`
 * every `intervalMs` over a kept-alive connection. It includes the client's own scheduling
 * delay and the loopback stack, so it is an upper bound, not the lag itself.
 */
export class HealthzPinger {
  readonly rtts: number[] = [];
  failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private inFlight = false;

  constructor(
    private readonly baseUrl: string,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.rtts.length = 0;
    this.failures = 0;
    this.timer ??= setInterval(() => this.ping(), this.intervalMs);
  }

  stop(): number[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return [...this.rtts];
  }

  close(): void {
    this.stop();
    this.agent.destroy();
  }

  private ping(): void {
    if (this.inFlight) {
      return; // a ping still waiting is itself the signal; do not pile up
    }
    this.inFlight = true;
    const t0 = performance.now();
    const req = http.get(`${this.baseUrl}/healthz`, { agent: this.agent }, (res) => {
      res.resume();
      res.on('end', () => {
        this.inFlight = false;
        this.rtts.push(performance.now() - t0);
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      this.inFlight = false;
      this.failures++;
    });
  }
}
