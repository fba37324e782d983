import { isPatchableWerift, weriftRequire } from './werift-internals';

/**
 * DTLS start-up patches for werift 0.24, where the server is the DTLS client (it answers
 * `a=setup:active`). Measured with tools/bench `--setup-only` and an in-process harness; each
 * patch keeps werift's original (in {@link weriftDtlsOriginals}) for the tests.
 *
 * 1. `RTCDtlsTransport.start` sleeps a fixed 100 ms after ICE connects before the DTLS client
 *    sends its ClientHello, in case the peer's DTLS server is not listening yet. That sleep was
 *    most of "DTLS after ICE" (~120 ms alone). The ClientHello now goes out at once.
 * 2. In exchange, a lost first flight (a ClientHello the peer dropped because it was not
 *    listening yet) is retransmitted after 100, 200, 400, 800 ms... instead of werift's 500 ms,
 *    1 s, 1.5 s... The peer answers it with a stateless HelloVerifyRequest, so an early
 *    retransmission costs it next to nothing. Later flights (whose answers need the peer's
 *    signature and key exchange) keep werift's schedule, so a peer slowed down by many
 *    handshakes at once is not flooded with duplicates.
 * 3. A HelloVerifyRequest that arrives once flight 3 is under way (a duplicate, answering a
 *    retransmitted ClientHello) is ignored. werift would restart flight 3 and clear the
 *    handshake messages it has collected, so the handshake could stall until it timed out.
 *
 * Process-wide and idempotent; only for the werift version it was written against.
 */

interface DtlsContextLike {
  flight: number;
}
interface FlightLike {
  dtls: DtlsContextLike;
  flight: number;
  nextFlight: number | undefined;
  send(buffers: Buffer[]): Promise<unknown>;
  setState(state: string): void;
}
interface FlightModule {
  Flight: { prototype: { transmit(this: FlightLike, buffers: Buffer[]): Promise<void> } } & {
    RetransmitCount: number;
  };
}
interface Flight3Module {
  Flight3: { prototype: { exec(this: FlightLike, verifyReq: unknown): Promise<void> } };
}
interface DtlsClientLike {
  connect(): Promise<void>;
}
interface DtlsTransportLike {
  dtls?: DtlsClientLike | object;
}
interface DtlsTransportModule {
  RTCDtlsTransport: { prototype: { start(this: DtlsTransportLike): Promise<void> } };
}
interface DtlsModule {
  DtlsClient: new (...args: never[]) => DtlsClientLike;
}

const flightModule = weriftRequire('../../dtls/src/flight/flight.js') as FlightModule;
const flight3Module = weriftRequire('../../dtls/src/flight/client/flight3.js') as Flight3Module;
const dtlsModule = weriftRequire('../../dtls/src/index.js') as DtlsModule;
const transportModule = weriftRequire('../../webrtc/src/transport/dtls.js') as DtlsTransportModule;

/** Before the first retransmission of the first flight (ms); it doubles on each try. */
export const FIRST_FLIGHT_RETRANSMIT_MS = 25;

/**
 * How long a flight waits before its `attempt`-th retransmission (0-based). werift waits
 * 500 ms × (attempt + 1); the first flight starts at {@link FIRST_FLIGHT_RETRANSMIT_MS} and
 * doubles, never waiting longer than werift would.
 */
export function retransmitDelayMs(flight: number, attempt: number): number {
  const werift = 1000 * ((attempt + 1) / 2);
  if (flight !== 1) return werift;
  return Math.min(FIRST_FLIGHT_RETRANSMIT_MS * 2 ** attempt, werift);
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** werift's `Flight.transmit`, with {@link retransmitDelayMs} as its schedule. */
async function transmit(this: FlightLike, buffers: Buffer[]): Promise<void> {
  const retransmitCount = flightModule.Flight.RetransmitCount;
  let attempt = 0;
  for (; attempt <= retransmitCount; attempt++) {
    this.setState('SENDING');
    this.send(buffers).catch(() => undefined);
    this.setState('WAITING');
    if (this.nextFlight === undefined) {
      this.setState('FINISHED');
      break;
    }
    await delay(retransmitDelayMs(this.flight, attempt));
    if (this.dtls.flight >= this.nextFlight) {
      this.setState('FINISHED');
      break;
    }
  }
  if (attempt > retransmitCount) {
    throw new Error(`over retransmitCount : ${this.flight} ${this.nextFlight}`);
  }
}

/** werift's `Flight3.exec`, unless flight 3 (or a later one) has already started. */
function flight3Exec(this: FlightLike, verifyReq: unknown): Promise<void> {
  if (this.dtls.flight >= 3) return Promise.resolve();
  return weriftDtlsOriginals.flight3Exec.call(this, verifyReq);
}

/** werift's `RTCDtlsTransport.start`, whose DTLS client says its ClientHello at once. */
function start(this: DtlsTransportLike): Promise<void> {
  // The original builds `this.dtls` synchronously, then sleeps 100 ms before `connect()`.
  const started = weriftDtlsOriginals.start.call(this);
  const client = this.dtls;
  if (client instanceof dtlsModule.DtlsClient) {
    const connecting = client.connect();
    // The original still calls connect() after its sleep, and handles its failure: give it
    // this same handshake, not a second one.
    connecting.catch(() => undefined);
    client.connect = () => connecting;
  }
  return started;
}

/** werift's own functions, as they were before any patch. */
export const weriftDtlsOriginals = {
  transmit: flightModule.Flight.prototype.transmit,
  flight3Exec: flight3Module.Flight3.prototype.exec,
  start: transportModule.RTCDtlsTransport.prototype.start,
};

let installed = false;

/** Installs the patches into werift (once per process); false for another werift version. */
export function installWeriftDtlsStartup(): boolean {
  if (installed) return true;
  if (!isPatchableWerift()) return false;
  installed = true;
  flightModule.Flight.prototype.transmit = transmit;
  flight3Module.Flight3.prototype.exec = flight3Exec;
  transportModule.RTCDtlsTransport.prototype.start = start;
  return true;
}
