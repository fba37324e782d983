import { RTCDtlsTransport, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import type { AppConfig } from '../config/app-config';
import { PeerConnectionFactory, prepareDtlsCertificate } from './peer-connection.factory';
import {
  FIRST_FLIGHT_RETRANSMIT_MS,
  installWeriftDtlsStartup,
  retransmitDelayMs,
  weriftDtlsOriginals as original,
} from './werift-dtls-startup';

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

  describe('with the factory and a werift client (DTLS on loopback)', () => {
    const config = {
      ICE_SERVERS: [],
      ICE_HOST_ADDRESSES: ['127.0.0.1'],
      ICE_PORT_RANGE: undefined,
    } as unknown as AppConfig;
    const opus = () =>
      new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 });
    const closers: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      await Promise.all(closers.splice(0).map((close) => close().catch(() => undefined)));
    });

    const described = (pc: RTCPeerConnection) => {
      if (!pc.localDescription) throw new Error('no local description');
      return pc.localDescription;
    };

    /** One session's set-up: werift client offer → factory answer → ICE + DTLS. */
    async function connect(factory: PeerConnectionFactory) {
      const client = new RTCPeerConnection({
        iceServers: [],
        iceAdditionalHostAddresses: ['127.0.0.1'],
        iceUseIpv6: false,
        codecs: { audio: [opus()] },
      });
      const server = factory.create();
      closers.push(
        () => client.close(),
        () => server.close(),
      );
      client.addTransceiver('audio', { direction: 'sendonly' });
      client.onIceCandidate.subscribe((c) => void (c && server.addIceCandidate(c.toJSON())));
      server.onIceCandidate.subscribe((c) => void (c && client.addIceCandidate(c.toJSON())));
      const connected = (pc: RTCPeerConnection) =>
        new Promise<void>((resolve, reject) =>
          pc.connectionStateChange.subscribe((state) => {
            if (state === 'connected') resolve();
            if (state === 'failed') reject(new Error('DTLS failed'));
          }),
        );
      const both = Promise.all([connected(server), connected(client)]);
      await client.setLocalDescription(await client.createOffer());
      await server.setRemoteDescription(described(client));
      await server.setLocalDescription(await server.createAnswer());
      const answer = described(server).sdp;
      await client.setRemoteDescription(described(server));
      await both;
      return { answer, server };
    }

    it('answers as the DTLS client, which sends its ClientHello as soon as DTLS starts', async () => {
      const factory = new PeerConnectionFactory(config);
      const flightAtStart: (number | undefined)[] = [];
      const patched = RTCDtlsTransport.prototype.start;
      const spy = jest.spyOn(RTCDtlsTransport.prototype, 'start').mockImplementation(function (
        this: RTCDtlsTransport,
      ) {
        const started = patched.call(this);
        const socket = this.dtls as unknown as { dtls?: { flight: number } } | undefined;
        if (this.role === 'client') flightAtStart.push(socket?.dtls?.flight);
        return started;
      });
      try {
        const { answer } = await connect(factory);
        expect(answer).toMatch(/^a=setup:active\r?$/m);
        // werift's original would still be sleeping (100 ms) with no flight sent: 0.
        expect(flightAtStart).toEqual([1]);
      } finally {
        spy.mockRestore();
      }
    });

    it('makes two connections from the one shared certificate: both answers carry its fingerprint and both complete DTLS', async () => {
      const factory = new PeerConnectionFactory(config);
      const [a, b] = await Promise.all([connect(factory), connect(factory)]);
      const fingerprintOf = (sdp: string) => /^a=fingerprint:sha-256 ([0-9A-F:]+)/im.exec(sdp)?.[1];
      const shared = RTCDtlsTransport.localCertificate
        ?.getFingerprints()
        .find((f) => f.algorithm === 'sha-256')?.value;
      expect(shared).toBeDefined();
      expect(fingerprintOf(a.answer)?.toUpperCase()).toBe(shared?.toUpperCase());
      expect(fingerprintOf(b.answer)?.toUpperCase()).toBe(shared?.toUpperCase());
      expect(a.server.connectionState).toBe('connected');
      expect(b.server.connectionState).toBe('connected');
    });
    const sha256 = (sdp: string) => /^a=fingerprint:sha-256 ([0-9A-F:]+)/im.exec(sdp)?.[1];

    it('has the shared certificate made when the factory is, before the first answer', async () => {
      const shared = RTCDtlsTransport as unknown as {
        localCertificate?: unknown;
        localCertificatePromise?: Promise<unknown>;
      };
      shared.localCertificate = undefined;
      shared.localCertificatePromise = undefined;
      const factory = new PeerConnectionFactory(config);
      const pending = (): Promise<unknown> | undefined => shared.localCertificatePromise;
      expect(pending()).toBeDefined(); // under way, no answer needed
      const made = await pending();
      expect(RTCDtlsTransport.localCertificate).toBe(made);
      new PeerConnectionFactory(config).onModuleDestroy(); // a second factory keeps it
      expect(RTCDtlsTransport.localCertificate).toBe(made);
      factory.onModuleDestroy();
    });

    it('rotates the certificate: later answers carry the new fingerprint, earlier connections keep theirs', async () => {
      const factory = new PeerConnectionFactory(config);
      const first = await connect(factory);
      await prepareDtlsCertificate({ rotate: true });
      const second = await connect(factory);
      expect(sha256(first.answer)).toBeDefined();
      expect(sha256(second.answer)).not.toBe(sha256(first.answer));
      expect(sha256(second.answer)?.toUpperCase()).toBe(
        RTCDtlsTransport.localCertificate
          ?.getFingerprints()
          .find((f) => f.algorithm === 'sha-256')
          ?.value.toUpperCase(),
      );
      expect(first.server.connectionState).toBe('connected');
      expect(second.server.connectionState).toBe('connected');
      factory.onModuleDestroy();
    });

    it('forgets a failed certificate, so that the next answer makes one again', async () => {
      const shared = RTCDtlsTransport as unknown as { localCertificatePromise?: Promise<unknown> };
      const spy = jest.spyOn(RTCDtlsTransport, 'SetupCertificate').mockImplementation(() => {
        const failed = Promise.reject(new Error('no key'));
        shared.localCertificatePromise = failed;
        return failed as never;
      });
      await prepareDtlsCertificate({ rotate: true });
      spy.mockRestore();
      expect(shared.localCertificatePromise).toBeUndefined();
      await prepareDtlsCertificate({ rotate: false });
      expect(RTCDtlsTransport.localCertificate).toBeDefined();
    });
  });
});
