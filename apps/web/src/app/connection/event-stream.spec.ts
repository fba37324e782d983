import { TestBed } from '@angular/core/testing';
import { TranscriptEvent } from '@whisperstream/shared-types';
import { FakeBrowser } from '../../testing/fake-browser';
import { BROWSER_APIS } from '../shared/browser-apis';
import { TranscriptStore } from '../transcript/transcript-store';
import { EventStream, RECONNECT_DELAYS_MS, STALL_AFTER_MS } from './event-stream';

const ENGINE = { id: 'openai', model: 'whisper-1' };
const final = (segmentId: number, text: string) => ({
  segmentId,
  text,
  startMs: segmentId * 3000,
  endMs: segmentId * 3000 + 2500,
  latencyMs: 400,
  engine: 'openai',
});

describe(EventStream.name, () => {
  let browser: FakeBrowser;
  let sut: EventStream;
  let received: TranscriptEvent[];

  beforeEach(() => {
    browser = new FakeBrowser();
    TestBed.configureTestingModule({
      providers: [{ provide: BROWSER_APIS, useValue: browser.apis }],
    });
    sut = TestBed.inject(EventStream);
    received = [];
    sut.events$.subscribe((event) => received.push(event));
  });

  afterEach(() => sut.close());

  it('listens on the session events URL with the token', () => {
    sut.open('s 1', 't/k');
    expect(browser.eventSource.url).toBe('/api/sessions/s%201/events?token=t%2Fk');
    expect(sut.state()).toBe('connecting');
    browser.eventSource.open();
    expect(sut.state()).toBe('open');
  });

  it('hands on each contract event once, parsed, in order', () => {
    sut.open('s1', 'tok');
    const source = browser.eventSource;
    source.emit('session', 1, { state: 'live', engine: ENGINE });
    source.emit('speech-start', 2, { segmentId: 0, startMs: 0 });
    source.emit('partial', 3, { segmentId: 0, text: 'hel', startMs: 0, endMs: 900, revision: 0 });
    source.emit('final', 4, final(0, 'hello'));
    source.emit('error', 5, { code: 'engine_timeout', message: 'slow', retryable: true });

    expect(received.map((e) => [e.id, e.type])).toEqual([
      [1, 'session'],
      [2, 'speech-start'],
      [3, 'partial'],
      [4, 'final'],
      [5, 'error'],
    ]);
    expect(received[3]).toEqual({ type: 'final', id: 4, data: final(0, 'hello') });
    expect(sut.lastEventId()).toBe(5);
  });

  it('drops events replayed after EventSource reconnected by itself', () => {
    sut.open('s1', 'tok');
    const source = browser.eventSource;
    source.emit('final', 1, final(0, 'one'));
    source.emit('final', 2, final(1, 'two'));

    source.fail('retrying');
    expect(sut.state()).toBe('reconnecting');
    source.open();
    source.emit('final', 2, final(1, 'two'));
    source.emit('final', 3, final(2, 'three'));

    expect(received.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(browser.eventSources).toHaveLength(1); // the browser's own retry, no second source
  });

  it('tells the server’s error events apart from connection errors', () => {
    sut.open('s1', 'tok');
    browser.eventSource.fail('retrying');
    browser.eventSource.emit('error', 1, {
      code: 'engine_down',
      message: 'down',
      retryable: false,
    });

    expect(received).toEqual([
      { type: 'error', id: 1, data: { code: 'engine_down', message: 'down', retryable: false } },
    ]);
  });

  it('opens a new EventSource after a backoff when the browser gives up, without doubling events', async () => {
    jest.useFakeTimers();
    try {
      let resumed = 0;
      sut.resumed$.subscribe(() => resumed++);
      sut.open('s1', 'tok');
      const first = browser.eventSource;
      first.open();
      first.emit('final', 1, final(0, 'one'));
      first.emit('final', 2, final(1, 'two'));

      first.fail('gave-up');
      expect(sut.state()).toBe('reconnecting');
      await jest.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0] - 1);
      expect(browser.eventSources).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(browser.eventSources).toHaveLength(2);

      const second = browser.eventSource;
      expect(second.url).toBe(first.url);
      second.open();
      // without Last-Event-ID the server may replay from the start
      second.emit('final', 1, final(0, 'one'));
      second.emit('final', 2, final(1, 'two'));
      second.emit('final', 3, final(2, 'three'));
      first.emit('final', 4, final(3, 'stale source')); // the old source is ignored

      expect(received.map((e) => e.id)).toEqual([1, 2, 3]);
      expect(resumed).toBe(1);
      expect(sut.state()).toBe('open');
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives up after the backoff schedule and says so', async () => {
    jest.useFakeTimers();
    try {
      let lost = 0;
      sut.lost$.subscribe(() => lost++);
      sut.open('s1', 'tok');
      for (const delay of RECONNECT_DELAYS_MS) {
        browser.eventSource.fail('gave-up');
        await jest.advanceTimersByTimeAsync(delay);
      }
      browser.eventSource.fail('gave-up');

      expect(browser.eventSources).toHaveLength(RECONNECT_DELAYS_MS.length + 1);
      expect(lost).toBe(1);
      expect(sut.state()).toBe('closed');
    } finally {
      jest.useRealTimers();
    }
  });

  describe('stalled$', () => {
    let stalls: number;

    beforeEach(() => {
      jest.useFakeTimers();
      stalls = 0;
      sut.stalled$.subscribe(() => stalls++);
    });

    afterEach(() => jest.useRealTimers());

    it('emits when EventSource keeps retrying for STALL_AFTER_MS, and again while it still does', async () => {
      sut.open('s1', 'tok');
      browser.eventSource.open();
      browser.eventSource.fail('retrying');
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS - 100);
      browser.eventSource.fail('retrying'); // the next failed retry does not start it over
      await jest.advanceTimersByTimeAsync(100);
      expect(stalls).toBe(1);
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS);
      expect(stalls).toBe(2);

      browser.eventSource.open();
      await jest.advanceTimersByTimeAsync(10 * STALL_AFTER_MS);
      expect(stalls).toBe(2);
    });

    it('does not emit for a blip that is over in time', async () => {
      sut.open('s1', 'tok');
      browser.eventSource.open();
      browser.eventSource.fail('retrying');
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS - 1);
      browser.eventSource.open();
      await jest.advanceTimersByTimeAsync(10 * STALL_AFTER_MS);
      expect(stalls).toBe(0);
    });

    it('counts the backoff after EventSource gave up too, and stops on close', async () => {
      sut.open('s1', 'tok');
      browser.eventSource.fail('gave-up');
      await jest.advanceTimersByTimeAsync(STALL_AFTER_MS);
      expect(stalls).toBe(1);
      sut.close();
      await jest.advanceTimersByTimeAsync(10 * STALL_AFTER_MS);
      expect(stalls).toBe(1);
    });
  });

  it('closes after the end event and does not reconnect', async () => {
    jest.useFakeTimers();
    try {
      sut.open('s1', 'tok');
      const source = browser.eventSource;
      source.emit('final', 1, final(0, 'bye'));
      source.emit('end', 2, {});

      expect(source.readyState).toBe(2);
      expect(sut.state()).toBe('closed');
      source.fail('gave-up');
      await jest.advanceTimersByTimeAsync(60_000);
      expect(browser.eventSources).toHaveLength(1);
      expect(received.map((e) => e.type)).toEqual(['final', 'end']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('skips and counts events that do not match the contract', () => {
    sut.open('s1', 'tok');
    browser.eventSource.emit('final', 1, { segmentId: 0, text: 'no timing' });
    browser.eventSource.emit('final', 2, final(0, 'fine'));

    expect(received.map((e) => e.id)).toEqual([2]);
    expect(sut.rejected()).toBe(1);
  });

  it('with the transcript store, shows every line once across a reconnect that replays', () => {
    const store = TestBed.inject(TranscriptStore);
    sut.events$.subscribe((event) => store.apply(event));
    sut.open('s1', 'tok');
    const source = browser.eventSource;
    source.emit('partial', 1, { segmentId: 0, text: 'good', startMs: 0, endMs: 500, revision: 0 });
    source.emit('final', 2, final(0, 'good morning'));
    source.emit('partial', 3, {
      segmentId: 1,
      text: 'how',
      startMs: 3000,
      endMs: 3400,
      revision: 0,
    });

    source.fail('retrying');
    source.open();
    source.emit('final', 2, final(0, 'good morning'));
    source.emit('partial', 3, {
      segmentId: 1,
      text: 'how',
      startMs: 3000,
      endMs: 3400,
      revision: 0,
    });
    source.emit('final', 4, final(1, 'how are you'));

    expect(store.lines().map((l) => l.text)).toEqual(['good morning', 'how are you']);
    expect(store.partials()).toEqual([]);
  });
});
