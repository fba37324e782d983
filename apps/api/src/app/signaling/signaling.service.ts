import { Injectable, Logger } from '@nestjs/common';
import type { IceCandidateInit, SdpAnswer } from '@whisperstream/shared-types';
import type { MediaStreamTrack, RTCPeerConnection } from 'werift';
import { AudioPipelineService } from '../audio-pipeline/audio-pipeline.service';
import { ApiError } from '../common/api-error';
import { PeerConnectionFactory } from '../media/peer-connection.factory';
import { iceChecksReceived } from '../media/ice-diagnostics';
import {
  looksLikeSdp,
  normalizeLineEndings,
  offerMediaSections,
  offerTransportProblem,
  opusAudioIndex,
} from '../media/sdp';
import { CONNECT_ADVICE, type Session } from '../sessions/session';
import { SessionService } from '../sessions/sessions.service';
import { AppConfig } from '../config/app-config';
import { CandidateTally, judgeRemoteCandidate, type CandidateRules } from './remote-candidate';

/**
 * Answers a session's offer with a werift peer connection, wires its audio track into the
 * pipeline, and relays ICE candidates both ways through the session (trickle ICE).
 */
@Injectable()
export class SignalingService {
  readonly #logger = new Logger(SignalingService.name);

  constructor(
    private readonly peers: PeerConnectionFactory,
    private readonly pipelines: AudioPipelineService,
    private readonly sessions: SessionService,
    private readonly config: AppConfig,
  ) {}

