import type { Browser, Page } from 'puppeteer-core';
import { screenshotPath } from './artifacts';
import {
  FAKE_MIC_DEVICE_ID,
  FAKE_MIC_LABEL,
  fakeMicPreload,
  WATCH_KEY,
  type CandidateCounts,
  type PageWatch,
  type PeerReport,
} from './fake-mic-preload';
import type { BrowserName } from './puppeteer-browsers';

export type LiveState = 'idle' | 'connecting' | 'live' | 'stopping' | 'ended';

/** As app-page.ts: a real connection, a 7 s utterance and pocketsphinx on 2 busy cores. */
export const STATE_TIMEOUT_MS = 30_000;

/** The page's error banner: its `data-code` and its words. */
export interface Banner {
  code: string;
  text: string;
}

/** One session, Start to `ended`, as the page showed it and as the preload saw it. */
export interface SessionRecord {
  /** Reached `live`. */
  live: boolean;
  /** Reached `ended` (or `idle`) after Stop, or after the server or the page gave up. */
  ended: boolean;
  /** The first banner shown (e.g. `session-closed` when the server gave up on ICE). */
  banner: Banner | null;
  /** The engine the page names (`data-engine`). */
  engine: string | null;
  /** The final lines' text, in order. */
  finals: string[];
  sessionId: string | null;
  /** From the click on Start, in milliseconds (null: did not happen). */
  clickToLiveMs: number | null;
  clickToFirstFinalMs: number | null;
  /** `POST /api/sessions` to the peer connection `connected`. */
  createToConnectedMs: number | null;
  /** The session's peer connection: candidates offered, states. */
  peer: PeerReport | null;
  /** The states the page showed, in order, with ms from the click on Start. */
  states: Array<{ afterMs: number; state: string }>;
  /** The fake microphone's own failures. */
  micErrors: string[];
  /** How long the page's getUserMedia took (null: not asked for). */
  micOpenMs: number | null;
}

export interface SessionOptions {
  /** After `live`: wait for a final line (a clip with speech); otherwise Stop at once. */
  untilFinal: boolean;
  timeoutMs?: number;
}

/**
 * The WhisperStream page in any browser puppeteer-core drives (Chromium over CDP, Firefox over
 * WebDriver BiDi), by the data-testids of apps/web (as the playwright AppPage), with the fake
 * microphone of fake-mic-preload.ts.
 */
export class BrowserAppPage {
  /** Browser console errors and warnings and page errors, for a failure's report. */
  readonly console: string[] = [];

