import type { Browser } from 'playwright-core';
import { wordErrorRate } from '@whisperstream/fake-openai';
import { startServer, type RunningServer } from '@whisperstream/server-harness';
import { AppPage } from './support/app-page';
import { recordMetric } from './support/artifacts';
import { launchChromium, MicClips } from './support/browser';
import { clip } from './support/fixtures';
import { CHROMIUM, describeWith, POCKETSPHINX } from './support/requirements';
import { WEB_ROOT } from './support/stack';

const LEADING_SILENCE_MS = 2000;
/** Trailing silence, so that Chromium's loop does not start the clip again during a test. */
const TRAILING_SILENCE_MS = 30_000;
/** pocketsphinx alone scores about 0.3 on this clip; the VAD sends it whole. */
const MAX_WER = 0.7;
/** pocketsphinx on 2 cores that the browser, the server and the partials share. */
const FINAL_TIMEOUT_MS = 60_000;

/**
 * No cloud, no download: Debian's pocketsphinx as the engine, the fixture through the browser.
 * A local engine costs nothing per call, so partials are on by default (PARTIALS=auto).
 */
describeWith([CHROMIUM, POCKETSPHINX], 'the offline engine, in Chromium', () => {
  const clips = new MicClips();
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let app: AppPage | undefined;

  beforeAll(async () => {
    server = await startServer({ WEB_ROOT, TRANSCRIPTION_ENGINE: 'sphinx' });
  });

  afterAll(async () => {
    await closeBrowser();
    await server?.stop();
    clips.dispose();
  });

  async function closeBrowser(): Promise<void> {
    await app?.close();
    app = undefined;
    await browser?.close();
    browser = undefined;
  }

  async function openWithMic(fixture: string): Promise<AppPage> {
    browser = await launchChromium({
      fakeMicWav: clips.padded(fixture, LEADING_SILENCE_MS, TRAILING_SILENCE_MS),
    });
    app = await AppPage.open(browser, (server as RunningServer).baseUrl);
    return app;
  }

  describe('a short utterance', () => {
    afterAll(closeBrowser);

    it('turns the fixture clip into text on the page and names the engine', async () => {
      const reference = clip('librivox-0880.wav');
      const page = await openWithMic(reference.file);
      await page.start.click();
      await page.waitForState('live');
      await page.page.locator('[data-testid="engine-label"][data-engine="sphinx"]').waitFor();
      // The clip is one utterance, segment 0.
      await page.waitForSegment(0, 'final', FINAL_TIMEOUT_MS);
      await page.stop.click();
      await page.waitForState('ended');
      const [text = ''] = await page.finalTexts();
      const wer = wordErrorRate(reference.text, text);
      recordMetric('browser-offline-engine', {
        clip: reference.file,
        text,
        wer: Math.round(wer * 1000) / 1000,
      });
      expect(text).toMatch(/young man/);
      expect(wer).toBeLessThan(MAX_WER);
      await page.screenshot('08-offline-engine');
    });
  });

  describe('a long utterance', () => {
    afterAll(closeBrowser);

    it('shows words while the person is still speaking, then replaces them with the final line', async () => {
      expect(
        (server as RunningServer).logs.find((line) => line.msg === 'transcription engine chosen'),
      ).toMatchObject({ partials: true });
      const reference = clip('librivox-0870.wav'); // 7 s of speech without a pause
      const page = await openWithMic(reference.file);
      await page.watchFirstLines();
      await page.start.click();
      await page.waitForState('live');

      const partial = await page.waitForPartialText(FINAL_TIMEOUT_MS);
      await page.screenshot('09-offline-partial-line');
      expect(partial.text).not.toBe('');
      expect(partial.text).not.toBe('…');
      expect(partial.revision).toBeGreaterThanOrEqual(1);

      await page.waitForSegment(partial.segmentId, 'final', FINAL_TIMEOUT_MS);
      // The final took the partial's place: no line of that segment is still in progress.
      expect(await page.segmentIds('partial')).not.toContain(partial.segmentId);
      expect(await page.segmentIds('final')).toEqual([partial.segmentId]);
      await page.screenshot('09-offline-partial-replaced');
      const first = await page.firstLines();
      const [final = ''] = await page.finalTexts();

      // The page showed the partial before the final, and it held only part of the words: it was
      // transcribed from the utterance while it was still being spoken.
      expect(first.partials.length).toBeGreaterThan(0);
      const firstPartial = first.partials[0];
      expect(firstPartial.segmentId).toBe(first.firstFinalSegmentId);
      expect(firstPartial.afterStartMs).toBeLessThan(first.startToFirstFinalMs);
      expect(words(firstPartial.text)).toBeLessThan(words(final));

      recordMetric('browser-partials', {
        clip: reference.file,
        startToFirstPartialMs: firstPartial.afterStartMs,
        startToFirstFinalMs: first.startToFirstFinalMs,
        partials: first.partials,
        final,
        wer: Math.round(wordErrorRate(reference.text, final) * 1000) / 1000,
      });
      await page.stop.click();
      await page.waitForState('ended');
    });
  });
});

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
