import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import { RunningServer, startServer } from '@whisperstream/server-harness';
import {
  ApiClient,
  openRawSocket,
  signalingUrl,
  SseClient,
  WebRtcStreamer,
  type CandidateShape,
} from '@whisperstream/webrtc-client';
import { opusFrames, requireRecognizer } from './support/fixtures';
import { makeOffer } from './support/offers';

const API_KEY = 'sk-test-shapes';
/** Sessions in a row per candidate shape: each must connect. */
const SESSIONS_PER_SHAPE = 5;
/** Short, so that a session that cannot connect ends quickly in the last test. */
const CONNECT_TIMEOUT_MS = 4000;

/**
 * Clients that trickle their candidates as other WebRTC stacks do, against the built server:
 * every one must connect, every time (issue: "every browser connects").
 */
describe('candidates as other WebRTC stacks send them', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;
  let api: ApiClient;
  const recognizer = requireRecognizer();

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'auto' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      TRANSCRIPTION_LANGUAGE: 'en',
      CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
    });
    api = new ApiClient(server.baseUrl);
  });

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  async function createSession() {
    const created = await api.createSession({ language: 'en' });
    if (!created.ok) throw new Error(`create failed: ${created.status} ${created.text}`);
    return created.data;
  }

  const shapes: Array<[string, CandidateShape]> = [
    ['pion: "sdpMid": "" and end-of-candidates before the answer', 'empty-mid'],
    [
      'Firefox without a stored permission: only mDNS names, TCP and component 2, end-of-candidates before the answer',
      'mdns-only',
    ],
  ];

  describe.each(shapes)('%s', (_, shape) => {
    it(`connects ${SESSIONS_PER_SHAPE} sessions of ${SESSIONS_PER_SHAPE}, and the server says nothing is wrong`, async () => {
      const connectMs: number[] = [];
      for (let i = 0; i < SESSIONS_PER_SHAPE; i++) {
        const startMark = performance.now();
        const session = await createSession();
        const streamer = new WebRtcStreamer({
          baseUrl: server.baseUrl,
          session,
          startMark,
          candidateShape: shape,
          gatherBeforeOffer: true,
        });
        try {
          const timings = await streamer.connect();
          connectMs.push(timings.connectedMs ?? NaN);
          // Everything the client trickled came before the answer was posted back.
          expect(streamer.candidatesSent.length).toBeGreaterThan(0);
          expect(streamer.errors).toEqual([]);
        } finally {
          streamer.bye();
          await streamer.close();
        }
      }
      expect(connectMs).toHaveLength(SESSIONS_PER_SHAPE);
      process.stdout.write(
        `candidates ${shape}: create -> connected ${connectMs.map(Math.round).join(', ')} ms\n`,
      );
    });

    it('streams speech and gets its transcript', async () => {
      const session = await createSession();
      const sse = await SseClient.connect(server.baseUrl, session.sessionId, session.token);
      const streamer = new WebRtcStreamer({
        baseUrl: server.baseUrl,
        session,
        candidateShape: shape,
        gatherBeforeOffer: true,
      });
      try {
        await streamer.connect();
        await streamer.stream(opusFrames('goforward.wav'));
        await api.deleteSession(session.sessionId, session.token);
        await sse.waitForType('end', 30_000);
      } finally {
        await streamer.close();
        sse.close();
      }
      const finals = sse.events.flatMap((e) => (e.type === 'final' ? [e.data.text] : []));
      expect(finals.join(' ').trim()).not.toBe('');
      if (recognizer) expect(finals.join(' ')).toMatch(/forward|ten|meters/);
      expect(sse.events.some((e) => e.type === 'error')).toBe(false);
    });
  });

  it("ends a session whose client never reaches the server's audio port, saying so plainly", async () => {
    const session = await createSession();
    const sse = await SseClient.connect(server.baseUrl, session.sessionId, session.token);
    // A client that offers, trickles only names the server cannot resolve, then goes quiet:
    // its peer connection is closed, so no check of its ever reaches the server.
    const offer = await makeOffer('audio');
    await offer.close();
    const socket = await openRawSocket(
      signalingUrl(server.baseUrl, session.sessionId, session.token),
    );
    if (!socket.ok) throw new Error(`socket refused: ${socket.status}`);
    socket.socket.sendMessage({
      type: 'candidate',
      candidate: {
        candidate: `candidate:0 1 UDP 2122252543 ${randomUUID()}.local 50000 typ host`,
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    });
    socket.socket.sendMessage({ type: 'end-of-candidates' });
    const answer = await api.postOffer(session.sessionId, session.token, offer.sdp);
    expect(answer.status).toBe(200);
    await sse.waitForType('end', CONNECT_TIMEOUT_MS + 10_000);
    sse.close();
    socket.socket.close();
    const errors = sse.events.flatMap((e) => (e.type === 'error' ? [e.data] : []));
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'connect_timeout',
        message: expect.stringMatching(/^could not connect to the server's audio port/),
        retryable: false,
      }),
    ]);
    expect(errors[0].message).toContain(
      "the client's candidates: 0 used, ignored: 1 mDNS; 0 refused; end-of-candidates received",
    );
    expect(errors[0].message).toContain('connectivity checks received from the client: 0');
    expect(errors[0].message).toMatch(/firewall.*TURN/);
    // The signaling socket heard no complaint about the mDNS candidate: it is not an error.
    expect(socket.socket.errors).toEqual([]);
  });
});
