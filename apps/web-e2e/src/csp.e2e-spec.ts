import type { Browser } from 'playwright-core';
import { AppPage } from './support/app-page';
import { launchChromium, MicClips } from './support/browser';
import { CHROMIUM, describeWith } from './support/requirements';
import { startStack, type Stack } from './support/stack';

/**
 * The built app under the server's Content-Security-Policy (helmet): it loads, goes live and
 * shows a line, and Chromium reports no CSP violation on the way.
 */
describeWith([CHROMIUM], 'the web app under its Content-Security-Policy', () => {
  const clips = new MicClips();
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let app: AppPage | undefined;

  beforeAll(async () => {
    // 'describe' answers any audio with text: no recogniser is needed to get a line.
    stack = await startStack({ recognizer: 'describe' });
  });

  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await stack?.close();
    clips.dispose();
  });

  it('goes live and shows a line with no CSP violation in the console', async () => {
    const page = await fetch(`${(stack as Stack).baseUrl}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    browser = await launchChromium({ fakeMicWav: clips.padded('goforward.wav', 2000, 30_000) });
    app = await AppPage.open(browser, (stack as Stack).baseUrl);
    await app.start.click();
    await app.waitForState('live');
    await app.waitForSegment(0, 'final');
    await app.stop.click();
    await app.waitForState('ended');
    expect(app.console.filter((line) => /Content[ -]Security[ -]Policy/i.test(line))).toEqual([]);
  });
});
