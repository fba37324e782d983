import { ComponentFixture, TestBed } from '@angular/core/testing';
import { FakeBrowser, FakeResponse, GRANT, json } from '../testing/fake-browser';
import { App } from './app';
import { BROWSER_APIS } from './shared/browser-apis';

describe(App.name, () => {
  let browser: FakeBrowser;
  let fixture: ComponentFixture<App>;

  const el = (testId: string) =>
    (fixture.nativeElement as HTMLElement).querySelector(
      `[data-testid="${testId}"]`,
    ) as HTMLElement;

  beforeEach(async () => {
    browser = new FakeBrowser();
    browser.http
      .route('POST /api/sessions', () => json(201, GRANT))
      .route('POST /api/sessions/s1/offer', () => json(200, { type: 'answer', sdp: 'v=0 answer' }))
      .route('DELETE /api/sessions/s1', () => new FakeResponse(204, null));
    TestBed.configureTestingModule({
      providers: [{ provide: BROWSER_APIS, useValue: browser.apis }],
    });
    fixture = TestBed.createComponent(App);
    await fixture.whenStable();
  });

  it('renders every control the browser tests rely on', () => {
    for (const testId of [
      'start-button',
      'stop-button',
      'state-label',
      'engine-label',
      'mic-select',
      'level-meter',
      'language-select',
      'transcript',
      'copy-button',
      'clear-button',
      'download-txt',
      'download-srt',
      'download-vtt',
      'download-json',
      'details-toggle',
      'diagnostics',
    ]) {
      expect({ testId, found: el(testId) !== null }).toEqual({ testId, found: true });
    }
    expect(el('state-label').dataset['state']).toBe('idle');
    expect((el('start-button') as HTMLButtonElement).disabled).toBe(false);
    expect((el('stop-button') as HTMLButtonElement).disabled).toBe(true);
    expect((el('download-srt') as HTMLButtonElement).disabled).toBe(true);
    expect(el('error-banner')).toBeNull();
  });

  it('lists the microphones once it has looked for them', async () => {
    await fixture.whenStable();
    const options = Array.from((el('mic-select') as HTMLSelectElement).options).map((o) =>
      o.text.trim(),
    );
    expect(options).toEqual(['System default', 'USB microphone']);
  });

  it('runs a session from Start to live text to Stop', async () => {
    const offerPosted = browser.http.whenCalled('POST /api/sessions/s1/offer');
    el('start-button').click();
    await fixture.whenStable();
    expect(el('state-label').dataset['state']).toBe('connecting');
    expect((el('stop-button') as HTMLButtonElement).disabled).toBe(false);
    expect(document.activeElement).toBe(el('stop-button')); // keyboard focus follows the action

    await offerPosted;
    browser.eventSource.emit('session', 1, {
      state: 'live',
      engine: { id: 'openai', model: 'whisper-1' },
    });
    browser.pc.setConnectionState('connected');
    browser.eventSource.emit('partial', 2, {
      segmentId: 0,
      text: 'hello',
      startMs: 0,
      endMs: 500,
      revision: 0,
    });
    await fixture.whenStable();

    expect(el('state-label').dataset['state']).toBe('live');
    expect(el('engine-label').textContent).toContain('openai · whisper-1');
    expect(el('transcript-line-partial').textContent).toContain('hello');
    expect((el('mic-select') as HTMLSelectElement).disabled).toBe(true);

    browser.eventSource.emit('final', 3, {
      segmentId: 0,
      text: 'Hello world.',
      startMs: 0,
      endMs: 900,
      latencyMs: 250,
      engine: 'openai',
    });
    await fixture.whenStable();
    expect(el('transcript-line-final').textContent).toContain('Hello world.');
    expect(el('transcript-line-partial')).toBeNull();
    expect(el('latency-label').textContent).toContain('Latency: 250 ms');

    el('stop-button').click();
    browser.eventSource.emit('end', 4, {});
    await fixture.whenStable();
    expect(el('state-label').dataset['state']).toBe('ended');
    expect(document.activeElement).toBe(el('start-button'));
    expect((el('download-srt') as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows a plain-language error when the server cannot be reached', async () => {
    browser.http.route('POST /api/sessions', () => {
      throw new TypeError('Failed to fetch');
    });
    el('start-button').click();
    await fixture.whenStable();
    await fixture.whenStable();

    expect(el('error-banner').dataset['code']).toBe('server-unreachable');
    expect(el('error-banner').textContent).toContain('cannot be reached');
    expect(el('state-label').dataset['state']).toBe('idle');
  });
});
