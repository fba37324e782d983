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
    observe(target: unknown, options: { childList: boolean; subtree: boolean }): void;
    disconnect(): void;
  };
  __e2e?: Marks;
}

export interface InPageElement {
  dataset: Record<string, string | undefined>;
  addEventListener(
    type: string,
    listener: () => void,
    options: { capture: boolean; once: boolean },
  ): void;
}

/** `performance.now()` marks taken in the page. */
export interface Marks {
  startClickedAt?: number;
  firstFinalAt?: number;
}
