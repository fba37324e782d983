/**
 * How the VAD segmenter decides where utterances begin and end. Every field has a default
 * (`DEFAULT_VAD_SETTINGS`); pass only what you change to `resolveVadSettings`.
 */
export interface VadSettings {
  /** A frame whose speech probability reaches this starts speech (default 0.5). */
  startThreshold: number;
  /** Inside speech, a frame below this counts as pause; between the two nothing changes (default 0.35). */
  endThreshold: number;
  /** Audio kept before the first speech frame, so the first syllable is not clipped (default 300 ms). */
  preRollMs: number;
  /** Pause after which the utterance ends (default 500 ms). */
  minSilenceMs: number;
  /** Pause kept at the end of an utterance; the rest of the pause is not sent (default 300 ms: recognisers read the last word better with some silence after it, as faster-whisper's 400 ms speech padding does). */
  trailMs: number;
  /** Longest utterance, pre-roll included; longer speech is cut at its quietest frame (default 15 s). */
  maxUtteranceMs: number;
  /** How far back from the length limit to look for the quietest frame (default 2 s). */
  cutSearchMs: number;
  /** Shorter bursts of speech are dropped, and get no speech-start (default 250 ms). */
  minSpeechMs: number;
  /** Frames quieter than this RMS level score 0 without running the model (default -55 dBFS). */
  energyFloorDbfs: number;
}

export const DEFAULT_VAD_SETTINGS: Readonly<VadSettings> = Object.freeze({
  startThreshold: 0.5,
  endThreshold: 0.35,
  preRollMs: 300,
  minSilenceMs: 500,
  trailMs: 300,
  maxUtteranceMs: 15_000,
  cutSearchMs: 2_000,
  minSpeechMs: 250,
  energyFloorDbfs: -55,
});

export class InvalidVadSettingsError extends Error {
  readonly retryable = false;
  constructor(problems: string[]) {
    super(`invalid VAD settings: ${problems.join('; ')}`);
    this.name = 'InvalidVadSettingsError';
  }
}

/** Defaults filled in and checked; throws `InvalidVadSettingsError` naming every bad field. */
export function resolveVadSettings(overrides: Partial<VadSettings> = {}): VadSettings {
  const s: VadSettings = { ...DEFAULT_VAD_SETTINGS, ...overrides };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(s)) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      problems.push(`${key} is not a number`);
  }
  if (!(s.startThreshold > 0 && s.startThreshold <= 1))
    problems.push('startThreshold not in (0, 1]');
  if (!(s.endThreshold >= 0 && s.endThreshold <= s.startThreshold)) {
    problems.push('endThreshold not in [0, startThreshold]');
  }
  for (const key of [
    'preRollMs',
    'minSilenceMs',
    'trailMs',
    'minSpeechMs',
    'cutSearchMs',
  ] as const) {
    if (s[key] < 0) problems.push(`${key} is negative`);
  }
  if (s.trailMs > s.minSilenceMs) problems.push('trailMs is longer than minSilenceMs');
  if (s.maxUtteranceMs <= s.preRollMs + s.minSpeechMs) {
    problems.push('maxUtteranceMs leaves no room for speech after the pre-roll');
  }
  if (s.cutSearchMs >= s.maxUtteranceMs) problems.push('cutSearchMs is not below maxUtteranceMs');
  if (problems.length > 0) throw new InvalidVadSettingsError(problems);
  return s;
}
