import { DOCUMENT, inject, Injectable, signal } from '@angular/core';
import { Observable, Subject } from 'rxjs';
import { BROWSER_APIS } from '../shared/browser-apis';
import { Preferences } from '../shared/preferences';

export interface MicDevice {
  deviceId: string;
  label: string;
}

/** getUserMedia is only offered in a secure context (https, or http on localhost). */
export class InsecureContextError extends Error {
  override readonly name = 'InsecureContextError';
}

/** `acquire()` was overtaken: the microphone was released (Stop) before it opened. */
export class MicrophoneReleasedError extends Error {
  override readonly name = 'MicrophoneReleasedError';
}

/** The empty device id stands for the system's default microphone. */
export const DEFAULT_DEVICE_ID = '';

/** dBFS shown as an empty meter; 0 dBFS is a full one. */
const METER_FLOOR_DB = -60;

/**
 * The microphone: which one (remembered), its live input level (Web Audio AnalyserNode), and the
 * raw stream for the session (no echo cancellation, noise suppression or gain control: the
 * recogniser wants the sound as it is).
 */
@Injectable({ providedIn: 'root' })
export class Microphone {
  readonly #apis = inject(BROWSER_APIS);
  readonly #prefs = inject(Preferences);
  readonly #document = inject(DOCUMENT);
  readonly #ended = new Subject<void>();
  /** The track in use by a session ended by itself (unplugged, revoked). */
  readonly ended$: Observable<void> = this.#ended.asObservable();

