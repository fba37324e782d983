import { performance } from 'node:perf_hooks';
import { OpusEncoder } from '@discordjs/opus';
import { ApiClient } from './api-client';
import { encodeOpusFrames } from './opus';
import { openRawSocket, signalingUrl } from './raw-ws';
import { sendOrder, StreamerError, WebRtcStreamer } from './streamer';
import { MiniServer, type MiniSession, type ReceivedPacket } from './testing/mini-server';

jest.setTimeout(20_000);

function sine(ms: number, hz = 440, sampleRate = 16000): Int16Array {
  const out = new Int16Array((ms * sampleRate) / 1000);
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / sampleRate));
  }
  return out;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitForPacket(session: MiniSession, index: number): Promise<ReceivedPacket> {
  await waitUntil(() => session.packets.length > index, 3000, `packet ${index} at the answerer`);
  return session.packets[index];
}

describe('sendOrder', () => {
  it('swaps one adjacent pair in every N and keeps every index once', () => {
    expect(sendOrder(6, 0)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sendOrder(12, 5)).toEqual([0, 1, 2, 4, 3, 5, 6, 7, 9, 8, 10, 11]);
    expect([...sendOrder(25, 10)].sort((a, b) => a - b)).toEqual(sendOrder(25, 0));
  });
});

