import type { Browser, BrowserContext, Download, Locator, Page } from 'playwright-core';
import { screenshotPath } from './artifacts';
import type { InPage, InPageElement, Marks, PartialMark } from './in-page';

export type LiveState = 'idle' | 'connecting' | 'live' | 'stopping' | 'ended';

/**
 * Long enough for a real connection, a 7 s utterance, the pause that ends it and a pocketsphinx
 * run on 2 busy cores.
 */
export const STATE_TIMEOUT_MS = 30_000;

/** What `watchFirstLines` saw, in milliseconds from the click on Start. */
export interface FirstLines {
  startToFirstFinalMs: number;
  firstFinalSegmentId: number;
  /** Every revision of a line in progress with text, shown before the first final line. */
  partials: Array<Omit<PartialMark, 'at'> & { afterStartMs: number }>;
}

/** The WhisperStream page, by its data-testids (apps/web/README.md). */
export class AppPage {
  readonly start: Locator;
  readonly stop: Locator;
  readonly state: Locator;
  readonly engine: Locator;
  readonly banner: Locator;
  readonly transcript: Locator;
  readonly finals: Locator;
  /** The status bar's "Latency: N ms" (`data-latency-ms`), shown once a line is final. */
  readonly latency: Locator;
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
    this.latency = page.getByTestId('latency-label');
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

  /**
   * Waits for a line in progress that shows text (a `partial`, not the "…" shown on
   * `speech-start`), and returns it as it was then.
   */
  async waitForPartialText(timeout = STATE_TIMEOUT_MS): Promise<Omit<PartialMark, 'at'>> {
    const line = this.page
      .locator('[data-testid="transcript-line-partial"]:not([data-revision="-1"])')
      .first();
    await line.waitFor({ timeout });
    return line.evaluate((element) => {
      const el = element as unknown as InPageElement;
      return {
        segmentId: Number(el.dataset['segmentId']),
        revision: Number(el.dataset['revision']),
        text: (el.querySelector('.text')?.textContent ?? '').trim(),
      };
    });
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
   * Notes, inside the page, when Start is clicked, every revision of a line in progress shown
   * before the first final line (with its text), and when the first final line appears (a
   * MutationObserver; no round trip to the test process in the measurement).
   */
  async watchFirstLines(): Promise<void> {
    await this.page.evaluate(() => {
      const page = globalThis as unknown as InPage;
      const marks: Marks = { partials: [] };
      page.__e2e = marks;
      page.document
        .querySelector('[data-testid="start-button"]')
        ?.addEventListener('click', () => (marks.startClickedAt = performance.now()), {
          capture: true,
          once: true,
        });
      const observer = new page.MutationObserver(() => {
        const now = performance.now();
        const final = page.document.querySelector('[data-testid="transcript-line-final"]');
        if (final) {
          marks.firstFinalAt = now;
          marks.firstFinalSegmentId = Number(final.dataset['segmentId']);
          observer.disconnect();
          return;
        }
        // A line in progress has text once a `partial` arrived (revision -1 is the "…").
        const lines = page.document.querySelectorAll(
          '[data-testid="transcript-line-partial"]:not([data-revision="-1"])',
        );
        for (const line of Array.from(lines)) {
          const segmentId = Number(line.dataset['segmentId']);
          const revision = Number(line.dataset['revision']);
          if (!marks.partials.some((p) => p.segmentId === segmentId && p.revision === revision)) {
            const text = (line.querySelector('.text')?.textContent ?? '').trim();
            marks.partials.push({ at: now, segmentId, revision, text });
          }
        }
      });
      observer.observe(page.document.body, { childList: true, subtree: true, characterData: true });
    });
  }

  /**
   * Once the first final line is shown: the marks of `watchFirstLines`, as milliseconds from
   * the click on Start.
   */
  async firstLines(): Promise<FirstLines> {
    await this.finals.first().waitFor({ timeout: STATE_TIMEOUT_MS });
    const marks = await this.page.evaluate(() => (globalThis as unknown as InPage).__e2e);
    const { startClickedAt, firstFinalAt, firstFinalSegmentId } = marks ?? {};
    if (
      !marks ||
      startClickedAt === undefined ||
      firstFinalAt === undefined ||
      firstFinalSegmentId === undefined
    ) {
      throw new Error(`marks missing: ${JSON.stringify(marks)}`);
    }
    const since = (at: number) => Math.round(at - startClickedAt);
    return {
      startToFirstFinalMs: since(firstFinalAt),
      firstFinalSegmentId,
      partials: marks.partials.map(({ at, ...rest }) => ({ ...rest, afterStartMs: since(at) })),
    };
  }

  /**
   * The status bar's latency and the newest final line's, read in one go inside the page (so
   * that no line can arrive between the two). The line's shows with "Show latency" on.
   */
  async latencies(): Promise<{
    label: string | null;
    labelMs: number | null;
    lineMs: number | null;
  }> {
    return this.page.evaluate(() => {
      const document = (globalThis as unknown as InPage).document;
      const label = document.querySelector('[data-testid="latency-label"]');
      const lines = document.querySelectorAll('[data-testid="line-latency"]');
      const line = lines.length > 0 ? lines[lines.length - 1] : null;
      const ms = (value: string | undefined) => (value === undefined ? null : Number(value));
      return {
        label: label?.textContent?.trim() ?? null,
        labelMs: ms(label?.dataset['latencyMs']),
        lineMs: ms(line?.dataset['latencyMs']),
      };
    });
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
