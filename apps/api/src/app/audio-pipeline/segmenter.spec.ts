import { FixedSegmenter, SegmenterOutput, Utterance } from './segmenter';

const utterances = (out: SegmenterOutput[]): Utterance[] =>
  out.flatMap((o) => (o.type === 'utterance' ? [o.utterance] : []));
const ramp = (n: number, from = 0) => Int16Array.from({ length: n }, (_, i) => (from + i) % 30000);

describe(FixedSegmenter.name, () => {
  it('cuts exactly every chunk, whatever the push sizes', () => {
    const sut = new FixedSegmenter(500);
    const out: SegmenterOutput[] = [];
    let sent = 0;
    for (const size of [320, 5000, 7000, 11000, 320]) {
      out.push(...sut.push(ramp(size, sent)));
      sent += size;
    }
    const cuts = utterances(out);
    expect(cuts.map((u) => [u.segmentId, u.startMs, u.endMs])).toEqual([
      [0, 0, 500],
      [1, 500, 1000],
    ]);
    expect(cuts[1].samples[0]).toBe(8000);
    expect(cuts.every((u) => u.samples.length === 8000)).toBe(true);
  });

  it('announces each segment when its first sample arrives', () => {
    const sut = new FixedSegmenter(1000);
    const out = sut.push(ramp(20000));
    expect(out.filter((o) => o.type === 'speech-start')).toEqual([
      { type: 'speech-start', segmentId: 0, startMs: 0 },
      { type: 'speech-start', segmentId: 1, startMs: 1000 },
    ]);
  });

  it('flushes the remainder at the end of the stream', () => {
    const sut = new FixedSegmenter(3000);
    sut.push(ramp(16000 * 4));
    const [last] = utterances(sut.flush());
    expect(last).toMatchObject({ segmentId: 1, startMs: 3000, endMs: 4000 });
    expect(last.samples.length).toBe(16000);
    expect(sut.flush()).toEqual([]);
  });

  it('drops a remainder too short to transcribe but keeps time right', () => {
    const sut = new FixedSegmenter(1000);
    sut.push(ramp(16000 + 800));
    expect(utterances(sut.flush())).toEqual([]);
    const [next] = utterances(sut.push(ramp(16000)));
    expect(next.startMs).toBe(1050);
  });

  it('shows the chunk filling up as the current utterance', () => {
    const sut = new FixedSegmenter(1000);
    expect(sut.current()).toBeNull();
    sut.push(ramp(16000 + 4000));
    expect(sut.current()).toMatchObject({ segmentId: 1, startMs: 1000, endMs: 1250 });
    expect(sut.current()?.samples.length).toBe(4000);
  });
});
