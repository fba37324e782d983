import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TranscriptEvent } from '@whisperstream/shared-types';
import { TranscriptStore } from './transcript-store';
import { TranscriptView } from './transcript-view';

let id = 1;
const final = (segmentId: number, text: string): TranscriptEvent => ({
  type: 'final',
  id: id++,
  data: {
    segmentId,
    text,
    startMs: segmentId * 61_000,
    endMs: 0,
    latencyMs: 420,
    engine: 'openai',
  },
});
const partial = (segmentId: number, text: string, revision: number): TranscriptEvent => ({
  type: 'partial',
  id: id++,
  data: { segmentId, text, startMs: segmentId * 61_000, endMs: 0, revision },
});

describe(TranscriptView.name, () => {
  let fixture: ComponentFixture<TranscriptView>;
  let store: TranscriptStore;
  let scroller: HTMLElement;

  const all = (testId: string) =>
    Array.from(
      (fixture.nativeElement as HTMLElement).querySelectorAll(`[data-testid="${testId}"]`),
    );

  /** jsdom has no layout: give the scroller a size, and a scrollTop we can read back. */
  function fakeLayout(scrollHeight: number, clientHeight: number): void {
    Object.defineProperty(scroller, 'scrollHeight', { configurable: true, value: scrollHeight });
    Object.defineProperty(scroller, 'clientHeight', { configurable: true, value: clientHeight });
  }

  beforeEach(async () => {
    fixture = TestBed.createComponent(TranscriptView);
    store = TestBed.inject(TranscriptStore);
    await fixture.whenStable();
    scroller = (fixture.nativeElement as HTMLElement).querySelector(
      '[data-testid="transcript"]',
    ) as HTMLElement;
    let top = 0;
    Object.defineProperty(scroller, 'scrollTop', {
      configurable: true,
      get: () => top,
      set: (value: number) => (top = value),
    });
  });

  it('is a polite live region with a hint while empty', () => {
    expect(scroller.getAttribute('aria-live')).toBe('polite');
    expect(all('transcript-empty')).toHaveLength(1);
  });

  it('shows final lines with their time and the partial line apart, replaced in place', async () => {
    store.apply(final(0, 'Good morning.'));
    store.apply(partial(1, 'how are', 0));
    await fixture.whenStable();

    const [line] = all('transcript-line-final');
    expect(line.querySelector('.time')?.textContent).toBe('00:00');
    expect(line.querySelector('.text')?.textContent).toBe('Good morning.');
    expect(all('transcript-line-final')).toHaveLength(1);
    const [live] = all('transcript-line-partial');
    expect(live.textContent).toContain('how are');
    expect(live.getAttribute('aria-live')).toBe('off');

    store.apply(partial(1, 'how are you', 1));
    await fixture.whenStable();
    expect(all('transcript-line-partial')[0].textContent).toContain('how are you');

    store.apply(final(1, 'How are you?'));
    await fixture.whenStable();
    expect(all('transcript-line-partial')).toHaveLength(0);
    expect(all('transcript-line-final')[1].textContent).toContain('01:01');
    expect(all('transcript-line-final')[1].textContent).toContain('How are you?');
  });

  it('shows each line’s latency in the details view', async () => {
    store.apply(final(0, 'Hi.'));
    await fixture.whenStable();
    expect(all('line-latency')).toHaveLength(0);

    fixture.componentRef.setInput('showDetails', true);
    await fixture.whenStable();
    expect(all('line-latency')[0].textContent).toContain('420 ms');
  });

  it('follows new lines, stops when scrolled up, and resumes at the bottom', async () => {
    fakeLayout(1000, 200);
    store.apply(final(0, 'one'));
    await fixture.whenStable();
    expect(scroller.scrollTop).toBe(1000);

    scroller.scrollTop = 300; // the person scrolls up to read
    scroller.dispatchEvent(new Event('scroll'));
    fakeLayout(1100, 200);
    store.apply(final(1, 'two'));
    await fixture.whenStable();
    expect(scroller.scrollTop).toBe(300);
    expect(all('jump-to-latest')).toHaveLength(1);

    scroller.scrollTop = 900; // back at the bottom
    scroller.dispatchEvent(new Event('scroll'));
    fakeLayout(1200, 200);
    store.apply(final(2, 'three'));
    await fixture.whenStable();
    expect(scroller.scrollTop).toBe(1200);
    expect(all('jump-to-latest')).toHaveLength(0);
  });
});