describe('WebRtcStreamer against a minimal werift answerer', () => {
  let server: MiniServer;
  const streamers: WebRtcStreamer[] = [];
  const frames = encodeOpusFrames(sine(500));

  beforeAll(async () => {
    server = await MiniServer.start();
  });

  afterEach(async () => {
    await Promise.all(streamers.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    await server.close();
  });

  async function connected(socketTiming: 'before-offer' | 'after-answer') {
    const api = new ApiClient(server.baseUrl);
    const startMark = performance.now();
    const created = await api.createSession({ language: 'en' });
    if (!created.ok) {
      throw new Error(`createSession: ${created.status}`);
    }
    const streamer = new WebRtcStreamer({
      baseUrl: server.baseUrl,
      session: created.data,
      socketTiming,
      startMark,
      api,
    });
    streamers.push(streamer);
    const timings = await streamer.connect();
    const session = server.sessions.get(created.data.sessionId) as MiniSession;
    return { streamer, timings, session };
  }

  it('trickles ICE both ways (socket first), measures timings, and streams paced RTP with loss and reordering', async () => {
    const { streamer, timings, session } = await connected('before-offer');

    // Neither SDP carried candidates: ICE only worked because both sides trickled.
    expect(session.offerSdp).not.toMatch(/a=candidate:/);
    expect(session.answerSdp).not.toMatch(/a=candidate:/);
    expect(streamer.candidatesSent.length).toBeGreaterThan(0);
    expect(streamer.candidatesSent.some((c) => / 127\.0\.0\.1 /.test(c.candidate))).toBe(true);
    expect(session.clientMessages).toContainEqual({ type: 'end-of-candidates' });
    expect(streamer.candidatesReceived.length).toBe(session.serverCandidatesSent);
    expect(streamer.candidateErrors).toEqual([]);

    expect(timings.socketOpenMs).toBeDefined();
    expect(timings.answerMs).toBeGreaterThanOrEqual(timings.offerPostedMs ?? Infinity);
    // ICE checks need the answer's credentials (werift's early spurious 'completed' is ignored).
    expect(timings.iceConnectedMs).toBeGreaterThanOrEqual(timings.remoteDescriptionMs ?? Infinity);
    expect(timings.connectedMs).toBeGreaterThanOrEqual(timings.iceConnectedMs ?? Infinity);
    expect(timings.dtlsAfterIceMs).toBeGreaterThanOrEqual(0);
    expect(streamer.payloadType).toBe(96);

    const result = await streamer.stream(frames, { dropEvery: 5, reorder: true, reorderEvery: 4 });
    expect(result).toMatchObject({
      packetsSent: 20,
      packetsDropped: 5,
      pairsReordered: 6,
      payloadType: 96,
    });
    // 25 frames of 20 ms: the last one is due 480 ms after the first.
    expect(result.durationMs).toBeGreaterThanOrEqual(470);
    expect(result.durationMs).toBeLessThan(2000);
    await waitUntil(() => session.packets.length >= 20, 3000, '20 packets at the answerer');

    const first = result.firstSequenceNumber;
    const offsets = session.packets.map((p) => (p.sequenceNumber - first + 0x10000) & 0xffff);
    // Every 5th dropped (4, 9, 14, 19, 24); pairs (2,3), (6,7), ... swapped (14 and 19 are gone).
    expect(offsets).toEqual([
      0, 1, 3, 2, 5, 7, 6, 8, 11, 10, 12, 13, 15, 16, 17, 18, 20, 21, 23, 22,
    ]);
    expect(session.packets.every((p) => p.payloadType === 96)).toBe(true);
    expect(session.packets[0].marker).toBe(true);
    expect(session.packets.slice(1).some((p) => p.marker)).toBe(false);
    const ts0 = session.packets[0].timestamp;
    session.packets.forEach((p, i) => {
      expect((p.timestamp - ts0 + 2 ** 32) % 2 ** 32).toBe(offsets[i] * 960);
    });
    const decoder = new OpusEncoder(16000, 1);
    expect(decoder.decode(session.packets[3].payload).length).toBe(640);

    expect(streamer.bye()).toBe(true);
    await waitUntil(
      () => session.clientMessages.some((m) => (m as { type: string }).type === 'bye'),
      2000,
      'bye',
    );
  });

  it('opens the socket after the answer, buffering its candidates until then, and streams in order', async () => {
    const { streamer, session, timings } = await connected('after-answer');
    expect(timings.socketOpenMs).toBeGreaterThanOrEqual(timings.answerMs ?? Infinity);
    expect(session.clientMessages.length).toBe(streamer.candidatesSent.length + 1);

    const result = await streamer.stream(frames.slice(0, 10), { realtime: false });
    expect(result.packetsSent).toBe(10);
    await waitUntil(() => session.packets.length >= 10, 3000, '10 packets at the answerer');
    const seqs = session.packets.map((p) => p.sequenceNumber);
    seqs.slice(1).forEach((seq, i) => expect(seq).toBe((seqs[i] + 1) & 0xffff));

    // A second call continues the sequence numbers.
    await streamer.stream(frames.slice(0, 3), { realtime: false });
    await waitUntil(() => session.packets.length >= 13, 3000, '13 packets');
    expect(session.packets[10].sequenceNumber).toBe((seqs[9] + 1) & 0xffff);
    expect(session.packets[10].marker).toBe(true);

    await streamer.close();
    await streamer.close(); // idempotent
    expect(streamer.socket?.isOpen).toBe(false);
    await expect(streamer.stream(frames)).rejects.toThrow(/needs a connected peer/);
  });

  it('writes raw RTP with exactly the header fields given, and the stream continues around it', async () => {
    const { streamer, session } = await connected('before-offer');
    const slot = streamer.nextSequenceNumber;
    await expect(streamer.writeRawRtp({}, frames[0])).resolves.toBeGreaterThan(12);
    const first = await waitForPacket(session, 0);
    expect(first.sequenceNumber).toBe(slot);
    expect(streamer.nextSequenceNumber).toBe((slot + 1) & 0xffff);
    const sent = await streamer.writeRawRtp(
      {
        sequenceNumber: (first.sequenceNumber + 1000) & 0xffff,
        timestamp: 12345,
        marker: true,
        csrc: [7, 8],
        padding: true,
      },
      Buffer.from([1, 2, 3, 3]),
    );
    expect(sent).toBeGreaterThan(12);
    const raw = await waitForPacket(session, 1);
    expect(raw).toMatchObject({
      sequenceNumber: (first.sequenceNumber + 1000) & 0xffff,
      timestamp: 12345,
      marker: true,
      ssrc: first.ssrc,
      csrc: [7, 8],
      padding: true,
      payloadType: 96,
    });
    // Only the first packet took a slot of the stream: stream() goes on right after it.
    await streamer.stream(frames.slice(0, 1), { realtime: false });
    const next = await waitForPacket(session, 2);
    expect(next.sequenceNumber).toBe((first.sequenceNumber + 1) & 0xffff);
    // ... and its clock after the raw packet's slot (plus the frames the pause took).
    const step = (next.timestamp - first.timestamp + 2 ** 32) % 2 ** 32;
    expect(step % 960).toBe(0);
    expect(step).toBeGreaterThanOrEqual(960);
    expect(next.marker).toBe(true);
    // A raw packet without a sequence number takes the stream's next slot again.
    await streamer.writeRawRtp(
      { extensions: [{ id: 5, payload: Buffer.from([9, 9]) }] },
      frames[1],
    );
    const after = await waitForPacket(session, 3);
    expect(after).toMatchObject({
      sequenceNumber: (first.sequenceNumber + 2) & 0xffff,
      payloadType: 96,
      padding: false,
      csrc: [],
    });
  });

  it('posts the offer through transformOffer, keeping its own local description', async () => {
    const api = new ApiClient(server.baseUrl);
    const created = await api.createSession();
    if (!created.ok) {
      throw new Error('createSession failed');
    }
    const streamer = new WebRtcStreamer({
      baseUrl: server.baseUrl,
      session: created.data,
      transformOffer: (sdp) => sdp.replace('a=setup:actpass', 'a=setup:actpass\r\na=x-fuzz:1'),
    });
    streamers.push(streamer);
    await streamer.connect();
    const session = server.sessions.get(created.data.sessionId) as MiniSession;
    expect(session.offerSdp).toContain('a=x-fuzz:1');
    expect(streamer.pc?.localDescription?.sdp).not.toContain('a=x-fuzz');
  });

  it('writeRawRtp refuses before the peer is connected', async () => {
    const streamer = new WebRtcStreamer({
      baseUrl: server.baseUrl,
      session: { sessionId: 'x', token: 'y' },
    });
    streamers.push(streamer);
    await expect(streamer.writeRawRtp({}, Buffer.alloc(1))).rejects.toThrow(/needs a connected/);
  });

  it('reports a refused WebSocket upgrade and a refused offer as StreamerErrors with the status', async () => {
    const api = new ApiClient(server.baseUrl);
    const created = await api.createSession();
    if (!created.ok) {
      throw new Error('createSession failed');
    }
    const badToken = { ...created.data, token: 'nope' };
    const viaSocket = new WebRtcStreamer({ baseUrl: server.baseUrl, session: badToken });
    streamers.push(viaSocket);
    const socketError = await viaSocket.connect().catch((e: unknown) => e);
    expect(socketError).toBeInstanceOf(StreamerError);
    expect(socketError).toMatchObject({
      stage: 'socket',
      status: 401,
      apiError: { code: 'unauthorized' },
    });

    const viaOffer = new WebRtcStreamer({
      baseUrl: server.baseUrl,
      session: badToken,
      socketTiming: 'after-answer',
    });
    streamers.push(viaOffer);
    await expect(viaOffer.connect()).rejects.toMatchObject({ stage: 'offer', status: 401 });
  });

  it('close() during connect() makes it fail fast, and connect() after close() fails', async () => {
    const api = new ApiClient(server.baseUrl);
    const created = await api.createSession();
    if (!created.ok) {
      throw new Error('createSession failed');
    }
    const streamer = new WebRtcStreamer({ baseUrl: server.baseUrl, session: created.data });
    streamers.push(streamer);
    const pending = streamer.connect();
    setTimeout(() => void streamer.close(), 5);
    const started = Date.now();
    await expect(pending).rejects.toMatchObject({ name: 'StreamerError', stage: 'connect' });
    expect(Date.now() - started).toBeLessThan(2000);

    const late = new WebRtcStreamer({ baseUrl: server.baseUrl, session: created.data });
    await late.close();
    await expect(late.connect()).rejects.toThrow(/after close/);
  });

  it('raw socket helper: sees a refused upgrade, an error message and the close code', async () => {
    const api = new ApiClient(server.baseUrl);
    const created = await api.createSession();
    if (!created.ok) {
      throw new Error('createSession failed');
    }
    const refused = await openRawSocket(signalingUrl(server.baseUrl, created.data.sessionId, 'x'));
    expect(refused).toMatchObject({ ok: false, status: 401, error: { code: 'unauthorized' } });

    const opened = await openRawSocket(
      signalingUrl(server.baseUrl, created.data.sessionId, created.data.token),
    );
    if (!opened.ok) {
      throw new Error(`upgrade refused: ${opened.status}`);
    }
    const socket = opened.socket;
    socket.send('{"type":"hello"}');
    const err = await socket.waitForMessage((m) => m.type === 'error');
    expect(err).toEqual({ type: 'error', code: 'bad_message', message: 'not a contract message' });
    expect(socket.errors).toHaveLength(1);
    await expect(socket.waitForClose()).resolves.toEqual({ code: 1008, reason: 'bad message' });
  });
});
