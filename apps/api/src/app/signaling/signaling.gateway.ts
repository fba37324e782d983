import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import {
  ClientMessageSchema,
  MAX_WS_MESSAGE_BYTES,
  ServerMessage,
} from '@whisperstream/shared-types';
import type { RawData, WebSocket } from 'ws';
import { SessionService } from '../sessions/sessions.service';
import { remoteSessionOfUpgrade, sessionOfUpgrade } from './ws-auth';
import { ClusterForwarder } from '../cluster/forwarder';

/** Messages a client may send per second before the socket is closed (1008). */
const MESSAGES_PER_SECOND = 200;

/**
 * `/ws`: trickle ICE both ways, `bye`. The upgrade is authorised before it happens (see
 * AuthenticatedWsAdapter); every message is parsed with its schema and a bad one gets an
 * `error` message back, never a crash.
 */
@WebSocketGateway({ path: '/ws', maxPayload: MAX_WS_MESSAGE_BYTES })
export class SignalingGateway implements OnGatewayConnection<WebSocket> {
  readonly #logger = new Logger(SignalingGateway.name);

  constructor(
    private readonly sessions: SessionService,
    private readonly forwarder: ClusterForwarder,
  ) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const home = remoteSessionOfUpgrade(request);
    if (home) {
      // Cluster mode: another node holds the session's media; its socket is joined to this one.
      this.forwarder.websocket(home, socket, request);
      return;
    }
    const session = sessionOfUpgrade(request);
    if (!session || !session.isOpen) {
      socket.close(1008, 'session not found');
      return;
    }
    const peer = {
      send: (data: string) => {
        if (socket.readyState === socket.OPEN) socket.send(data);
      },
      close: (code?: number, reason?: string) => socket.close(code, reason),
    };
    session.attachSocket(peer);
    let windowStart = Date.now();
    let count = 0;
    const reply = (message: ServerMessage) => peer.send(JSON.stringify(message));

    socket.on('message', (data: RawData, isBinary: boolean) => {
      const now = Date.now();
      if (now - windowStart > 1000) {
        windowStart = now;
        count = 0;
      }
      if (++count > MESSAGES_PER_SECOND) {
        socket.close(1008, 'too many messages');
        return;
      }
      if (isBinary) {
        reply({ type: 'error', code: 'invalid_message', message: 'messages are JSON text' });
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(data.toString());
      } catch {
        reply({ type: 'error', code: 'invalid_json', message: 'the message is not valid JSON' });
        return;
      }
      const parsed = ClientMessageSchema.safeParse(json);
      if (!parsed.success) {
        reply({
          type: 'error',
          code: 'invalid_message',
          message:
            'expected {"type":"candidate"|"end-of-candidates"|"bye", ...} as in the API contract',
        });
        return;
      }
      const message = parsed.data;
      switch (message.type) {
        case 'candidate':
          session.addRemoteCandidate(message.candidate);
          break;
        case 'end-of-candidates':
          session.addRemoteCandidate(null);
          break;
        case 'bye':
          void this.sessions.close(session, { reason: 'bye' });
          break;
      }
    });
    socket.on('close', () => session.detachSocket(peer));
    socket.on('error', (error) =>
      this.#logger.debug({ msg: 'socket error', sessionId: session.id, error: String(error) }),
    );
  }
}
