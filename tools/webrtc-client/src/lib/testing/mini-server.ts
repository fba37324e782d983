import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { RTCPeerConnection, RTCRtpCodecParameters, type RTCIceCandidate } from 'werift';
import WebSocket, { WebSocketServer } from 'ws';
import {
  ClientMessageSchema,
  CreateSessionResponseSchema,
  SdpOfferSchema,
  ServerMessageSchema,
  type IceCandidateInit,
  type ServerMessage,
} from '@whisperstream/shared-types';

/** One RTP packet as the answerer received it. */
export interface ReceivedPacket {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  ssrc: number;
  csrc: number[];
  padding: boolean;
  payload: Buffer;
}

export interface MiniSession {
  sessionId: string;
  token: string;
  offerSdp?: string;
  answerSdp?: string;
  pc?: RTCPeerConnection;
  socket?: WebSocket;
  /** Client messages received on the socket, in order. */
  clientMessages: unknown[];
  packets: ReceivedPacket[];
  serverCandidatesSent: number;
  internal: { outbox: ServerMessage[]; pendingRemote: Array<IceCandidateInit | null> };
}

/**
 * A minimal stand-in for the WhisperStream server, for testing the client without it: sessions,
 * REST offer/answer with a werift ANSWERER (its answer carries no candidates, so ICE has to
 * trickle over `/ws`), the `/ws` trickle socket with token check, and RTP capture.
 */
export class MiniServer {
  readonly sessions = new Map<string, MiniSession>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<MiniServer> {
    let self: MiniServer | null = null;
    const server = http.createServer((req, res) => {
      self?.handle(req, res).catch((err: Error) => send(res, 500, error('internal', err.message)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new MiniServer(server, `http://127.0.0.1:${port}`);
    const mini = self;
    server.on('upgrade', (req, socket, head) => mini.upgrade(req, socket, head));
    return mini;
  }

  async close(): Promise<void> {
    for (const session of this.sessions.values()) {
      session.socket?.terminate();
      await session.pc?.close();
    }
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const body = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/api/sessions') {
      const session: MiniSession = {
        sessionId: randomBytes(16).toString('hex'),
        token: randomBytes(16).toString('hex'),
        clientMessages: [],
        packets: [],
        serverCandidatesSent: 0,
        internal: { outbox: [], pendingRemote: [] },
      };
      this.sessions.set(session.sessionId, session);
      const created = CreateSessionResponseSchema.parse({
        sessionId: session.sessionId,
        token: session.token,
        iceServers: [],
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      });
      send(res, 201, created);
      return;
    }
    const offerMatch = /^\/api\/sessions\/([^/]+)\/offer$/.exec(url.pathname);
    if (req.method === 'POST' && offerMatch) {
      const session = this.sessions.get(offerMatch[1]);
      if (!session) {
        send(res, 404, error('session_not_found', 'no such session'));
        return;
      }
      if (req.headers.authorization !== `Bearer ${session.token}`) {
        send(res, 401, error('unauthorized', 'bad token'));
        return;
      }
      const offer = SdpOfferSchema.safeParse(safeJson(body));
      if (!offer.success) {
        send(res, 400, error('bad_offer', 'not an SDP offer'));
        return;
      }
      send(res, 200, { type: 'answer', sdp: await this.answer(session, offer.data.sdp) });
      return;
    }
    send(res, 404, error('not_found', 'no such route'));
  }

  private async answer(session: MiniSession, offerSdp: string): Promise<string> {
    session.offerSdp = offerSdp;
    const pc = new RTCPeerConnection({
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
      codecs: {
        audio: [
          new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }),
        ],
      },
    });
    session.pc = pc;
    pc.onIceCandidate.subscribe((candidate: RTCIceCandidate | undefined) => {
      this.sendToClient(
        session,
        candidate
          ? {
              type: 'candidate',
              candidate: {
                candidate: candidate.candidate,
                sdpMid: candidate.sdpMid,
                sdpMLineIndex: candidate.sdpMLineIndex,
                usernameFragment: candidate.usernameFragment,
              },
            }
          : { type: 'end-of-candidates' },
      );
      if (candidate) {
        session.serverCandidatesSent++;
      }
    });
    pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        session.packets.push({
          payloadType: rtp.header.payloadType,
          sequenceNumber: rtp.header.sequenceNumber,
          timestamp: rtp.header.timestamp,
          marker: rtp.header.marker,
          ssrc: rtp.header.ssrc,
          csrc: [...rtp.header.csrc],
          padding: rtp.header.padding,
          payload: Buffer.from(rtp.payload),
        });
      });
    });
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    for (const candidate of session.internal.pendingRemote.splice(0)) {
      await pc.addIceCandidate(candidate ?? undefined);
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    // Candidates go over the socket only, so the test proves trickle ICE works.
    const sdp = answer.sdp
      .split('\r\n')
      .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
      .join('\r\n');
    session.answerSdp = sdp;
    return sdp;
  }

  private sendToClient(session: MiniSession, message: ServerMessage): void {
    const checked = ServerMessageSchema.parse(message);
    if (session.socket?.readyState === WebSocket.OPEN) {
      session.socket.send(JSON.stringify(checked));
    } else {
      session.internal.outbox.push(checked);
    }
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const session = this.sessions.get(url.searchParams.get('sessionId') ?? '');
    if (url.pathname !== '/ws' || !session || url.searchParams.get('token') !== session.token) {
      const body = JSON.stringify(error('unauthorized', 'bad session or token'));
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      session.socket = ws;
      for (const message of session.internal.outbox.splice(0)) {
        ws.send(JSON.stringify(message));
      }
      ws.on('message', (data) => {
        const raw = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
        const parsed = ClientMessageSchema.safeParse(safeJson(raw));
        if (!parsed.success) {
          ws.send(
            JSON.stringify({
              type: 'error',
              code: 'bad_message',
              message: 'not a contract message',
            }),
          );
          ws.close(1008, 'bad message');
          return;
        }
        session.clientMessages.push(parsed.data);
        const message = parsed.data;
        if (message.type === 'candidate' || message.type === 'end-of-candidates') {
          const candidate = message.type === 'candidate' ? message.candidate : null;
          if (session.pc?.remoteDescription) {
            void session.pc.addIceCandidate(candidate ?? undefined).catch(() => undefined);
          } else {
            session.internal.pendingRemote.push(candidate);
          }
        }
      });
    });
  }
}

function error(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
