/**
 * The few browser globals that code run inside the page (`page.evaluate`) uses. This project
 * compiles without the DOM library (the Node tools it imports clash with its fetch types), so
 * such code reads them from `globalThis` through this type.
 */
export interface InPage {
  document: {
    body: unknown;
    querySelector(selector: string): InPageElement | null;
    querySelectorAll(selector: string): ArrayLike<InPageElement>;
  };
  MutationObserver: new (callback: () => void) => {
    observe(
      target: unknown,
      options: { childList: boolean; subtree: boolean; characterData?: boolean },
    ): void;
    disconnect(): void;
  };
  __e2e?: Marks;
}

export interface InPageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  querySelector(selector: string): InPageElement | null;
  addEventListener(
    type: string,
    listener: () => void,
    options: { capture: boolean; once: boolean },
  ): void;
}

/** A line in progress with text (a `partial`, not the "…" of `speech-start`), as first shown. */
export interface PartialMark {
  at: number;
  segmentId: number;
  revision: number;
  text: string;
}

/** `performance.now()` marks taken in the page. */
export interface Marks {
  startClickedAt?: number;
  /** Every revision of a line in progress shown before the first final line. */
  partials: PartialMark[];
  firstFinalAt?: number;
  firstFinalSegmentId?: number;
}
