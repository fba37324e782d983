import { TestBed } from '@angular/core/testing';
import { FakeBrowser, FakeResponse, GRANT, json } from '../../testing/fake-browser';
import { BROWSER_APIS } from '../shared/browser-apis';
import { TranscriptStore } from '../transcript/transcript-store';
import { CONNECT_TIMEOUT_MS, END_TIMEOUT_MS, LiveSession } from './live-session';

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
    expect(browser.http.calls[0].body).toEqual({ language: 'fr' });
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

  it('reports a failed audio connection and cleans up', async () => {
    await goLive();
    browser.pc.setConnectionState('failed');
    await Promise.resolve();
    expect(sut.notice()?.code).toBe('connection-failed');
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
});
