import { TestBed } from '@angular/core/testing';
import { FakeBrowser } from '../../testing/fake-browser';
import { BROWSER_APIS } from '../shared/browser-apis';
import { Microphone, MicrophoneReleasedError } from './microphone';

/** An AudioContext whose analyser hears a sine of the given amplitude. */
class FakeAudioContext {
  state: AudioContextState = 'running';
  closed = false;
  amplitude = 0.5;

  createAnalyser(): AnalyserNode {
    return {
      fftSize: 1024,
      getFloatTimeDomainData: (samples: Float32Array) => {
        for (let i = 0; i < samples.length; i++) {
          samples[i] = this.amplitude * Math.sin(i / 3);
        }
      },
    } as unknown as AnalyserNode;
  }

  createMediaStreamSource(): MediaStreamAudioSourceNode {
    return { connect: () => undefined } as unknown as MediaStreamAudioSourceNode;
  }

  async resume(): Promise<void> {
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

describe(Microphone.name, () => {
  let browser: FakeBrowser;
  let sut: Microphone;
  let contexts: FakeAudioContext[];
  /** Animation frames asked for and not cancelled: run them with `frame()`. */
  let frames: Map<number, () => void>;

  function frame(): void {
    const pending = [...frames.values()];
    frames.clear();
    pending.forEach((callback) => callback());
  }

  beforeEach(() => {
    browser = new FakeBrowser();
    contexts = [];
    frames = new Map();
    let nextFrame = 1;
    const apis = {
      ...browser.apis,
      createAudioContext: () => {
        const context = new FakeAudioContext();
        contexts.push(context);
        return context as unknown as AudioContext;
      },
      requestAnimationFrame: (callback: () => void) => {
        frames.set(nextFrame, callback);
        return nextFrame++;
      },
      cancelAnimationFrame: (handle: number) => void frames.delete(handle),
    };
    TestBed.configureTestingModule({ providers: [{ provide: BROWSER_APIS, useValue: apis }] });
    sut = TestBed.inject(Microphone);
  });

  it('shows the level while open, and an empty meter once released', async () => {
    const stream = await sut.acquire();
    frame();
    expect(sut.active()).toBe(true);
    expect(sut.level()).toBeGreaterThan(0.8);

    sut.release();

    expect(sut.active()).toBe(false);
    expect(sut.level()).toBe(0);
    expect(stream.getAudioTracks()[0].readyState).toBe('ended');
    expect(contexts[0].closed).toBe(true);
    expect(frames.size).toBe(0);
  });

  it('does not move the meter again from a frame that was already running at release', async () => {
    await sut.acquire();
    frame();
    const running = [...frames.values()];
    sut.release();
    running.forEach((callback) => callback()); // e.g. a frame that was under way
    expect(sut.level()).toBe(0);
    expect(frames.size).toBe(0);
  });

  it('keeps one stream and one meter when Start overtakes the preview opened on page load', async () => {
    const preview = sut.preview();
    const acquired = sut.acquire();
    await preview;
    const stream = await acquired;

    expect(browser.streams).toHaveLength(2);
    expect(browser.streams[0].track.stopped).toBe(true); // the preview's gave way
    expect(stream).toBe(browser.streams[1]);
    frame();
    expect(frames.size).toBe(1);

    sut.release();
    expect(browser.streams.every((s) => s.track.stopped)).toBe(true);
    expect(sut.level()).toBe(0);
    frame();
    expect(sut.level()).toBe(0);
  });

  it('does not keep the microphone open when released while it was opening (Stop during Start)', async () => {
    const acquired = sut.acquire();
    sut.release();
    await expect(acquired).rejects.toBeInstanceOf(MicrophoneReleasedError);
    expect(browser.streams[0].track.stopped).toBe(true);
    expect(sut.active()).toBe(false);
    expect(sut.level()).toBe(0);
  });

  it('does not let a preview take the microphone from a session', async () => {
    const stream = await sut.acquire();
    await sut.preview();
    expect(browser.streams).toHaveLength(1);
    expect(stream.getAudioTracks()[0].readyState).toBe('live');
  });
});
