import type { Browser } from 'playwright-core';
import { ApiClient } from '@whisperstream/webrtc-client';
import { AppPage } from './support/app-page';
import { recordMetric } from './support/artifacts';
import { launchChromium, MicClips } from './support/browser';
import { CHROMIUM, describeWith } from './support/requirements';
import { startStack, type Stack } from './support/stack';

const LEADING_SILENCE_MS = 2000;
const TRAILING_SILENCE_MS = 30_000;
/** How long the page waits for the ended state after the server process was killed. */
const CRASH_WAIT_MS = 45_000;
/**
 * A dead server is noticed once the event stream has failed to reconnect for 3 s and /healthz
 * is refused (apps/web LiveSession): about 3-4 s measured here, against 17 s when only the
 * failing ICE connection told.
 */
const CRASH_NOTICED_WITHIN_MS = 8000;

describeWith(
  [CHROMIUM],
  'WhisperStream in Chromium: what the page says when things go wrong',
  () => {
    const clips = new MicClips();
    const speech = () => clips.padded('librivox-0870.wav', LEADING_SILENCE_MS, TRAILING_SILENCE_MS);
    /**
     * A short utterance, then a long one after a short pause: once the first line is final, the
     * second utterance is still being spoken (its "…" is shown) for several seconds.
     */
    const twoUtterances = () =>
      clips.compose('short-then-long', [
        { silenceMs: LEADING_SILENCE_MS },
        { fixture: 'librivox-0880.wav' },
        { silenceMs: 1000 },
        { fixture: 'librivox-0870.wav' },
        { silenceMs: TRAILING_SILENCE_MS },
      ]);

    let stack: Stack | undefined;
    let browser: Browser | undefined;
    let app: AppPage | undefined;

    async function cleanUp(): Promise<void> {
      await app?.close();
      app = undefined;
      await browser?.close();
      browser = undefined;
      await stack?.close();
      stack = undefined;
    }

    afterAll(async () => {
      await cleanUp();
      clips.dispose();
    });

    /** Starts a session that is live, has shown a line, and shows the next one in progress. */
    async function liveSession(): Promise<AppPage> {
      stack = await startStack();
      browser = await launchChromium({ fakeMicWav: twoUtterances() });
      app = await AppPage.open(browser, stack.baseUrl);
      await app.start.click();
      await app.waitForState('live');
      await app.waitForSegment(0, 'final');
      await app.page
        .locator('[data-testid="transcript-line-partial"][data-segment-id="1"]')
        .waitFor();
      return app;
    }

    describe('when the server is stopped (SIGTERM) mid-session', () => {
      let page: AppPage;
      let linesBefore: string[];

      beforeAll(async () => {
        page = await liveSession();
        linesBefore = await page.finalTexts();
        await (stack as Stack).server.stop();
        await page.waitForState('ended');
        await page.banner.waitFor();
        await page.screenshot('10-error-server-stopped');
      });

      afterAll(cleanUp);

      it('ends the session with an error and keeps the transcript', async () => {
        expect(await page.banner.getAttribute('data-severity')).toBe('error');
        expect(await page.banner.getAttribute('role')).toBe('alert');
        expect(await page.start.isEnabled()).toBe(true);
        expect(await page.stop.isEnabled()).toBe(false);
        const lines = await page.finalTexts();
        expect(lines.slice(0, linesBefore.length)).toEqual(linesBefore);
        expect(await page.page.getByTestId('download-txt').isEnabled()).toBe(true);
      });

      // The server's closing `error` event (code server_shutdown, no segmentId) says why; it is
      // not an engine failure, and Stop is not the way out.
      it('says in plain words that the server closed the session, and why', async () => {
        expect(await page.banner.getAttribute('data-code')).toBe('session-closed');
        const text = await page.banner.innerText();
        expect(text).toContain('The server closed this session because it is shutting down');
        expect(text).toContain('press Start to begin a new session');
        expect(text).not.toMatch(/engine|Press Stop/);
      });

      it('shows no line in progress once the session has ended', async () => {
        expect(await page.segmentIds('partial')).toEqual([]);
      });
    });

    describe('when the server process dies (SIGKILL) mid-session', () => {
      let page: AppPage;
      let noticedAfterMs: number;

      beforeAll(async () => {
        page = await liveSession();
        const killedAt = Date.now();
        (stack as Stack).server.process.kill('SIGKILL');
        await page.waitForState('ended', CRASH_WAIT_MS);
        noticedAfterMs = Date.now() - killedAt;
        await page.banner.waitFor();
        await page.screenshot('11-error-server-crashed');
      });

      afterAll(cleanUp);

      it('says within seconds that the server cannot be reached, and keeps the transcript', async () => {
        const code = await page.banner.getAttribute('data-code');
        recordMetric('browser-server-crash', { noticedAfterMs, code });
        expect(code).toBe('server-unreachable');
        expect(noticedAfterMs).toBeLessThan(CRASH_NOTICED_WITHIN_MS);
        expect(await page.banner.innerText()).toContain('Check that the server is running');
        expect(await page.banner.getAttribute('data-severity')).toBe('error');
        expect(await page.finals.count()).toBeGreaterThan(0);
        expect(await page.start.isEnabled()).toBe(true);
        expect(await page.stop.isEnabled()).toBe(false);
      });

      // A session that fails without the server's `end` drops the "…" of the utterance in progress.
      it('shows no line in progress once the session has ended', async () => {
        expect(await page.segmentIds('partial')).toEqual([]);
      });
    });

    describe('when the microphone permission is denied', () => {
      afterEach(cleanUp);

      it('says the microphone is blocked, and creates no session', async () => {
        stack = await startStack();
        browser = await launchChromium({ microphone: 'denied', fakeMicWav: speech() });
        app = await AppPage.open(browser, stack.baseUrl);
        await app.screenshot('12-idle-microphone-blocked');
        await app.start.click();
        const text = await app.waitForBanner('mic-denied');
        expect(text).toContain('Microphone access is blocked');
        expect(text).toContain('press Start again');
        expect(await app.banner.getAttribute('data-severity')).toBe('error');
        await app.waitForState('idle');
        expect(await app.start.isEnabled()).toBe(true);
        expect(await app.page.getByTestId('mic-hint').innerText()).toContain(
          'Microphone access is blocked',
        );
        expect(stack.server.logs.filter((line) => line.msg === 'session created')).toHaveLength(0);
        await app.screenshot('13-error-microphone-denied');
      });
    });

    describe('when the server is at its session limit', () => {
      afterEach(cleanUp);

      it('says when to retry, and Start works once a session is free', async () => {
        stack = await startStack({ env: { MAX_SESSIONS: '1' } });
        const api = new ApiClient(stack.baseUrl);
        const taken = await api.createSession({});
        if (!taken.ok) {
          throw new Error(`could not take the only session: ${taken.status} ${taken.text}`);
        }
        browser = await launchChromium({ fakeMicWav: speech() });
        app = await AppPage.open(browser, stack.baseUrl);
        await app.start.click();
        const text = await app.waitForBanner('session-limit');
        expect(text).toMatch(
          /^The server is busy: it has reached its limit of live sessions\. Try again in 10 seconds \(at \d\d:\d\d:\d\d\)\.$/m,
        );
        expect(await app.banner.getAttribute('data-severity')).toBe('error');
        await app.waitForState('idle');
        expect(await app.start.isEnabled()).toBe(true);
        await app.screenshot('14-error-session-limit');

        // Once the other session is gone, Start works again.
        const deleted = await api.deleteSession(taken.data.sessionId, taken.data.token);
        expect(deleted.status).toBe(204);
        await app.start.click();
        await app.waitForState('live');
        expect(await app.banner.count()).toBe(0);
        await app.stop.click();
        await app.waitForState('ended');
      });
    });
  },
);
