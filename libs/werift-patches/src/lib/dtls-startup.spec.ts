import {
  FIRST_FLIGHT_RETRANSMIT_MS,
  installWeriftDtlsStartup,
  retransmitDelayMs,
  weriftDtlsOriginals as original,
} from './dtls-startup';

/** werift's own schedule: 500 ms × (attempt + 1). */
const weriftDelay = (attempt: number) => 500 * (attempt + 1);

/** A werift `Flight` as `transmit` and `Flight3.exec` see it; the transport only counts sends. */
function fakeFlight(flight: number, nextFlight: number | undefined) {
  const sentAt: number[] = [];
  const self = {
    dtls: { flight, handshakeCache: ['kept'], lastFlight: [] as unknown[] },
    flight,
    nextFlight,
    send: () => {
      sentAt.push(Date.now());
      return Promise.resolve();
    },
    setState: () => undefined,
  };
  return { self, sentAt };
}

describe('werift DTLS start-up', () => {
  beforeAll(() => expect(installWeriftDtlsStartup()).toBe(true));

  describe(retransmitDelayMs.name, () => {
    it('retransmits a first flight (ClientHello) after 25, 50, 100... ms, never later than werift', () => {
      expect(FIRST_FLIGHT_RETRANSMIT_MS).toBe(25);
      const delays = Array.from({ length: 11 }, (_, attempt) => retransmitDelayMs(1, attempt));
      expect(delays.slice(0, 5)).toEqual([25, 50, 100, 200, 400]);
      delays.forEach((ms, attempt) => expect(ms).toBeLessThanOrEqual(weriftDelay(attempt)));
    });

    it("keeps werift's schedule for the later flights", () => {
      for (const flight of [2, 3, 4, 5, 6]) {
        for (let attempt = 0; attempt < 11; attempt++) {
          expect(retransmitDelayMs(flight, attempt)).toBe(weriftDelay(attempt));
        }
      }
    });
  });

  describe('Flight.transmit', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());

    const flightModule = jest.requireActual<{
      Flight: { prototype: { transmit(buffers: Buffer[]): Promise<void> } };
    }>(require.resolve('werift').replace(/index\.js$/, '../../dtls/src/flight/flight.js'));

    it('resends an unanswered ClientHello on the short schedule and stops once answered', async () => {
      const { self, sentAt } = fakeFlight(1, 3);
      const done = flightModule.Flight.prototype.transmit.call(self, [Buffer.alloc(1)]);
      await jest.advanceTimersByTimeAsync(25 + 50 + 10);
      expect(sentAt).toEqual([0, 25, 75]);
      self.dtls.flight = 3; // the HelloVerifyRequest arrived
      await jest.advanceTimersByTimeAsync(100);
      await done;
      expect(sentAt).toEqual([0, 25, 75]);
    });

    it('resends a later flight after 500 ms as werift does', async () => {
      const { self, sentAt } = fakeFlight(5, 7);
      void flightModule.Flight.prototype.transmit.call(self, [Buffer.alloc(1)]);
      await jest.advanceTimersByTimeAsync(499);
      expect(sentAt).toEqual([0]);
      await jest.advanceTimersByTimeAsync(1);
      expect(sentAt).toEqual([0, 500]);
      self.dtls.flight = 7;
      await jest.advanceTimersByTimeAsync(1000);
    });
  });

  describe('Flight3.exec', () => {
    const flight3Module = jest.requireActual<{
      Flight3: { prototype: { exec(verifyReq: unknown): Promise<void> } };
    }>(require.resolve('werift').replace(/index\.js$/, '../../dtls/src/flight/client/flight3.js'));

    it('ignores a duplicate HelloVerifyRequest once flight 3 or later is under way', async () => {
      const spy = jest.spyOn(original, 'flight3Exec');
      for (const flight of [3, 5]) {
        const { self, sentAt } = fakeFlight(flight, flight + 2);
        await flight3Module.Flight3.prototype.exec.call(self, { cookie: Buffer.alloc(20) });
        expect(sentAt).toEqual([]);
        expect(self.dtls.flight).toBe(flight);
        expect(self.dtls.handshakeCache).toEqual(['kept']); // werift would have cleared it
      }
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    });
  });
});
