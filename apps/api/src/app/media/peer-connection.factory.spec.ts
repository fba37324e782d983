import { RTCDtlsTransport, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import type { AppConfig } from '../config/app-config';
import { icePatience } from '@whisperstream/werift-patches';
import {
  ICE_PATIENCE_MARGIN_MS,
  PeerConnectionFactory,
  prepareDtlsCertificate,
} from './peer-connection.factory';

describe(PeerConnectionFactory.name, () => {
  describe('with a werift client (DTLS on loopback)', () => {
    const config = {
      ICE_SERVERS: [],
      ICE_HOST_ADDRESSES: ['127.0.0.1'],
      ICE_PORT_RANGE: undefined,
      CONNECT_TIMEOUT_MS: 20_000,
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
      // ICE waits for the client's checks until the session's connect rule has ended it.
      expect(icePatience()).toBe(20_000 + ICE_PATIENCE_MARGIN_MS);
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