  async answer(session: Session, offered: string): Promise<SdpAnswer> {
    // One line ending for the checks and for werift (which splits on CRLF whenever it sees one).
    const sdp = normalizeLineEndings(offered);
    if (!session.isOpen) throw new ApiError(409, 'session_closed', 'the session has ended');
    if (session.offerAt !== undefined) {
      throw new ApiError(
        409,
        'offer_already_received',
        'this session already has an offer; create a new session',
      );
    }
    if (!looksLikeSdp(sdp))
      throw ApiError.badRequest('invalid_sdp', 'the offer is not a session description');
    const audioIndex = opusAudioIndex(sdp);
    if (audioIndex < 0) {
      throw ApiError.badRequest(
        'no_audio',
        'the offer has no audio m-line with Opus; WhisperStream needs Opus audio',
      );
    }
    const media = offerMediaSections(sdp);
    const problem = offerTransportProblem(media[audioIndex]);
    if (problem) throw ApiError.badRequest('invalid_sdp', problem);
    session.offerAt = Date.now();
    const pc = this.peers.create();
    const peer = { close: () => pc.close() };
    session.attachPeer(peer);
    const tally = new CandidateTally();
    const rules: CandidateRules = {
      media,
      defaultIndex: audioIndex,
      resolveMdns: this.config.ICE_RESOLVE_MDNS,
    };
    this.#wire(session, pc, tally);
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      const transceiver = pc.getTransceivers().find((t) => t.kind === 'audio');
      if (!transceiver?.codecs.some((c) => c.mimeType.toLowerCase() === 'audio/opus')) {
        throw ApiError.badRequest('no_audio', 'no Opus audio could be negotiated from the offer');
      }
      transceiver.setDirection('recvonly');
      session.remoteDescriptionSet(
        (candidate) => void this.#addCandidate(session, pc, rules, tally, candidate),
      );
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      const local = pc.localDescription;
      if (!local) throw new Error('werift produced no local description');
      this.#logger.log({ msg: 'offer answered', sessionId: session.id });
      return { type: 'answer', sdp: local.sdp };
    } catch (error) {
      // The offer could not be used: undo it so that the client may try again; nothing else is lost.
      session.detachPeer(peer);
      session.resetOffer();
      await pc.close().catch(() => undefined);
      if (error instanceof ApiError) throw error;
      this.#logger.warn({ msg: 'offer refused', sessionId: session.id, error: String(error) });
      throw ApiError.badRequest(
        'invalid_sdp',
        'the offer could not be applied: it is not a valid SDP offer',
      );
    }
  }

  #wire(session: Session, pc: RTCPeerConnection, tally: CandidateTally): void {
    const started = session.offerAt ?? Date.now();
    let iceChecking = false;
    let iceConnected = false;
    session.connectProblem = () =>
      iceConnected
        ? 'ICE connected, but the DTLS handshake did not complete'
        : `no ICE candidate pair worked (the client's candidates: ${tally.describe()}; ` +
          `connectivity checks received from the client: ${iceChecksReceived(pc)})`;
    pc.onIceCandidate.subscribe((candidate) => {
      if (candidate) {
        const { candidate: line, sdpMid, sdpMLineIndex, usernameFragment } = candidate.toJSON();
        session.send({
          type: 'candidate',
          candidate: { candidate: line, sdpMid, sdpMLineIndex, usernameFragment },
        });
      } else {
        session.send({ type: 'end-of-candidates' });
      }
    });
    pc.iceConnectionStateChange.subscribe((state) => {
      // werift 0.24 says 'completed' once it has gathered, before 'checking': only a state
      // after the checks started tells that ICE connected.
      iceChecking ||= state === 'checking';
      iceConnected ||= iceChecking && (state === 'connected' || state === 'completed');
      this.#logger.debug({
        msg: 'ice state',
        sessionId: session.id,
        state,
        sinceOfferMs: Date.now() - started,
      });
    });
    pc.connectionStateChange.subscribe((state) => {
      this.#logger.log({
        msg: 'peer state',
        sessionId: session.id,
        state,
        sinceOfferMs: Date.now() - started,
      });
      if (state === 'connected' && session.connectedAt === undefined) {
        session.connectedAt = Date.now();
        session.setState('live');
      } else if (state === 'failed' && session.connectedAt === undefined) {
        this.#connectFailed(session, Date.now() - started);
      } else if (state === 'failed') {
        void this.sessions.close(session, {
          reason: 'media_failed',
          error: { code: 'media_failed', message: 'the media connection failed' },
        });
      }
    });
    pc.onTrack.subscribe((track) => this.#attachTrack(session, track));
  }

  #attachTrack(session: Session, track: MediaStreamTrack): void {
    if (track.kind !== 'audio') return;
    const payloadType = track.codec?.payloadType;
    if (payloadType === undefined) {
      this.#logger.warn({ msg: 'audio track without a negotiated codec', sessionId: session.id });
      return;
    }
    // The RTP pipeline decodes to PCM for the session's LiveTranscription: from here on
    // nothing knows the audio came over WebRTC.
    const pipeline = this.pipelines.create(
      payloadType,
      (samples, receivedAt) => session.live.push(samples, receivedAt),
      { sessionId: session.id },
    );
    session.attachIngress({
      end: () => {
        pipeline.end();
        this.#logger.log({ msg: 'audio pipeline ended', sessionId: session.id, ...pipeline.stats });
      },
    });
    track.onReceiveRtp.subscribe((rtp) => {
      session.lastRtpAt = Date.now();
      pipeline.push(rtp);
    });
  }

  /** The connection failed before media ever flowed: say why, and what to check. */
  #connectFailed(session: Session, sinceOfferMs: number): void {
    const why = session.connectProblem?.() ?? 'the media connection failed';
    this.#logger.log({
      msg: 'media connection failed before media flowed',
      sessionId: session.id,
      sinceOfferMs,
      why,
    });
    void this.sessions.close(session, {
      reason: 'connect_failed',
      error: {
        code: 'connect_failed',
        message: `could not connect to the server's audio port: ${why}; ${CONNECT_ADVICE}`,
      },
    });
  }

  async #addCandidate(
    session: Session,
    pc: RTCPeerConnection,
    rules: CandidateRules,
    tally: CandidateTally,
    candidate: IceCandidateInit | null,
  ): Promise<void> {
    const verdict =
      candidate === null ? ({ action: 'end' } as const) : judgeRemoteCandidate(candidate, rules);
    tally.count(verdict);
    switch (verdict.action) {
      case 'ignore':
        this.#logger.debug({
          msg: 'remote candidate ignored',
          sessionId: session.id,
          kind: verdict.reason,
        });
        return;
      case 'refuse':
        this.#refuseCandidate(session, verdict.reason);
        return;
      case 'end':
        await pc.addIceCandidate(null).catch((error: unknown) =>
          this.#logger.debug({
            msg: 'end-of-candidates not applied',
            sessionId: session.id,
            error: String(error),
          }),
        );
        return;
      case 'add':
        try {
          await pc.addIceCandidate(verdict.candidate);
        } catch (error) {
          tally.added--;
          tally.refused++;
          this.#refuseCandidate(session, error instanceof Error ? error.message : String(error));
        }
    }
  }

  #refuseCandidate(session: Session, reason: string): void {
    this.#logger.log({ msg: 'remote candidate refused', sessionId: session.id, reason });
    session.send({
      type: 'error',
      code: 'invalid_candidate',
      message: `an ICE candidate could not be used: ${reason}`,
    });
  }
}