  readonly devices = signal<readonly MicDevice[]>([]);
  readonly selectedDeviceId = signal(this.#prefs.get('micDeviceId') ?? DEFAULT_DEVICE_ID);
  /** Input level, 0 (silence, or -60 dBFS) to 1 (0 dBFS). */
  readonly level = signal(0);
  /** A stream is open (the meter moves). */
  readonly active = signal(false);
  /** False where the browser offers no microphone API (an insecure page). */
  readonly available = signal(true);
  readonly permission = signal<PermissionState | 'unknown'>('unknown');

  #stream: MediaStream | null = null;
  #streamDeviceId: string | null = null;
  #inSession = false;
  #audio: AudioContext | null = null;
  #frame: number | null = null;
  /** Counts opens and stops: an open that was overtaken by a later one (or a stop) gives way. */
  #openSeq = 0;
  #initialized = false;

  /** Lists the microphones and, when permission was already given, starts the level meter. */
  async init(): Promise<void> {
    if (this.#initialized) {
      return;
    }
    this.#initialized = true;
    const media = this.#apis.mediaDevices();
    if (!media) {
      this.available.set(false);
      return;
    }
    media.addEventListener('devicechange', () => void this.refreshDevices());
    this.permission.set(await this.#apis.microphonePermission());
    await this.refreshDevices();
    if (this.permission() === 'granted' && !this.active() && !this.#inSession) {
      try {
        await this.preview();
      } catch {
        // the meter stays empty; pressing Start reports the problem in words
      }
    }
  }

  async refreshDevices(): Promise<void> {
    const media = this.#apis.mediaDevices();
    if (!media) {
      return;
    }
    let all: MediaDeviceInfo[];
    try {
      all = await media.enumerateDevices();
    } catch {
      return;
    }
    const inputs = all.filter(
      (d) =>
        d.kind === 'audioinput' &&
        d.deviceId !== '' && // listed without permission: no id to choose by
        d.deviceId !== 'default' && // Chrome's aliases of a real device
        d.deviceId !== 'communications',
    );
    this.devices.set(
      inputs.map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` })),
    );
    const selected = this.selectedDeviceId();
    if (
      selected !== DEFAULT_DEVICE_ID &&
      inputs.length > 0 &&
      !inputs.some((d) => d.deviceId === selected)
    ) {
      this.selectedDeviceId.set(DEFAULT_DEVICE_ID); // remembered one is unplugged; keep remembering it
    }
  }

  /** Chooses a microphone and remembers it; the meter follows the new one. */
  async select(deviceId: string): Promise<void> {
    this.selectedDeviceId.set(deviceId);
    this.#prefs.set('micDeviceId', deviceId);
    if (this.active() && !this.#inSession) {
      await this.preview();
    }
  }

  /** Opens the selected microphone for the level meter only (not while a session has it). */
  async preview(): Promise<void> {
    if (this.#inSession) {
      return;
    }
    await this.#open(this.selectedDeviceId());
  }

  /** The selected microphone's stream for a session (reuses the preview's). */
  async acquire(): Promise<MediaStream> {
    const deviceId = this.selectedDeviceId();
    const live = this.#stream?.getAudioTracks().some((t) => t.readyState === 'live') ?? false;
    this.#inSession = true; // from now on a preview (e.g. the one on page load) does not take over
    if (!this.#stream || !live || this.#streamDeviceId !== deviceId) {
      if (!(await this.#open(deviceId))) {
        throw new MicrophoneReleasedError('the microphone was released while it was opening');
      }
    }
    void this.#audio?.resume().catch(() => undefined); // Start is a user gesture: unblock the meter
    return this.#stream as MediaStream;
  }

  /** Stops the microphone (the browser's recording indicator goes off) and empties the meter. */
  release(): void {
    this.#inSession = false;
    this.#stop();
  }

  /** Opens `deviceId`; false when a later open or a stop overtook this one (nothing is kept). */
  async #open(deviceId: string): Promise<boolean> {
    const media = this.#apis.mediaDevices();
    if (!media) {
      this.available.set(false);
      throw new InsecureContextError('navigator.mediaDevices is missing');
    }
    this.#stop();
    const seq = this.#openSeq;
    let stream: MediaStream;
    try {
      stream = await media.getUserMedia({
        audio: {
          deviceId: deviceId === DEFAULT_DEVICE_ID ? undefined : { exact: deviceId },
          echoCancellation: false,
          noiseSuppression: false,
          autoGainControl: false,
        },
      });
    } catch (error) {
      if ((error as { name?: unknown }).name === 'NotAllowedError') {
        this.permission.set('denied');
      }
      throw error;
    }
    if (seq !== this.#openSeq) {
      // Overtaken while the browser was opening it (Start during the page-load preview, Stop
      // during Start): a second stream and meter would outlive release() and keep the meter up.
      stream.getTracks().forEach((t) => t.stop());
      return false;
    }
    const track = stream.getAudioTracks()[0];
    if (!track) {
      stream.getTracks().forEach((t) => t.stop());
      throw new DOMException('the stream has no audio track', 'NotFoundError');
    }
    this.permission.set('granted');
    this.#stream = stream;
    this.#streamDeviceId = deviceId;
    this.active.set(true);
    track.onended = () => {
      if (this.#stream !== stream) {
        return;
      }
      const inSession = this.#inSession;
      this.#stop();
      if (inSession) {
        this.#ended.next();
      }
    };
    this.#startMeter(stream);
    await this.refreshDevices(); // labels become readable once permission is granted
    return true;
  }

  #startMeter(stream: MediaStream): void {
    let analyser: AnalyserNode;
    try {
      const audio = this.#apis.createAudioContext();
      this.#audio = audio;
      analyser = audio.createAnalyser();
      analyser.fftSize = 1024;
      audio.createMediaStreamSource(stream).connect(analyser); // not to the speakers
      void audio.resume().catch(() => undefined);
      if (audio.state === 'suspended') {
        // opened on page load: browsers only start audio after a gesture, so take the first one
        const resume = () => void audio.resume().catch(() => undefined);
        this.#document.addEventListener('pointerdown', resume, { once: true });
        this.#document.addEventListener('keydown', resume, { once: true });
      }
    } catch {
      return; // no Web Audio: no meter, the session still works
    }
    const samples = new Float32Array(analyser.fftSize);
    const seq = this.#openSeq;
    let shown = 0;
    const tick = () => {
      if (seq !== this.#openSeq) {
        return; // this stream was stopped: the meter stays at 0
      }
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) {
        sum += s * s;
      }
      const rms = Math.sqrt(sum / samples.length);
      const db = rms > 0 ? 20 * Math.log10(rms) : METER_FLOOR_DB;
      const level = Math.min(1, Math.max(0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB));
      shown = Math.max(level, shown * 0.92); // rise at once, fall gently: readable, not jittery
      this.level.set(Math.round(shown * 100) / 100);
      this.#frame = this.#apis.requestAnimationFrame(tick);
    };
    this.#frame = this.#apis.requestAnimationFrame(tick);
  }

  #stop(): void {
    this.#openSeq++;
    if (this.#frame !== null) {
      this.#apis.cancelAnimationFrame(this.#frame);
      this.#frame = null;
    }
    void this.#audio?.close().catch(() => undefined);
    this.#audio = null;
    if (this.#stream) {
      for (const track of this.#stream.getTracks()) {
        track.onended = null;
        track.stop();
      }
    }
    this.#stream = null;
    this.#streamDeviceId = null;
    this.active.set(false);
    this.level.set(0);
  }
}
