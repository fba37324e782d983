import { TestBed } from '@angular/core/testing';
import { BROWSER_APIS } from '../shared/browser-apis';
import {
  deferred,
  FakeBrowser,
  FakeMediaStream,
  FakeResponse,
  GRANT,
  json,
} from '../../testing/fake-browser';
import { HttpError, ServerUnreachableError } from './http';
import {
  SignalingClient,
  SignalingEvent,
  SOCKET_REOPEN_DELAYS_MS,
  STATS_INTERVAL_MS,
} from './signaling-client';

const ANSWER = { type: 'answer', sdp: 'v=0 answer' };

describe(SignalingClient.name, () => {
  let browser: FakeBrowser;
  let sut: SignalingClient;
  let stream: FakeMediaStream;

  function connect(): Promise<void> {
    return sut.connect(
      GRANT,
      stream.track as unknown as MediaStreamTrack,
      stream as unknown as MediaStream,
    );
  }

  beforeEach(() => {
    browser = new FakeBrowser();
    browser.http
      .route('POST /api/sessions', () => json(201, GRANT))
      .route('POST /api/sessions/s1/offer', () => json(200, ANSWER))
      .route('DELETE /api/sessions/s1', () => new FakeResponse(204, null));
    stream = new FakeMediaStream();
    TestBed.configureTestingModule({
      providers: [{ provide: BROWSER_APIS, useValue: browser.apis }],
    });
    sut = TestBed.inject(SignalingClient);
  });

  it('creates the session, then posts the offer with the bearer token, then applies the answer', async () => {
    const grant = await sut.createSession('de');
    await connect();

    expect(grant).toEqual(GRANT);
    expect(browser.log).toEqual([
      'fetch POST /api/sessions',
      'pc new',
      'pc addTrack',
      'ws new',
      'pc createOffer',
      'pc setLocalDescription offer',
      'fetch POST /api/sessions/s1/offer',
      'pc setRemoteDescription answer',
    ]);
    const [create, offer] = browser.http.calls;
    expect(create.body).toEqual({ language: 'de' });
    expect(offer.headers['Authorization']).toBe('Bearer tok');
    expect(offer.body).toEqual({ type: 'offer', sdp: 'v=0 offer' });
    expect(browser.pc.config.iceServers).toEqual(GRANT.iceServers);
    expect(browser.pc.tracks).toEqual([stream.track]);
    expect(browser.pc.remoteDescription).toEqual(ANSWER);
  });

  it('asks for automatic language detection with an empty body', async () => {
    await sut.createSession(null);
    expect(browser.http.calls[0].body).toEqual({});
  });

  it('opens the socket on the page host, with wss: on an https page', async () => {
    browser.location = { protocol: 'https:', host: 'talk.example.org' };
    await connect();
    expect(browser.socket.url).toBe('wss://talk.example.org/ws?sessionId=s1&token=tok');
  });

  it('sends its own candidates only once the socket is open, then end-of-candidates once', async () => {
    await connect();
    browser.pc.gather('candidate:1 1 udp 2122260223 192.168.1.2 50000 typ host');
    browser.pc.gather('candidate:2 1 udp 2122260223 10.0.0.2 50001 typ host');
    expect(browser.socket.sent).toEqual([]);

    browser.socket.open();
    browser.pc.gather('candidate:3 1 udp 1686052607 203.0.113.9 50002 typ srflx');
    browser.pc.gather(null);
    browser.pc.setGatheringState('complete');

    expect(browser.socket.sent).toEqual([
      {
        type: 'candidate',
        candidate: {
          candidate: 'candidate:1 1 udp 2122260223 192.168.1.2 50000 typ host',
          sdpMid: '0',
          sdpMLineIndex: 0,
          usernameFragment: 'ufrag',
        },
      },
      expect.objectContaining({
        candidate: expect.objectContaining({ candidate: expect.stringMatching(/^candidate:2/) }),
      }),
      expect.objectContaining({
        candidate: expect.objectContaining({ candidate: expect.stringMatching(/^candidate:3/) }),
      }),
      { type: 'end-of-candidates' },
    ]);
    expect(sut.localCandidates()).toBe(3);
  });

  it('keeps the server candidates until the remote description is set', async () => {
    const answer = deferred<ReturnType<typeof json>>();
    browser.http.route('POST /api/sessions/s1/offer', () => answer.promise);
    const offerPosted = browser.http.whenCalled('POST /api/sessions/s1/offer');

    const connecting = connect();
    await offerPosted;
    browser.socket.open();
    browser.socket.receive({
      type: 'candidate',
      candidate: {
        candidate: 'candidate:9 1 udp 1 127.0.0.1 40000 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    });
    expect(browser.pc.addedCandidates).toEqual([]);
    expect(sut.remoteCandidates()).toBe(1);

    answer.resolve(json(200, ANSWER));
    await connecting;

    expect(browser.pc.addedCandidates.map((c) => c.candidate)).toEqual([
      'candidate:9 1 udp 1 127.0.0.1 40000 typ host',
    ]);
    const log = browser.log;
    expect(log.indexOf('pc setRemoteDescription answer')).toBeLessThan(
      log.indexOf('pc addIceCandidate candidate:9 1 udp 1 127.0.0.1 40000 typ host'),
    );
  });

  it('adds server candidates at once after the remote description is set', async () => {
    await connect();
    browser.socket.open();
    browser.socket.receive({
      type: 'candidate',
      candidate: { candidate: 'candidate:7 1 udp 1 127.0.0.1 40001 typ host' },
    });
    await Promise.resolve();
    expect(browser.pc.addedCandidates).toHaveLength(1);
  });

  it('says bye over the socket, then deletes the session with its token, and closes everything', async () => {
    await connect();
    browser.socket.open();
    browser.log.length = 0;

    await sut.close({ sayBye: true });

    expect(browser.log).toEqual([
      'ws send bye',
      'ws close',
      'pc close',
      'fetch DELETE /api/sessions/s1',
    ]);
    expect(browser.http.calls.at(-1)?.headers['Authorization']).toBe('Bearer tok');
    expect(sut.socketState()).toBe('closed');
    expect(sut.connectionState()).toBe('closed');
  });

  it('closes only once', async () => {
    await connect();
    browser.socket.open();
    await sut.close({ sayBye: true });
    await sut.close({ sayBye: true });
    expect(browser.log.filter((line) => line === 'ws send bye')).toHaveLength(1);
  });

  describe('a socket that drops', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('is reopened, so that the server does not end the session (socket_gone)', async () => {
      await connect();
      browser.socket.open();
      const first = browser.socket;
      first.serverClose(1006);
      expect(sut.socketState()).toBe('closed');
      browser.pc.gather('candidate:9 1 udp 1 192.168.1.9 50009 typ host'); // kept meanwhile

      await jest.advanceTimersByTimeAsync(SOCKET_REOPEN_DELAYS_MS[0]);
      expect(browser.sockets).toHaveLength(2);
      expect(browser.socket.url).toBe(first.url);
      expect(sut.socketState()).toBe('connecting');
      browser.socket.open();
      expect(sut.socketState()).toBe('open');
      expect(browser.socket.sent).toEqual([
        {
          type: 'candidate',
          candidate: expect.objectContaining({ candidate: expect.any(String) }),
        },
      ]);
    });

    it('is given up after a few failed attempts', async () => {
      await connect();
      for (const delay of SOCKET_REOPEN_DELAYS_MS) {
        browser.socket.serverClose(1006);
        await jest.advanceTimersByTimeAsync(delay);
      }
      browser.socket.serverClose(1006);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(browser.sockets).toHaveLength(SOCKET_REOPEN_DELAYS_MS.length + 1);
    });

    it('is not reopened when the server ended the session or after close()', async () => {
      await connect();
      browser.socket.open();
      browser.socket.serverClose(1000, 'session ended');
      await jest.advanceTimersByTimeAsync(60_000);
      expect(browser.sockets).toHaveLength(1);

      await connect();
      browser.socket.serverClose(1006);
      await sut.close({ sayBye: false });
      await jest.advanceTimersByTimeAsync(60_000);
      expect(browser.sockets).toHaveLength(2);
    });
  });

  it('passes on error messages from the server and ignores anything outside the contract', async () => {
    const events: SignalingEvent[] = [];
    sut.events$.subscribe((event) => events.push(event));
    await connect();
    browser.socket.open();

    browser.socket.receive('not json');
    browser.socket.receive({ type: 'hello' });
    browser.socket.receive({ type: 'candidate', candidate: { candidate: 42 } });
    browser.socket.receive({ type: 'error', code: 'session_closed', message: 'the session ended' });

    expect(events).toEqual([
      { type: 'server-error', code: 'session_closed', message: 'the session ended' },
    ]);
    expect(sut.remoteCandidates()).toBe(0);
  });

  it('stops negotiating when closed while the offer is in flight', async () => {
    const answer = deferred<ReturnType<typeof json>>();
    browser.http.route('POST /api/sessions/s1/offer', () => answer.promise);
    const offerPosted = browser.http.whenCalled('POST /api/sessions/s1/offer');
    const connecting = connect();
    await offerPosted;

    await sut.close({ sayBye: true });
    answer.resolve(json(200, ANSWER));

    await expect(connecting).rejects.toThrow('closed while negotiating');
    expect(browser.pc.remoteDescription).toBeNull();
  });

  it('reports a full server (503) with its Retry-After delay', async () => {
    browser.http.route('POST /api/sessions', () =>
      json(
        503,
        { error: { code: 'session_limit', message: 'too many sessions' } },
        { 'Retry-After': '30' },
      ),
    );
    const error = await sut.createSession(null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503, code: 'session_limit', retryAfterSeconds: 30 });
  });

  it('reports an unreachable server when fetch itself fails', async () => {
    browser.http.route('POST /api/sessions', () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(sut.createSession(null)).rejects.toBeInstanceOf(ServerUnreachableError);
  });

  it('polls packets sent and round-trip time every second while connected', async () => {
    jest.useFakeTimers();
    try {
      await connect();
      browser.pc.statsReport = new Map<string, Record<string, unknown>>([
        ['o1', { id: 'o1', type: 'outbound-rtp', kind: 'audio', packetsSent: 250 }],
        ['t1', { id: 't1', type: 'transport', selectedCandidatePairId: 'cp1' }],
        ['cp1', { id: 'cp1', type: 'candidate-pair', currentRoundTripTime: 0.012 }],
      ]);
      browser.pc.setConnectionState('connected');
      await jest.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 2);

      expect(browser.pc.getStatsCalls).toBe(3);
      expect(sut.stats()).toEqual({ packetsSent: 250, roundTripTimeMs: 12 });

      await sut.close({ sayBye: false });
      await jest.advanceTimersByTimeAsync(STATS_INTERVAL_MS * 3);
      expect(browser.pc.getStatsCalls).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
