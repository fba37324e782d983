import { networkInterfaces } from 'node:os';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { RTCDtlsTransport, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { AppConfig } from '../config/app-config';
import {
  icePatience,
  installWeriftPatches,
  patchesNotAppliedWarning,
} from '@whisperstream/werift-patches';

/** Opus as every browser offers it; the payload type is taken from the offer. */
export const OPUS_CODEC = () =>
  new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 });

function hasIpv6(): boolean {
  return Object.values(networkInterfaces()).some((addresses) =>
    (addresses ?? []).some(
      (a) => a.family === 'IPv6' && !a.internal && !a.address.startsWith('fe80'),
    ),
  );
}

/** ICE waits this much longer than CONNECT_TIMEOUT_MS, so that the session's rule says why. */
export const ICE_PATIENCE_MARGIN_MS = 3000;

/** How often the DTLS certificate that all new peer connections share is replaced. */
export const DTLS_CERTIFICATE_ROTATION_MS = 24 * 60 * 60 * 1000;

interface SharedCertificate {
  localCertificate?: unknown;
  localCertificatePromise?: Promise<unknown>;
}

/**
 * werift 0.24 already gives every peer connection one process-wide ECDSA P-256 certificate
 * (`RTCDtlsTransport.localCertificate`, made on the first answer, ~35 ms, valid 10 years).
 * `rotate: false` makes it now if there is none yet, so that the first session does not wait
 * for it; `rotate: true` replaces it: connections made later get the new one, a connection keeps
 * the certificate (and fingerprint) it answered with. A failure is forgotten, so that werift
 * tries again on the next answer instead of reusing the rejected promise.
 */
export function prepareDtlsCertificate({ rotate }: { rotate: boolean }): Promise<void> {
  const shared = RTCDtlsTransport as unknown as SharedCertificate;
  if (rotate) {
    shared.localCertificate = undefined;
    shared.localCertificatePromise = undefined;
  }
  const making = RTCDtlsTransport.SetupCertificate();
  return making.then(
    () => undefined,
    () => {
      if (shared.localCertificatePromise === making) shared.localCertificatePromise = undefined;
    },
  );
}

/** Makes the server's werift peer connections: audio only, Opus only, ICE as configured. */
@Injectable()
export class PeerConnectionFactory implements OnModuleDestroy {
  readonly #useIpv6 = hasIpv6();
  readonly #rotation: NodeJS.Timeout;

  constructor(private readonly config: AppConfig) {
    const notApplied = patchesNotAppliedWarning(installWeriftPatches());
    if (notApplied) new Logger(PeerConnectionFactory.name).warn(notApplied);
    // A session whose own ICE checks are spent keeps answering the client's checks, which can
    // still make a peer-reflexive pair, for as long as the session may take to connect. The
    // session's CONNECT_TIMEOUT_MS rule (checked every second) ends it first, with the reason.
    icePatience(config.CONNECT_TIMEOUT_MS + ICE_PATIENCE_MARGIN_MS);
    void prepareDtlsCertificate({ rotate: false });
    this.#rotation = setInterval(
      () => void prepareDtlsCertificate({ rotate: true }),
      DTLS_CERTIFICATE_ROTATION_MS,
    ).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.#rotation);
  }

  create(): RTCPeerConnection {
    // werift takes one URL per RTCIceServer entry.
    const iceServers = this.config.ICE_SERVERS.flatMap((server) =>
      (Array.isArray(server.urls) ? server.urls : [server.urls]).map((urls) => ({
        urls,
        username: server.username,
        credential: server.credential,
      })),
    );
    return new RTCPeerConnection({
      iceServers,
      iceAdditionalHostAddresses: [...this.config.ICE_HOST_ADDRESSES],
      icePortRange: this.config.ICE_PORT_RANGE,
      iceUseIpv6: this.#useIpv6,
      codecs: { audio: [OPUS_CODEC()], video: [] },
    });
  }
}
