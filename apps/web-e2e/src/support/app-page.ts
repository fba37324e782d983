import type { Browser, BrowserContext, Download, Locator, Page } from 'playwright-core';
import { screenshotPath } from './artifacts';
import type { InPage, InPageElement, Marks } from './in-page';

export type LiveState = 'idle' | 'connecting' | 'live' | 'stopping' | 'ended';

/** Long enough for a real connection, a 3 s chunk and a pocketsphinx run on 2 busy cores. */
export const STATE_TIMEOUT_MS = 30_000;

/** The WhisperStream page, by its data-testids (apps/web/README.md). */
export class AppPage {
  readonly start: Locator;
  readonly stop: Locator;
  readonly state: Locator;
  readonly engine: Locator;
  readonly banner: Locator;
  readonly transcript: Locator;
  readonly finals: Locator;
  /** Browser console errors and page errors, to print when a test fails. */
  readonly console: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    this.start = page.getByTestId('start-button');
    this.stop = page.getByTestId('stop-button');
    this.state = page.getByTestId('state-label');
    this.engine = page.getByTestId('engine-label');
    this.banner = page.getByTestId('error-banner');
    this.transcript = page.getByTestId('transcript');
    this.finals = page.getByTestId('transcript-line-final');
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        this.console.push(`${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => this.console.push(`pageerror: ${error.message}`));
  }

  /** A fresh context (no stored preferences), the page loaded and idle. */
  static async open(browser: Browser, baseUrl: string): Promise<AppPage> {
    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1000, height: 800 },
    });
    const page = await context.newPage();
    const app = new AppPage(context, page);
    await page.goto(baseUrl);
    await app.waitForState('idle');
    return app;
  }

  async waitForState(state: LiveState, timeout = STATE_TIMEOUT_MS): Promise<void> {
    await this.page
      .locator(`[data-testid="state-label"][data-state="${state}"]`)
      .waitFor({ timeout });
  }

  async currentState(): Promise<string | null> {
    return this.state.getAttribute('data-state');
  }

  /** Waits for the error banner with this `data-code`, and returns its text. */
  async waitForBanner(code: string, timeout = STATE_TIMEOUT_MS): Promise<string> {
    const banner = this.page.locator(`[data-testid="error-banner"][data-code="${code}"]`);
    try {
      await banner.waitFor({ timeout });
    } catch (error) {
      const shown = (await this.banner.count())
        ? `${await this.banner.getAttribute('data-code')}: ${await this.banner.innerText()}`
        : 'no banner';
      throw new Error(`banner "${code}" not shown (${shown})`, { cause: error });
    }
    return (await banner.innerText()).trim();
  }

  /**
   * Waits until a line for this segment or a later one is shown: `kind` 'any' counts the
   * placeholder that appears when a segment starts, 'final' only finished lines.
   */
  async waitForSegment(
    segmentId: number,
    kind: 'any' | 'final' = 'any',
    timeout = STATE_TIMEOUT_MS,
  ): Promise<void> {
    await this.page.waitForFunction(
      ({ id, selector }) =>
        Array.from((globalThis as unknown as InPage).document.querySelectorAll(selector)).some(
          (line) => Number(line.dataset['segmentId']) >= id,
        ),
      {
        id: segmentId,
        selector:
          kind === 'final'
            ? '[data-testid="transcript-line-final"]'
            : '[data-testid^="transcript-line-"]',
      },
      { timeout, polling: 100 },
    );
  }

  /** The segment ids of the final lines, or of the lines in progress ("…" placeholders). */
  async segmentIds(kind: 'final' | 'partial'): Promise<number[]> {
    const ids = await this.page
      .getByTestId(`transcript-line-${kind}`)
      .evaluateAll((lines) =>
        lines.map((line) => (line as unknown as InPageElement).dataset['segmentId']),
      );
    return ids.map(Number);
  }

  /** The text of each final line, in order, as shown. */
  async finalTexts(): Promise<string[]> {
    return (await this.finals.locator('.text').allInnerTexts()).map((text) => text.trim());
  }

  /** The `mm:ss` stamp of each final line, as shown. */
  async finalTimes(): Promise<string[]> {
    return (await this.finals.locator('.time').allInnerTexts()).map((text) => text.trim());
  }

  /**
   * Notes, inside the page, when Start is clicked and when the first final line appears
   * (a MutationObserver; no round trip to the test process in the measurement).
   */
  async watchFirstFinal(): Promise<void> {
    await this.page.evaluate(() => {
      const page = globalThis as unknown as InPage;
      const marks: Marks = {};
      page.__e2e = marks;
      page.document
        .querySelector('[data-testid="start-button"]')
        ?.addEventListener('click', () => (marks.startClickedAt = performance.now()), {
          capture: true,
          once: true,
        });
      const observer = new page.MutationObserver(() => {
        if (page.document.querySelector('[data-testid="transcript-line-final"]')) {
          marks.firstFinalAt = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(page.document.body, { childList: true, subtree: true });
    });
  }

  /** Milliseconds from the click on Start to the first final line (after `watchFirstFinal`). */
  async startToFirstFinalMs(): Promise<number> {
    await this.finals.first().waitFor({ timeout: STATE_TIMEOUT_MS });
    const marks = await this.page.evaluate(() => (globalThis as unknown as InPage).__e2e ?? {});
    const { startClickedAt, firstFinalAt } = marks;
    if (startClickedAt === undefined || firstFinalAt === undefined) {
      throw new Error(`marks missing: ${JSON.stringify(marks)}`);
    }
    return Math.round(firstFinalAt - startClickedAt);
  }

  /** Clicks a download button and returns the download, with its contents. */
  async download(testId: string): Promise<{ download: Download; fileName: string; text: string }> {
    const [download] = await Promise.all([
      this.page.waitForEvent('download', { timeout: STATE_TIMEOUT_MS }),
      this.page.getByTestId(testId).click(),
    ]);
    const failure = await download.failure();
    if (failure) {
      throw new Error(`download ${testId} failed: ${failure}`);
    }
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
    }
    return {
      download,
      fileName: download.suggestedFilename(),
      text: Buffer.concat(chunks).toString('utf8'),
    };
  }

  async screenshot(name: string): Promise<string> {
    const path = screenshotPath(name);
    await this.page.screenshot({ path, fullPage: true, animations: 'disabled' });
    return path;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
