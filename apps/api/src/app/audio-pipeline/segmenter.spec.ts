import { FixedSegmenter, SegmenterOutput, Utterance } from './segmenter';

const utterances = (out: SegmenterOutput[]): Utterance[] =>
  out.flatMap((o) => (o.type === 'utterance' ? [o.utterance] : []));
const ramp = (n: number, from = 0) => Int16Array.from({ length: n }, (_, i) => (from + i) % 30000);

/** A fixed segmenter whose outputs are collected, in the order delivered. */
function fixed(chunkMs: number): {
  sut: FixedSegmenter;
  out: SegmenterOutput[];
  take: () => SegmenterOutput[];
} {
  const out: SegmenterOutput[] = [];
  const sut = new FixedSegmenter(chunkMs, (outputs) => out.push(...outputs));
  return { sut, out, take: () => out.splice(0) };
}

describe(FixedSegmenter.name, () => {
  it('cuts exactly every chunk, whatever the push sizes, and delivers at once', () => {
    const { sut, out } = fixed(500);
    let sent = 0;
    for (const size of [320, 5000, 7000, 11000, 320]) {
      sut.push(ramp(size, sent));
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
    const { sut, out } = fixed(1000);
    sut.push(ramp(20000));
    expect(out.filter((o) => o.type === 'speech-start')).toEqual([
      { type: 'speech-start', segmentId: 0, startMs: 0 },
      { type: 'speech-start', segmentId: 1, startMs: 1000 },
    ]);
  });

  it('flushes the remainder at the end of the stream', async () => {
    const { sut, take } = fixed(3000);
    sut.push(ramp(16000 * 4));
    take();
    await sut.flush();
    const [last] = utterances(take());
    expect(last).toMatchObject({ segmentId: 1, startMs: 3000, endMs: 4000 });
    expect(last.samples.length).toBe(16000);
    await sut.flush();
    expect(take()).toEqual([]);
  });

  it('drops a remainder too short to transcribe but keeps time right', async () => {
    const { sut, take } = fixed(1000);
    sut.push(ramp(16000 + 800));
    take();
    await sut.flush();
    expect(utterances(take())).toEqual([]);
    sut.push(ramp(16000));
    const [next] = utterances(take());
    expect(next.startMs).toBe(1050);
  });

  it('shows the chunk filling up as the current utterance', () => {
    const { sut } = fixed(1000);
    expect(sut.current()).toBeNull();
    sut.push(ramp(16000 + 4000));
    expect(sut.current()).toMatchObject({ segmentId: 1, startMs: 1000, endMs: 1250 });
    expect(sut.current()?.samples.length).toBe(4000);
  });
});
