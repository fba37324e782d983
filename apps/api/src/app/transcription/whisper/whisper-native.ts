import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The one place that knows the native binding: the prebuilt whisper.cpp addon of
 * `@spader/node-whisper-cpp-<platform>` (MIT). Its Linux x64 package carries whisper.cpp with
 * ggml's CPU backend built for every x86 level (baseline x86-64 to AVX-512) and picks the best
 * for the machine at load time. Its JS wrapper is skipped: it probes `nvidia-smi`/`vulkaninfo` with
 * child processes and pulls in a 450 MB CUDA build; the addon itself is a plain N-API module.
 *
 * What the addon does and does not do, which the engine works around:
 * - `transcribe` runs `whisper_full` in an N-API AsyncWorker (a libuv thread) and settles its
 *   promise on success and failure alike;
 * - it has no lock: two `transcribe` calls on one model at once corrupt the heap, and `free`
 *   during a call frees the model under it. The engine runs one call at a time and frees the
 *   model only once no call is running;
 * - it cannot auto-detect the language (an empty or "auto" language means English) nor stop a
 *   running call;
 * - given no samples it returns the previous call's segments;
 * - whisper.cpp logs its model loading to stderr.
 */
export interface WhisperNativeModel {
  /** 16 kHz mono samples in [-1, 1]. Never called concurrently (see above). */
  transcribe(
    samples: Float32Array,
    options: { language: string; threads: number },
  ): Promise<string>;
  /** Frees the model; only once no `transcribe` is running. */
  free(): void;
}

interface Segment {
  t0: number;
  t1: number;
  text: string;
}

interface Addon {
  WhisperContext: new (options: { model: string; use_gpu?: boolean; flash_attn?: boolean }) => {
    transcribe(options: {
      pcm: Float32Array;
      language?: string;
      threads?: number;
    }): Promise<Segment[]>;
    free(): void;
  };
  systemInfo(): string;
}

export const BINDING_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': '@spader/node-whisper-cpp-x64-linux-cpu-gnu',
};

let addon: Addon | undefined;

/** Loads the addon for this platform; throws with a reason a person can act on. */
export function loadWhisperAddon(): Addon {
  if (addon) return addon;
  const name = BINDING_PACKAGES[`${process.platform}-${process.arch}`];
  if (!name) {
    throw new Error(`no prebuilt whisper.cpp binding for ${process.platform}-${process.arch}`);
  }
  // Node's own loader, not a test runner's registry, so the addon is loaded once per process.
  // The package exports only its entry point; the addon sits in bins/ beside it.
  const load = createRequire(__filename);
  let entry: string;
  try {
    entry = load.resolve(name);
  } catch {
    throw new Error(
      `${name} is not installed (npm install puts it in on ${process.platform}-${process.arch})`,
    );
  }
  try {
    addon = load(join(dirname(entry), '..', 'bins', 'whisper-addon.node')) as Addon;
  } catch (error) {
    throw new Error(`${name} does not load here (${(error as Error).message.split('\n')[0]})`);
  }
  return addon;
}

/** The CPU features whisper.cpp uses on this machine, e.g. `AVX2 = 1 | ...`. */
export function whisperSystemInfo(): string {
  return loadWhisperAddon().systemInfo().trim();
}

/**
 * Loads a model file with whisper.cpp, synchronously (the event loop waits while it reads the
 * weights). Throws if whisper.cpp refuses the file.
 */
export function loadNativeModel(path: string): WhisperNativeModel {
  const context = new (loadWhisperAddon().WhisperContext)({ model: path, use_gpu: false });
  return {
    async transcribe(samples, { language, threads }) {
      const segments = await context.transcribe({ pcm: samples, language, threads });
      return segments.map((segment) => segment.text).join('');
    },
    free: () => context.free(),
  };
}
