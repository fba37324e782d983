import { TestBed } from '@angular/core/testing';
import { deferred, FakeBrowser, FakeResponse, GRANT, json } from '../../testing/fake-browser';
import { STALL_AFTER_MS } from '../connection/event-stream';
import { BROWSER_APIS } from '../shared/browser-apis';
import { TranscriptStore } from '../transcript/transcript-store';
import { CONNECT_TIMEOUT_MS, END_TIMEOUT_MS, HEALTH_TIMEOUT_MS, LiveSession } from './live-session';

const ENGINE = { id: 'openai', model: 'whisper-1' };
const final = (segmentId: number, text: string) => ({
  segmentId,
  text,
  startMs: segmentId * 3000,
  endMs: segmentId * 3000 + 2000,
  latencyMs: 300,
  engine: 'openai',
});

describe(LiveSession.name, () => {
  let browser: FakeBrowser;
  let sut: LiveSession;
  let store: TranscriptStore;

  beforeEach(() => {
    browser = new FakeBrowser();
    browser.http
      .route('POST /api/sessions', () => json(201, GRANT))
      .route('POST /api/sessions/s1/offer', () => json(200, { type: 'answer', sdp: 'v=0 answer' }))
      .route('DELETE /api/sessions/s1', () => new FakeResponse(204, null));
    TestBed.configureTestingModule({
      providers: [{ provide: BROWSER_APIS, useValue: browser.apis }],
    });
    sut = TestBed.inject(LiveSession);
    store = TestBed.inject(TranscriptStore);
  });

  afterEach(() => jest.useRealTimers());

  /** Start, and let the connection come up. */
  async function goLive(): Promise<void> {
    await sut.start();
    browser.socket.open();
    browser.eventSource.open();
    browser.eventSource.emit('session', 1, { state: 'live', engine: ENGINE });
    browser.pc.setConnectionState('connected');
  }

  it('goes from idle through connecting to live, with the engine named by the server', async () => {
    expect(sut.state()).toBe('idle');
    const starting = sut.start();
    expect(sut.state()).toBe('connecting');
    await starting;
    expect(sut.state()).toBe('connecting');

    browser.eventSource.emit('session', 1, { state: 'waiting-for-media', engine: ENGINE });
    browser.pc.setConnectionState('connected');

    expect(sut.state()).toBe('live');
    expect(sut.engine()).toEqual(ENGINE);
    expect(browser.eventSource.url).toBe('/api/sessions/s1/events?token=tok');
  });

  it('asks for the raw microphone and sends the chosen language', async () => {
    sut.setLanguage('fr');
    await sut.start();
    const create = browser.http.calls.find((c) => c.url === '/api/sessions');
    expect(create?.body).toEqual({ language: 'fr' });
    expect(browser.storage.get('whisperstream.language')).toBe('fr');
    expect(browser.log[0]).toBe('getUserMedia');
  });

  it('on Stop says bye, deletes the session, shows the last lines and ends after the end event', async () => {
    jest.useFakeTimers();
    await goLive();
    browser.eventSource.emit('final', 2, final(0, 'first'));

    const stopping = sut.stop();
    expect(sut.state()).toBe('stopping');
    expect(browser.streams[0].track.stopped).toBe(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(browser.log).toContain('ws send bye');
    expect(browser.log).toContain('fetch DELETE /api/sessions/s1');

    browser.eventSource.emit('final', 3, final(1, 'last words'));
    browser.eventSource.emit('end', 4, {});
    await stopping;

    expect(sut.state()).toBe('ended');
    expect(store.lines().map((l) => l.text)).toEqual(['first', 'last words']);
    expect(sut.access()).toEqual({ sessionId: 's1', token: 'tok' }); // downloads still work
    expect(sut.notice()).toBeNull();
  });

  it('ends anyway when the end event never comes', async () => {
    jest.useFakeTimers();
    await goLive();
    const stopping = sut.stop();
    await jest.advanceTimersByTimeAsync(END_TIMEOUT_MS);
    await stopping;
    expect(sut.state()).toBe('ended');
  });

  it('shows when to retry when the server is at its session limit, and returns to idle', async () => {
    browser.http.route('POST /api/sessions', () =>
      json(503, { error: { code: 'session_limit', message: 'full' } }, { 'Retry-After': '20' }),
    );
    await sut.start();

    expect(sut.state()).toBe('idle');
    expect(sut.notice()?.code).toBe('session-limit');
    expect(sut.notice()?.message).toContain('Try again in 20 seconds');
    expect(browser.streams[0].track.stopped).toBe(true); // the microphone is released
    expect(sut.canStart()).toBe(true);
  });

  it('explains a denied microphone without contacting the server', async () => {
    browser.getUserMediaError = 'NotAllowedError';
    await sut.start();
    expect(sut.notice()?.code).toBe('mic-denied');
    expect(browser.http.calls).toEqual([]);
    expect(sut.state()).toBe('idle');
  });

  it('says the session was closed by the server when the stream ends on its own', async () => {
    await goLive();
    browser.eventSource.emit('final', 2, final(0, 'kept'));
    browser.eventSource.emit('session', 3, { state: 'closed', engine: ENGINE });
    browser.eventSource.emit('end', 4, {});

    expect(sut.state()).toBe('ended');
    expect(sut.notice()?.code).toBe('session-closed');
    expect(store.lines()).toHaveLength(1);
  });

  describe('when the server ends the session itself', () => {
    /** What the server publishes when it closes a session (apps/api Session.#close). */
    function serverCloses(code: string, message: string, firstId: number): void {
      const source = browser.eventSource;
      source.emit('session', firstId, { state: 'closing', engine: ENGINE });
      source.emit('final', firstId + 1, final(1, 'drained'));
      source.emit('error', firstId + 2, { code, message, retryable: false });
      source.emit('session', firstId + 3, { state: 'closed', engine: ENGINE });
      source.emit('end', firstId + 4, {});
    }

    it('says the server shut down (not that the engine failed) and that Start begins a new session', async () => {
      await goLive();
      browser.eventSource.emit('final', 2, final(0, 'kept'));
      serverCloses('server_shutdown', 'the server is shutting down', 3);

      expect(sut.state()).toBe('ended');
      expect(sut.canStop()).toBe(false);
      expect(sut.canStart()).toBe(true);
      expect(sut.notice()).toMatchObject({ code: 'session-closed', severity: 'error' });
      expect(sut.notice()?.message).toMatch(
        /^The server closed this session because it is shutting down .*press Start to begin a new session\.$/,
      );
      expect(sut.notice()?.message).not.toMatch(/engine|Press Stop/);
      expect(store.lines().map((l) => l.text)).toEqual(['kept', 'drained']);
    });

    it.each([
      ['media_timeout', 'no audio arrived from this page for too long'],
      ['connect_timeout', 'this page could not connect to the server’s audio port in time'],
      ['socket_gone', 'the connection to this page was lost'],
    ])('says why for %s', async (code, why) => {
      await goLive();
      serverCloses(code, 'server words', 2);
      expect(sut.state()).toBe('ended');
      expect(sut.notice()?.message).toContain(`The server closed this session because ${why}`);
    });

    it('stops at once when the error comes before the closing states', async () => {
      await goLive();
      browser.eventSource.emit('error', 2, {
        code: 'media_failed',
        message: 'the media connection failed',
        retryable: false,
      });
      expect(sut.state()).toBe('stopping');
      expect(sut.canStop()).toBe(false);
      expect(browser.streams[0].track.stopped).toBe(true);
      browser.eventSource.emit('session', 3, { state: 'closed', engine: ENGINE });
      browser.eventSource.emit('end', 4, {});
      expect(sut.state()).toBe('ended');
      expect(sut.notice()?.message).toContain('because the audio connection to this page was lost');
    });

    it('keeps the engine wording for an engine failure in one segment, and stays live', async () => {
      await goLive();
      browser.eventSource.emit('speech-start', 2, { segmentId: 0, startMs: 0 });
      browser.eventSource.emit('error', 3, {
        code: 'engine_unavailable',
        message: 'the engine is unavailable',
        retryable: false,
        segmentId: 0,
      });
      expect(sut.state()).toBe('live');
      expect(sut.notice()?.code).toBe('engine-failed');
      expect(sut.notice()?.message).toMatch(/^The transcription engine failed/);
      browser.eventSource.emit('final', 4, final(1, 'still arriving'));
      expect(store.lines().map((l) => l.text)).toEqual(['still arriving']);
    });
  });

  describe('lines in progress', () => {
    it('are dropped when the session fails without the server’s end', async () => {
      await goLive();
      browser.eventSource.emit('final', 2, final(0, 'kept'));
      browser.eventSource.emit('speech-start', 3, { segmentId: 1, startMs: 3000 });
      expect(store.partials()).toHaveLength(1);

      browser.pc.setConnectionState('failed');
      await Promise.resolve();

      expect(sut.state()).toBe('ended');
      expect(store.partials()).toEqual([]);
      expect(store.lines().map((l) => l.text)).toEqual(['kept']);
    });

    it('are dropped when Stop ends without the end event', async () => {
      jest.useFakeTimers();
      await goLive();
      browser.eventSource.emit('speech-start', 2, { segmentId: 0, startMs: 0 });
      const stopping = sut.stop();
      await jest.advanceTimersByTimeAsync(END_TIMEOUT_MS);
      await stopping;
      expect(sut.state()).toBe('ended');
      expect(store.partials()).toEqual([]);
    });
  });

  describe('when the server is gone (crashed or killed)', () => {
    beforeEach(() => jest.useFakeTimers());

    /** What Chromium does when the server process dies: the stream retries for ever. */
    function serverDies(): void {
      browser.eventSource.fail('retrying');
      browser.socket.serverClose(1006);
    }

    it('says the server cannot be reached and ends the session within a few seconds', async () => {
      await goLive();
      browser.eventSource.emit('final', 2, final(0, 'kept'));
      browser.eventSource.emit('speech-start', 3, { segmentId: 1, startMs: 3000 });
      serverDies(); // no route for /healthz: fetch fails as with a refused connection

      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS - 1);
      expect(sut.state()).toBe('live');
      await jest.advanceTimersByTimeAsync(1);

      expect(browser.log).toContain('fetch GET /healthz');
      expect(sut.state()).toBe('ended');
      expect(sut.canStop()).toBe(false);
      expect(sut.notice()).toMatchObject({ code: 'server-unreachable', severity: 'error' });
      expect(sut.notice()?.message).toContain('Check that the server is running');
      expect(sut.notice()?.message).toContain('press Start');
      expect(store.lines().map((l) => l.text)).toEqual(['kept']);
      expect(store.partials()).toEqual([]);
      expect(browser.streams[0].track.stopped).toBe(true);
    });

    it('does not wait for /healthz when the peer connection and the socket are down too', async () => {
      await goLive();
      browser.http.route('GET /healthz', () => new Promise(() => undefined)); // never answers
      serverDies();
      browser.pc.setConnectionState('disconnected');
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS);
      expect(sut.state()).toBe('ended');
      expect(sut.notice()?.code).toBe('server-unreachable');
    });

    it('ends when /healthz does not answer in time', async () => {
      await goLive();
      browser.http.route('GET /healthz', () => new Promise(() => undefined));
      browser.eventSource.fail('retrying');
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS + HEALTH_TIMEOUT_MS - 1);
      expect(sut.state()).toBe('live');
      await jest.advanceTimersByTimeAsync(1);
      expect(sut.state()).toBe('ended');
      expect(sut.notice()?.code).toBe('server-unreachable');
    });

    it('keeps a session whose stream only blipped while the server answers', async () => {
      await goLive();
      browser.http.route('GET /healthz', () => json(200, { status: 'ok' }));
      browser.eventSource.fail('retrying');
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS);
      expect(browser.log).toContain('fetch GET /healthz');
      expect(sut.state()).toBe('live');

      browser.eventSource.open(); // EventSource got through again
      browser.eventSource.emit('final', 2, final(0, 'after the blip'));
      await jest.advanceTimersByTimeAsync(10 * STALL_AFTER_MS);
      expect(sut.state()).toBe('live');
      expect(sut.notice()).toBeNull();
      expect(store.lines().map((l) => l.text)).toEqual(['after the blip']);
    });

    it('never asks when a short blip is over before the stall', async () => {
      await goLive();
      browser.eventSource.fail('retrying');
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS - 1000);
      browser.eventSource.open();
      await jest.advanceTimersByTimeAsync(10 * STALL_AFTER_MS);
      expect(browser.log).not.toContain('fetch GET /healthz');
      expect(sut.state()).toBe('live');
    });

    it('does not end a session when the stream comes back while /healthz is asked', async () => {
      await goLive();
      const answer = deferred<FakeResponse>();
      browser.http.route('GET /healthz', () => answer.promise);
      browser.eventSource.fail('retrying');
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS);
      browser.eventSource.open();
      answer.resolve(new FakeResponse(502, null));
      await jest.advanceTimersByTimeAsync(0);
      expect(sut.state()).toBe('live');
    });

    it('after Stop, stops waiting for the last lines of a server that is gone', async () => {
      await goLive();
      const stopping = sut.stop();
      serverDies();
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS);
      await stopping;
      expect(sut.state()).toBe('ended');
      expect(sut.notice()?.code).toBe('server-unreachable');
    });

    it('after Stop, keeps waiting for the last lines while the server answers', async () => {
      await goLive();
      browser.http.route('GET /healthz', () => json(200, { status: 'ok' }));
      const stopping = sut.stop();
      browser.eventSource.fail('retrying');
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS);
      expect(browser.log).toContain('fetch GET /healthz');
      expect(sut.state()).toBe('stopping');
      browser.eventSource.open();
      browser.eventSource.emit('final', 2, final(0, 'last words'));
      browser.eventSource.emit('end', 3, {});
      await stopping;
      expect(sut.state()).toBe('ended');
      expect(sut.notice()).toBeNull();
      expect(store.lines().map((l) => l.text)).toEqual(['last words']);
    });
  });

  it('warns while the engine retries and clears the warning when lines arrive again', async () => {
    await goLive();
    browser.eventSource.emit('error', 2, {
      code: 'engine_timeout',
      message: 'timed out',
      retryable: true,
    });
    expect(sut.notice()).toMatchObject({ code: 'engine-retrying', severity: 'warning' });
    expect(sut.state()).toBe('live');

    browser.eventSource.emit('final', 3, final(0, 'recovered'));
    expect(sut.notice()).toBeNull();
  });

  it('reports a lost audio connection and cleans up', async () => {
    await goLive();
    browser.pc.setConnectionState('failed');
    await Promise.resolve();
    expect(sut.notice()?.code).toBe('connection-lost');
    expect(browser.pc.closed).toBe(true);
  });

  it('says the audio port could not be reached, with what to check, when the connection fails before it was ever live', async () => {
    await sut.start();
    browser.socket.open();
    browser.eventSource.open();
    browser.eventSource.emit('session', 1, { state: 'waiting-for-media', engine: ENGINE });
    browser.pc.setConnectionState('failed');
    await Promise.resolve();
    expect(sut.notice()?.code).toBe('connection-failed');
    expect(sut.notice()?.message).toMatch(
      /^This page could not connect to the server’s audio port\. .*firewall.*TURN server/,
    );
    expect(sut.notice()?.message).not.toMatch(/lost/);
    expect(browser.pc.closed).toBe(true);
  });

  it('gives up connecting after the timeout', async () => {
    jest.useFakeTimers();
    await sut.start();
    await jest.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS);
    expect(sut.notice()?.code).toBe('connection-timeout');
    expect(sut.state()).toBe('ended');
  });

  it('deletes a session that was still being created when Stop was pressed', async () => {
    let answer!: (response: ReturnType<typeof json>) => void;
    browser.http.route('POST /api/sessions', () => new Promise((resolve) => (answer = resolve)));
    const created = browser.http.whenCalled('POST /api/sessions');
    const starting = sut.start();
    await created;

    await sut.stop();
    expect(sut.state()).toBe('idle');
    answer(json(201, GRANT));
    await starting;

    expect(browser.log).toContain('fetch DELETE /api/sessions/s1');
    expect(browser.peerConnections).toEqual([]);
    expect(sut.state()).toBe('idle');
  });

  describe('credential flow (GET /api/web-config)', () => {
    const TOKEN_URL = 'https://corp.example.org/whisperstream/token';

    function keyRequired(tokenUrl: string | null): void {
      browser.http.route('GET /api/web-config', () =>
        json(200, { apiKeyRequired: true, tokenUrl }),
      );
    }

    it('creates the session with no credential when the server needs none', async () => {
      browser.http.route('GET /api/web-config', () =>
        json(200, { apiKeyRequired: false, tokenUrl: null }),
      );
      await sut.start();
      const create = browser.http.calls.find((c) => c.url === '/api/sessions');
      expect(create?.headers['Authorization']).toBeUndefined();
      expect(sut.state()).toBe('connecting');
    });

    it('gets a client token from the token URL with the person’s cookies, then creates the session with it', async () => {
      keyRequired(TOKEN_URL);
      browser.http.route(`POST ${TOKEN_URL}`, () =>
        json(200, { token: 'ct_abc', expiresAt: '2025-01-01T12:01:00.000Z' }),
      );
      await sut.start();

      expect(browser.log.filter((l) => l.startsWith('fetch'))).toEqual([
        'fetch GET /api/web-config',
        `fetch POST ${TOKEN_URL}`,
        'fetch POST /api/sessions',
        'fetch POST /api/sessions/s1/offer',
      ]);
      const [, token, create, offer] = browser.http.calls;
      expect(token.credentials).toBe('include');
      expect(create.headers['Authorization']).toBe('Bearer ct_abc');
      expect(offer.headers['Authorization']).toBe('Bearer tok'); // the session's own token after
      expect(sut.notice()).toBeNull();
    });

    it('gets a new token for each session (one token creates one session)', async () => {
      keyRequired('/auth/token');
      let issued = 0;
      browser.http.route('POST /auth/token', () =>
        json(200, { token: `ct_${++issued}`, expiresAt: '2025-01-01T12:01:00.000Z' }),
      );
      jest.useFakeTimers();
      await goLive();
      const stopping = sut.stop();
      await jest.advanceTimersByTimeAsync(0);
      browser.eventSource.emit('end', 2, {});
      await stopping;
      expect(sut.state()).toBe('ended');
      await sut.start();

      const creates = browser.http.calls.filter((c) => c.url === '/api/sessions');
      expect(creates.map((c) => c.headers['Authorization'])).toEqual([
        'Bearer ct_1',
        'Bearer ct_2',
      ]);
    });

    it('says plainly that an API key is needed when the server names no token URL, and creates nothing', async () => {
      keyRequired(null);
      await sut.start();

      expect(sut.notice()?.code).toBe('api-key-required');
      expect(sut.notice()?.message).toContain('needs an API key');
      expect(browser.http.calls.some((c) => c.url === '/api/sessions')).toBe(false);
      expect(sut.state()).toBe('idle');
      expect(browser.streams[0].track.stopped).toBe(true); // the microphone is released
    });

    it('says the sign-in was refused when the token URL answers 401', async () => {
      keyRequired(TOKEN_URL);
      browser.http.route(`POST ${TOKEN_URL}`, () =>
        json(401, { error: { code: 'unauthorized', message: 'sign in' } }),
      );
      await sut.start();

      expect(sut.notice()?.code).toBe('token-refused');
      expect(sut.notice()?.message).toContain('corp.example.org');
      expect(browser.http.calls.some((c) => c.url === '/api/sessions')).toBe(false);
      expect(sut.state()).toBe('idle');
    });

    it('says the token could not be had when the token URL answers outside the contract', async () => {
      keyRequired(TOKEN_URL);
      browser.http.route(`POST ${TOKEN_URL}`, () => json(200, { nope: true }));
      await sut.start();
      expect(sut.notice()?.code).toBe('token-unavailable');
    });

    it('says the token was refused when session creation answers 401 to it', async () => {
      keyRequired(TOKEN_URL);
      browser.http
        .route(`POST ${TOKEN_URL}`, () =>
          json(200, { token: 'ct_old', expiresAt: '2025-01-01T12:01:00.000Z' }),
        )
        .route('POST /api/sessions', () =>
          json(401, { error: { code: 'invalid_api_key', message: 'expired client token' } }),
        );
      await sut.start();
      expect(sut.notice()?.code).toBe('not-authorized');
      expect(sut.notice()?.message).toContain('refused this page’s session token');
      expect(sut.state()).toBe('idle');
    });

    it('says a key is needed when an older server (web-config 404) answers 401', async () => {
      browser.http.route('POST /api/sessions', () =>
        json(401, { error: { code: 'missing_api_key', message: 'an API key is required' } }),
      );
      await sut.start();
      expect(sut.notice()?.code).toBe('not-authorized');
      expect(sut.notice()?.message).toContain('needs an API key');
    });
  });
});
