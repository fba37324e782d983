import type { TranscriptEventInit } from '@whisperstream/shared-types';
import { FixedSegmenter, type Utterance } from '../audio-pipeline/segmenter';
import type { SessionTranscriber } from '../transcription/session-transcriber';
import { LiveTranscription } from './live-transcription';

/** Records what the owner asks of its transcriber. */
class RecordingTranscriber {
  readonly calls: string[] = [];
  readonly submitted: Array<{ utterance: Utterance; speechEndAt: number }> = [];
  partialSource?: () => Utterance | null;
  completed = 2;
  failed = 1;

  startPartials(current: () => Utterance | null): void {
    this.calls.push('startPartials');
    this.partialSource = current;
  }
  speechStarted(segmentId: number, startAt: number): void {
    this.calls.push(`speechStarted ${segmentId} at ${startAt}`);
  }
  submit(utterance: Utterance, speechEndAt: number): void {
    this.calls.push(`submit ${utterance.segmentId}`);
    this.submitted.push({ utterance, speechEndAt });
  }
  drain(ms: number): Promise<void> {
    this.calls.push(`drain ${ms}`);
    return Promise.resolve();
  }
}

/** 20 ms of 16 kHz audio. */
const packet = () => new Int16Array(320).fill(1000);

function setup() {
  let clock = 10_000;
  const transcriber = new RecordingTranscriber();
  const published: TranscriptEventInit[] = [];
  let segmenters = 0;
  const sut = new LiveTranscription({
    createSegmenter: (sink) => {
      segmenters++;
      return new FixedSegmenter(1000, sink);
    },
    transcriber: transcriber as unknown as SessionTranscriber,
    publish: (event) => published.push(event),
    now: () => clock,
  });
  /** Audio in real time: one 20 ms packet every 20 ms. */
  const speak = (packets: number) => {
    for (let i = 0; i < packets; i++) {
      clock += 20;
      sut.push(packet(), clock);
    }
  };
  return { sut, transcriber, published, speak, segmenters: () => segmenters };
}

describe(LiveTranscription.name, () => {
  it('makes its segmenter and starts partials with the first audio, not before', () => {
    const { sut, transcriber, speak, segmenters } = setup();
    expect(segmenters()).toBe(0);
    expect(sut.current()).toBeNull();
    speak(1);
    expect(segmenters()).toBe(1);
    expect(transcriber.calls[0]).toBe('startPartials');
    speak(10);
    expect(segmenters()).toBe(1);
    expect(transcriber.partialSource?.()).toMatchObject({ startMs: 0, endMs: 220 });
  });

  it('publishes speech-start and hands each utterance on with the wall-clock time its audio arrived', () => {
    const { sut, transcriber, published, speak } = setup();
    speak(60);
    expect(published).toEqual([
      { type: 'speech-start', data: { segmentId: 0, startMs: 0 } },
      { type: 'speech-start', data: { segmentId: 1, startMs: 1000 } },
    ]);
    // The packet ending at 1000 ms of audio arrived at 10_000 + 50 * 20.
    expect(transcriber.submitted.map((s) => [s.utterance.segmentId, s.speechEndAt])).toEqual([
      [0, 11_000],
    ]);
    expect(transcriber.calls).toContain('speechStarted 1 at 11000');
    expect(sut.wallTimeOf(1200)).toBe(11_200);
    expect(sut.audioMs).toBe(1200);
    expect(sut.current()).toMatchObject({ segmentId: 1, startMs: 1000, endMs: 1200 });
  });

  it('ends once: the segmenter cuts what it holds, then the transcriber drains; later audio is ignored', async () => {
    const { sut, transcriber, speak } = setup();
    speak(30);
    await Promise.all([sut.end(500), sut.end(500)]);
    speak(100);
    expect(transcriber.calls.filter((c) => !c.startsWith('speechStarted'))).toEqual([
      'startPartials',
      'submit 0',
      'drain 500',
    ]);
    expect(transcriber.submitted[0].utterance).toMatchObject({ startMs: 0, endMs: 600 });
    expect(sut.audioMs).toBe(600);
    expect(sut.counts).toEqual({ completed: 2, failed: 1 });
  });

  it('ends without audio: no segmenter is made, the transcriber still drains', async () => {
    const { sut, transcriber, segmenters } = setup();
    await sut.end(100);
    expect(segmenters()).toBe(0);
    expect(transcriber.calls).toEqual(['drain 100']);
  });
});
