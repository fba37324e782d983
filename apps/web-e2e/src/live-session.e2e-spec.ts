import type { Browser } from 'playwright-core';
import { wordErrorRate } from '@whisperstream/fake-openai';
import { AppPage } from './support/app-page';
import { recordMetric } from './support/artifacts';
import { launchChromium, MicClips } from './support/browser';
import { clip } from './support/fixtures';
import { canCheck, CHROMIUM, describeWith, POCKETSPHINX } from './support/requirements';
import { startStack, type Stack } from './support/stack';

/** Leading silence of every fake-microphone clip: Chromium loses about the first 1.5 s. */
const LEADING_SILENCE_MS = 2000;
/** Trailing silence, so that Chromium's loop does not start the clip again during a test. */
const TRAILING_SILENCE_MS = 30_000;
/** The server's fixed segmentation (FIXED_CHUNK_MS, its default). */
const CHUNK_MS = 3000;
/**
 * Measured here: 0.45-0.55 on librivox-0870 over 9 runs, 0.68 once with both cores loaded by
 * other work (pocketsphinx alone misses about 30 % of the words of these clips, and the fixed 3 s
 * cuts go through words); the bound leaves room for that and still needs real recognition.
 */
const MAX_WER = 0.8;

describeWith([CHROMIUM], 'WhisperStream in Chromium with a fake microphone', () => {
  const clips = new MicClips();
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let app: AppPage | undefined;

  beforeAll(async () => {
    stack = await startStack({ env: { FIXED_CHUNK_MS: String(CHUNK_MS) } });
  });

  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await stack?.close();
    clips.dispose();
  });

  async function closeBrowser(): Promise<void> {
    await app?.close();
    app = undefined;
    await browser?.close();
    browser = undefined;
  }

  describe('a spoken clip', () => {
    afterAll(closeBrowser);

    it('shows its lines while live, and the ended state after Stop', async () => {
      const reference = clip('librivox-0870.wav');
      const recognised = canCheck(POCKETSPHINX, 'word error rate of the page');
      browser = await launchChromium({
        fakeMicWav: clips.padded(reference.file, LEADING_SILENCE_MS, TRAILING_SILENCE_MS),
      });
      app = await AppPage.open(browser, (stack as Stack).baseUrl);
      await app.page.getByTestId('transcript-empty').waitFor();
      expect(await app.start.isEnabled()).toBe(true);
      expect(await app.stop.isEnabled()).toBe(false);
      await app.screenshot('01-idle');

      await app.watchFirstFinal();
      await app.start.click();
      await app.waitForState('live');
      const startToFirstFinalMs = await app.startToFirstFinalMs();
      await app.screenshot('02-live-first-line');
      await app.page.locator('[data-testid="engine-label"][data-engine="openai"]').waitFor();

      // Every chunk holding speech has been cut once the placeholder of the chunk after the
      // speech's end appears (audio lost at the start only moves the end earlier).
      const speechEndMs = LEADING_SILENCE_MS + reference.seconds * 1000;
      await app.waitForSegment(Math.floor(speechEndMs / CHUNK_MS) + 1);
      await app.screenshot('03-live-with-lines');

      await app.stop.click();
      await app.waitForState('ended');
      expect(await app.start.isEnabled()).toBe(true);
      expect(await app.stop.isEnabled()).toBe(false);
      expect(await app.banner.count()).toBe(0);
      expect(await app.segmentIds('partial')).toEqual([]);
      // the microphone is released: the meter is empty, not frozen at the last level
      const meter = app.page.getByTestId('level-meter');
      expect(await meter.getAttribute('data-active')).toBe('false');
      expect(await meter.getAttribute('data-level')).toBe('0');
      await app.screenshot('04-ended');

      const lines = await app.finalTexts();
      expect(lines.length).toBeGreaterThan(0);
      const text = lines.join(' ');
      const wer = recognised ? wordErrorRate(reference.text, text) : null;
      recordMetric('browser-live-session', {
        clip: reference.file,
        startToFirstFinalMs,
        wer: wer === null ? null : Math.round(wer * 1000) / 1000,
        lines: lines.length,
        chunkMs: CHUNK_MS,
        recognizer: recognised ? 'pocketsphinx' : 'describe',
        reference: reference.text,
        hypothesis: text,
      });
      if (wer !== null) {
        expect(wer).toBeLessThan(MAX_WER);
      } else {
        expect(text).toMatch(/\[\d+ ms of audio\]/); // the fallback recognizer describes the audio
      }
    });
  });

  describe('speech, a pause longer than two chunks, then more speech', () => {
    const GAP_MS = 6500;
    let placeholdersBeforeLastFinal: number[];

    beforeAll(async () => {
      const first = clip('goforward.wav');
      browser = await launchChromium({
        fakeMicWav: clips.compose('speech-pause-speech', [
          { silenceMs: LEADING_SILENCE_MS },
          { fixture: first.file },
          { silenceMs: GAP_MS },
          { fixture: 'librivox-0880.wav' },
          { silenceMs: TRAILING_SILENCE_MS },
        ]),
      });
      app = await AppPage.open(browser, (stack as Stack).baseUrl);
      await app.start.click();
      await app.waitForState('live');
      // A pause of more than two chunks holds at least one chunk of pure silence; the speech
      // after it starts in a later chunk, at least this one (even with 2 s of audio lost).
      const secondSpeechChunk = Math.floor(
        (LEADING_SILENCE_MS + first.seconds * 1000 + GAP_MS - 2000) / CHUNK_MS,
      );
      await app.waitForSegment(secondSpeechChunk, 'final');
      // The server publishes each chunk's result in order: once a line is final, every chunk
      // before it is done, and no "…" placeholder should be left before that line.
      const lastFinal = Math.max(...(await app.segmentIds('final')));
      placeholdersBeforeLastFinal = (await app.segmentIds('partial')).filter(
        (id) => id < lastFinal,
      );
      await app.screenshot('05-live-after-a-pause');
      await app.stop.click();
      await app.waitForState('ended');
      await app.screenshot('06-ended-after-a-pause');
    });

    afterAll(closeBrowser);

    it('downloads the transcript shown, as SRT and as TXT', async () => {
      const page = app as AppPage;
      const shown = await page.finalTexts();
      const times = await page.finalTimes();
      expect(shown.length).toBeGreaterThanOrEqual(2);

      const srt = await page.download('download-srt');
      expect(srt.fileName).toMatch(/^whisperstream-\d{4}-\d{2}-\d{2}-\d{6}\.srt$/);
      const cues = parseSrt(srt.text);
      expect(cues.map((cue) => cue.text)).toEqual(shown);
      expect(cues.map((cue) => cue.index)).toEqual(shown.map((_, i) => i + 1));
      // The page shows each line's start as mm:ss; its cue starts in the same second.
      expect(cues.map((cue) => cue.start.slice(3, 8))).toEqual(times);
      for (const cue of cues) {
        expect(cue.end > cue.start).toBe(true);
      }

      const txt = await page.download('download-txt');
      expect(txt.fileName).toMatch(/^whisperstream-\d{4}-\d{2}-\d{2}-\d{6}\.txt$/);
      expect(txt.text).toBe(shown.map((line) => `${line}\n`).join(''));
      expect(await page.banner.count()).toBe(0);
      await page.screenshot('07-ended-after-downloads');
    });

    // A chunk in which the engine hears nothing gets an empty `final`, which closes its "…"
    // placeholder. Only pocketsphinx hears nothing in silence (the fallback recognizer
    // describes any audio).
    const silenceHeard = POCKETSPHINX.available();
    (silenceHeard ? it : it.skip)(
      'leaves no "…" placeholder for the pause once later lines are final',
      () => {
        expect(placeholdersBeforeLastFinal).toEqual([]);
      },
    );
  });
});

interface SrtCue {
  index: number;
  start: string;
  end: string;
  text: string;
}

function parseSrt(text: string): SrtCue[] {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const [index, times, ...body] = block.split('\n');
      const match = /^(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})$/.exec(times ?? '');
      if (!match) {
        throw new Error(`not an SRT cue: ${JSON.stringify(block)}`);
      }
      return { index: Number(index), start: match[1], end: match[2], text: body.join(' ').trim() };
    });
}
