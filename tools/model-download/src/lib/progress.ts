/** What a download tells the person waiting for it. */
export interface ProgressReporter {
  start(info: { file: string; url: string; resumeFrom: number; total?: number }): void;
  /** `received` counts from the start of the file, resumed bytes included. */
  update(received: number, total?: number): void;
  /** The transfer ended (well or not); finish the current line. */
  end(): void;
  note(text: string): void;
}

const MIB = 1024 * 1024;

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * MIB
    ? `${(bytes / 1024 / MIB).toFixed(2)} GiB`
    : `${(bytes / MIB).toFixed(1)} MiB`;
}

/** One line of a progress bar: `[#####.....]  50%  70.6/141.1 MiB  5.2 MiB/s`. */
export function progressBar(
  received: number,
  total: number | undefined,
  bytesPerSecond: number,
  width = 30,
): string {
  const rate = `${(bytesPerSecond / MIB).toFixed(1)} MiB/s`;
  if (!total) return `${formatBytes(received)}  ${rate}`;
  const fraction = Math.min(1, received / total);
  const filled = Math.round(fraction * width);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}  ${(received / MIB).toFixed(1)}/${formatBytes(total)}  ${rate}`;
}

interface Output {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * A redrawn bar on a terminal; elsewhere (CI logs, pipes) a plain line at every tenth of the
 * file, or every 32 MiB when its size is unknown.
 */
export function consoleProgress(
  output: Output = process.stderr,
  now: () => number = Date.now,
): ProgressReporter {
  let startedAt = 0;
  let startBytes = 0;
  let lastDraw = 0;
  let lastStep = -1;
  let drawn = false;
  const rate = (received: number) => {
    const seconds = (now() - startedAt) / 1000;
    return seconds > 0 ? (received - startBytes) / seconds : 0;
  };
  return {
    start({ file, url, resumeFrom, total }) {
      startedAt = now();
      startBytes = resumeFrom;
      lastStep = -1;
      const from = resumeFrom > 0 ? `, resuming at ${formatBytes(resumeFrom)}` : '';
      const size = total ? ` (${formatBytes(total)})` : '';
      output.write(`Downloading ${file}${size} from ${url}${from}\n`);
    },
    update(received, total) {
      if (output.isTTY) {
        const time = now();
        if (time - lastDraw < 100 && received !== total) return;
        lastDraw = time;
        drawn = true;
        output.write(`\r${progressBar(received, total, rate(received))}\x1b[K`);
        return;
      }
      const step = total ? Math.floor((received / total) * 10) : Math.floor(received / (32 * MIB));
      if (step === lastStep) return;
      lastStep = step;
      output.write(
        `${total ? `${step * 10}% ` : ''}${formatBytes(received)}${total ? ` of ${formatBytes(total)}` : ''}\n`,
      );
    },
    end() {
      if (drawn) output.write('\n');
      drawn = false;
    },
    note(text) {
      output.write(`${text}\n`);
    },
  };
}

/** Says nothing. */
export const silentProgress: ProgressReporter = {
  start: () => undefined,
  update: () => undefined,
  end: () => undefined,
  note: () => undefined,
};
