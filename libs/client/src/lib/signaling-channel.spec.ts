import type { AddressInfo } from 'node:net';
import type { IceCandidateInit } from '@whisperstream/shared-types';
import WebSocket, { WebSocketServer } from 'ws';
import { SignalingChannel, type SocketState } from './signaling-channel';
import type { WebSocketLike } from './transport';

const candidate = (n: number): IceCandidateInit => ({
  candidate: `candidate:${n} 1 udp 1 127.0.0.1 4000${n} typ host`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

/** Resolves when `check` holds, polling on the event loop (no fixed sleep). */
async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe(SignalingChannel.name, () => {
  let wss: WebSocketServer;
  let url: string;
  let serverSockets: WebSocket[];
  let fromClient: unknown[];

  beforeEach(async () => {
    serverSockets = [];
    fromClient = [];
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws?sessionId=s1&token=t`;
    wss.on('connection', (socket) => {
      serverSockets.push(socket);
      socket.on('message', (data) => fromClient.push(JSON.parse(String(data))));
    });
  });

  afterEach(() => new Promise<void>((resolve) => wss.close(() => resolve())));

  function channel(added: Array<IceCandidateInit | null>, states: SocketState[] = []) {
    return new SignalingChannel({
      url,
      webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
      addRemoteCandidate: async (c) => {
        added.push(c);
      },
      onSocketState: (s) => states.push(s),
      reopenDelaysMs: [10],
    });
  }

  it('with the ws package: candidates made before the socket opened go out once it is open, in order', async () => {
    const sut = channel([]);
    sut.sendCandidate(candidate(1));
    sut.sendCandidate(null);
    sut.open();
    sut.sendCandidate(candidate(2)); // still connecting: waits behind the others
    await until(() => fromClient.length === 3);
    expect(fromClient).toEqual([
      { type: 'candidate', candidate: candidate(1) },
      { type: 'end-of-candidates' },
      { type: 'candidate', candidate: candidate(2) },
    ]);
    sut.close();
  });

  it('adds the server candidates only after the answer, skipping messages outside the contract', async () => {
    const added: Array<IceCandidateInit | null> = [];
    const invalid: unknown[] = [];
    let heard = 0;
    const sut = new SignalingChannel({
      url,
      webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
      addRemoteCandidate: async (c) => {
        added.push(c);
      },
      onInvalidMessage: (raw) => invalid.push(raw),
      onServerMessage: () => heard++,
    });
    sut.open();
    await until(() => serverSockets.length === 1 && sut.state === 'open');
    serverSockets[0].send('not json');
    serverSockets[0].send(JSON.stringify({ type: 'candidate', candidate: candidate(5) }));
    serverSockets[0].send(JSON.stringify({ type: 'end-of-candidates' }));
    await until(() => invalid.length === 1 && heard === 2);
    expect(added).toEqual([]);

    await sut.remoteDescriptionApplied();
    expect(added).toEqual([candidate(5), null]);
    sut.close();
  });

  it('reopens a socket the network dropped and sends what waited on the new one', async () => {
    const states: SocketState[] = [];
    const sut = channel([], states);
    sut.open();
    await until(() => serverSockets.length === 1 && sut.state === 'open');
    serverSockets[0].terminate(); // 1006 at the client
    await until(() => sut.state === 'closed');
    sut.sendCandidate(candidate(3));
    await until(() => fromClient.length === 1);
    expect(serverSockets).toHaveLength(2);
    expect(fromClient).toEqual([{ type: 'candidate', candidate: candidate(3) }]);
    expect(states).toEqual(['connecting', 'open', 'closed', 'connecting', 'open']);
    sut.close();
  });

  it('does not reopen after the server closed it as final (1000), nor after close()', async () => {
    const sut = channel([]);
    sut.open();
    await until(() => serverSockets.length === 1 && sut.state === 'open');
    serverSockets[0].close(1000, 'session ended');
    await until(() => sut.state === 'closed');
    await new Promise((resolve) => setTimeout(resolve, 50)); // longer than the 10 ms reopen delay
    expect(serverSockets).toHaveLength(1);
    expect(sut.bye()).toBe(false);
    sut.close();
  });

  it('says bye only over an open socket', async () => {
    const sut = channel([]);
    expect(sut.bye()).toBe(false);
    sut.open();
    await until(() => sut.state === 'open');
    expect(sut.bye()).toBe(true);
    await until(() => fromClient.length === 1);
    expect(fromClient).toEqual([{ type: 'bye' }]);
    sut.close();
  });
});