  private constructor(
    readonly name: BrowserName,
    readonly page: Page,
  ) {
    page.on('console', (message) => {
      const type = message.type();
      if (type === 'error' || type === 'warn') {
        this.console.push(`${type}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) =>
      this.console.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /** A new page whose microphone plays `clipWav` once each session connects; loaded, idle. */
  static async open(
    browser: Browser,
    name: BrowserName,
    baseUrl: string,
    clipWav: Buffer,
  ): Promise<BrowserAppPage> {
    const page = await browser.newPage();
    const app = new BrowserAppPage(name, page);
    await page.setViewport({ width: 1000, height: 800 });
    await page.evaluateOnNewDocument(
      fakeMicPreload,
      clipWav.toString('base64'),
      FAKE_MIC_DEVICE_ID,
      FAKE_MIC_LABEL,
      WATCH_KEY,
    );
    await page.goto(baseUrl);
    await app.waitForState('idle');
    return app;
  }

  async waitForState(state: LiveState, timeout = STATE_TIMEOUT_MS): Promise<void> {
    await this.page.waitForSelector(`[data-testid="state-label"][data-state="${state}"]`, {
      timeout,
    });
  }

  /** Waits for one of the states; false on timeout. */
  async reachesState(states: LiveState[], timeout = STATE_TIMEOUT_MS): Promise<boolean> {
    const selector = states
      .map((state) => `[data-testid="state-label"][data-state="${state}"]`)
      .join(', ');
    try {
      await this.page.waitForSelector(selector, { timeout });
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        return false;
      }
      throw error;
    }
  }

  async currentState(): Promise<string | null> {
    return this.page.$eval('[data-testid="state-label"]', (el) => el.getAttribute('data-state'));
  }

  async banner(): Promise<Banner | null> {
    const banner = await this.page.$('[data-testid="error-banner"]');
    if (!banner) {
      return null;
    }
    const [code, text] = await banner.evaluate((el) => [
      el.getAttribute('data-code') ?? '',
      ((el.querySelector('p') ?? el).textContent ?? '').trim(), // not the dismiss button's "✕"
    ]);
    await banner.dispose();
    return { code, text };
  }

  async engine(): Promise<string | null> {
    const label = await this.page.$('[data-testid="engine-label"][data-engine]');
    if (!label) {
      return null;
    }
    const engine = await label.evaluate((el) => el.getAttribute('data-engine'));
    await label.dispose();
    return engine;
  }

  async finalTexts(): Promise<string[]> {
    return this.page.$$eval('[data-testid="transcript-line-final"] .text', (lines) =>
      lines.map((line) => (line.textContent ?? '').trim()),
    );
  }

  async watch(): Promise<PageWatch> {
    return this.page.evaluate(
      (key) => (globalThis as unknown as Record<string, PageWatch>)[key],
      WATCH_KEY,
    );
  }

  /**
   * Waits, inside the page, until the state label shows `state` or an error banner shows;
   * returns which, or null on timeout.
   */
  async waitForStateOrBanner(
    state: LiveState,
    timeout: number,
  ): Promise<'state' | 'banner' | null> {
    try {
      const found = await this.page.waitForFunction(
        (wanted) => {
          const document = (
            globalThis as unknown as {
              document: { querySelector(selector: string): unknown };
            }
          ).document;
          if (document.querySelector(`[data-testid="state-label"][data-state="${wanted}"]`)) {
            return 'state';
          }
          return document.querySelector('[data-testid="error-banner"]') ? 'banner' : false;
        },
        { timeout, polling: 100 },
        state,
      );
      const which = (await found.jsonValue()) as 'state' | 'banner';
      await found.dispose();
      return which;
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        return null;
      }
      throw error;
    }
  }

  /** Waits for a final line or a banner, as waitForStateOrBanner. */
  async waitForFinalOrBanner(timeout: number): Promise<'final' | 'banner' | null> {
    try {
      const found = await this.page.waitForFunction(
        () => {
          const document = (
            globalThis as unknown as {
              document: { querySelector(selector: string): unknown };
            }
          ).document;
          if (document.querySelector('[data-testid="transcript-line-final"]')) {
            return 'final';
          }
          return document.querySelector('[data-testid="error-banner"]') ? 'banner' : false;
        },
        { timeout, polling: 100 },
      );
      const which = (await found.jsonValue()) as 'final' | 'banner';
      await found.dispose();
      return which;
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        return null;
      }
      throw error;
    }
  }

  /**
   * One session as a person has it: Start, `live` (or a banner), the clip's final line when
   * asked for, Stop, `ended`. It does not throw for a session that fails: the record says
   * what happened, for the test to judge and report.
   */
  async session(options: SessionOptions): Promise<SessionRecord> {
    const timeout = options.timeoutMs ?? STATE_TIMEOUT_MS;
    await this.page.evaluate((key) => {
      const watch = (globalThis as unknown as Record<string, PageWatch>)[key];
      watch.startClicks = [];
      watch.states = [];
      watch.sessionRequests = [];
      watch.finalLines = [];
      watch.peers = [];
      watch.errors = [];
      watch.micOpenMs = [];
    }, WATCH_KEY);
    await this.page.click('[data-testid="start-button"]');
    const reached = await this.waitForStateOrBanner('live', timeout);
    if (reached === 'state' && options.untilFinal) {
      await this.waitForFinalOrBanner(timeout);
    }
    const state = await this.currentState();
    if (state === 'connecting' || state === 'live') {
      await this.page.click('[data-testid="stop-button"]');
    }
    const ended = await this.reachesState(['ended', 'idle'], timeout);

    const watch = await this.watch();
    const clickedAt = watch.startClicks[0] ?? null;
    const since = (at: number | null | undefined) =>
      at === null || at === undefined || clickedAt === null ? null : Math.round(at - clickedAt);
    const peer = watch.peers.at(-1) ?? null;
    const request = watch.sessionRequests.at(-1) ?? null;
    return {
      live: watch.states.some((s) => s.state === 'live'),
      ended,
      banner: await this.banner(),
      engine: await this.engine(),
      finals: await this.finalTexts(),
      sessionId: request?.sessionId ?? null,
      clickToLiveMs: since(watch.states.find((s) => s.state === 'live')?.at),
      clickToFirstFinalMs: since(watch.finalLines[0]),
      createToConnectedMs:
        peer?.connectedAt != null && peer.sessionRequestedAt != null
          ? Math.round(peer.connectedAt - peer.sessionRequestedAt)
          : null,
      peer,
      states: watch.states.map((s) => ({ afterMs: since(s.at) ?? 0, state: s.state })),
      micErrors: watch.errors,
      micOpenMs: watch.micOpenMs.at(-1) ?? null,
    };
  }

  /** Loads the page again (a fresh app, the preload again), after a session that hung. */
  async reload(): Promise<void> {
    await this.page.reload();
    await this.waitForState('idle');
  }

  async screenshot(name: string): Promise<string> {
    const path = screenshotPath(name);
    await this.page.screenshot({ path: path as `${string}.png`, fullPage: true });
    return path;
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

/** The candidate counts in one line, e.g. `mdns 2, hostIp 0, tcp 2, component2 4, other 0`. */
export function formatCandidates(counts: CandidateCounts | undefined): string {
  if (!counts) {
    return 'no peer connection';
  }
  return Object.entries(counts)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
}
