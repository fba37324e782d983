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
const TRAILING_SILENCE_MS = 2000;
/** pocketsphinx alone scores about 0.3 on this clip; Chromium's capture and the 10 s chunk add little. */
const MAX_WER = 0.7;

/** No cloud, no download: Debian's pocketsphinx as the engine, the fixture through the browser. */
describeWith([CHROMIUM, POCKETSPHINX], 'the offline engine, in Chromium', () => {
  const clips = new MicClips();
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let app: AppPage | undefined;

  beforeAll(async () => {
    server = await startServer({
      WEB_ROOT,
      TRANSCRIPTION_ENGINE: 'sphinx',
      FIXED_CHUNK_MS: '10000',
    });
  });

  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await server?.stop();
    clips.dispose();
  });

  it('turns the fixture clip into text on the page and names the engine', async () => {
    const reference = clip('librivox-0880.wav');
    browser = await launchChromium({
      fakeMicWav: clips.padded(reference.file, LEADING_SILENCE_MS, TRAILING_SILENCE_MS),
    });
    app = await AppPage.open(browser, (server as RunningServer).baseUrl);
    await app.start.click();
    await app.waitForState('live');
    await app.page.locator('[data-testid="engine-label"][data-engine="sphinx"]').waitFor();
    // The first 10 s chunk holds the padded clip (the fake microphone loops it, so the chunk
    // may end with the start of the clip again; only its first words are scored).
    await app.waitForSegment(0, 'final', 60_000);
    await app.stop.click();
    await app.waitForState('ended');
    const text = (await app.finalTexts()).join(' ');
    // The fake microphone loops the clip: score the first time through.
    const words = reference.text.split(' ').length;
    const wer = wordErrorRate(reference.text, text.split(/\s+/).slice(0, words).join(' '));
    recordMetric('browser-offline-engine', {
      clip: reference.file,
      text,
      wer: Math.round(wer * 1000) / 1000,
    });
    expect(text).toMatch(/young man/);
    expect(wer).toBeLessThan(MAX_WER);
    await app.screenshot('08-offline-engine');
  });
});
