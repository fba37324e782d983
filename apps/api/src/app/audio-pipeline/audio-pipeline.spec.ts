import { OpusEncoder } from '@discordjs/opus';
import { AudioPipeline, RtpLike } from './audio-pipeline';
import { AUDIO_BURST_MS, AUDIO_MAX_SPEED } from './audio-rate-limit';
import { FixedSegmenter, Utterance } from './segmenter';

/** `frames` 20 ms Opus packets of a tone, as RTP with payload type 111. */
function rtpStream(frames: number, firstSeq = 1000, firstTs = 5000): RtpLike[] {
  const encoder = new OpusEncoder(16000, 1);
  return Array.from({ length: frames }, (_, i) => {
    const pcm = Int16Array.from({ length: 320 }, (_, j) =>
      Math.round(6000 * Math.sin((2 * Math.PI * 300 * (i * 320 + j)) / 16000)),
    );
    return {
      header: {
        sequenceNumber: (firstSeq + i) & 0xffff,
        timestamp: (firstTs + i * 960) >>> 0,
        payloadType: 111,
      },
      payload: encoder.encode(Buffer.from(pcm.buffer)),
    };
  });
}

/** A wall clock that moves 20 ms per packet pushed: a sender in real time. */
function realTime() {
  let clock = 1_000_000;
  return {
    now: () => clock,
    send: (sut: AudioPipeline, packets: RtpLike[]) =>
      packets.forEach((packet) => {
        clock += 20;
        sut.push(packet);
      }),
  };
}

/**
 * The decoded audio, cut by a fixed 1 s segmenter as a session's LiveTranscription would:
 * `sink` for the pipeline, the utterances cut, and `end` (pipeline, then segmenter).
 */
function collect() {
  const utterances: Utterance[] = [];
  const segmenter = new FixedSegmenter(1000, (outputs) => {
    for (const o of outputs) if (o.type === 'utterance') utterances.push(o.utterance);
  });
  return {
    utterances,
    sink: (samples: Int16Array) => segmenter.push(samples),
    end: async (sut: AudioPipeline) => {
      sut.end();
      await segmenter.flush();
    },
  };
}

describe(AudioPipeline.name, () => {
  it('turns an RTP stream into fixed utterances with the right times, flushing the tail', async () => {
    const { utterances, sink, end } = collect();
    const { now, send } = realTime();
    const sut = new AudioPipeline(111, new OpusEncoder(16000, 1), sink, {
      now,
    });
    send(sut, rtpStream(130)); // 2.6 s
    expect(utterances.map((u) => [u.startMs, u.endMs])).toEqual([
      [0, 1000],
      [1000, 2000],
    ]);
    await end(sut);
    await end(sut);
    expect(utterances.map((u) => [u.startMs, u.endMs])).toEqual([
      [0, 1000],
      [1000, 2000],
      [2000, 2600],
    ]);
    expect(sut.stats).toMatchObject({ received: 130, decoded: 130, lost: 0, audioMs: 2600 });
  });

  it('keeps time right through reordering and loss', async () => {
    const { utterances, sink, end } = collect();
    const sut = new AudioPipeline(111, new OpusEncoder(16000, 1), sink);
    const packets = rtpStream(100);
    [packets[10], packets[11]] = [packets[11], packets[10]];
    const sent = packets.filter((_, i) => i % 10 !== 5); // 10 % loss
    sent.forEach((p) => sut.push(p));
    await end(sut);
    expect(sut.stats).toMatchObject({
      lost: 10,
      reordered: 1,
      decoded: 90,
      concealedMs: 200,
      audioMs: 2000,
    });
    expect(utterances.map((u) => u.endMs)).toEqual([1000, 2000]);
  });

  it('keeps the audio flowing when the sender restarts its sequence 1,000 back', async () => {
    const { utterances, sink, end } = collect();
    const { now, send } = realTime();
    const sut = new AudioPipeline(111, new OpusEncoder(16000, 1), sink, {
      now,
    });
    send(sut, rtpStream(100, 5000, 900_000)); // 2 s
    // Same SSRC, sequence and clock 1,000 packets back, as a sender that started again.
    send(sut, rtpStream(100, 4000, 900_000 - 1000 * 960)); // 2 s more
    await end(sut);
    expect(utterances.map((u) => [u.startMs, u.endMs])).toEqual([
      [0, 1000],
      [1000, 2000],
      [2000, 3000],
      [3000, 4000],
    ]);
    expect(sut.stats).toMatchObject({
      received: 200,
      decoded: 200,
      late: 0,
      lost: 0,
      resyncs: 1,
      timestampJumps: 1,
      concealedMs: 0,
      audioMs: 4000,
    });
  });

  it('drops audio sent 40 times faster than real time before decoding it, and says so once', async () => {
    const { utterances, sink, end } = collect();
    let clock = 1_000_000;
    const real = new OpusEncoder(16000, 1);
    let decodes = 0;
    const decoder = { decode: (payload: Buffer) => (decodes++, real.decode(payload)) };
    const onRateLimited = jest.fn();
    const sut = new AudioPipeline(111, decoder, sink, {
      now: () => clock,
      onRateLimited,
    });
    const packets = rtpStream(4100);
    // 2,000 packets a second for 2 s: 80 s of audio.
    for (const packet of packets.slice(0, 4000)) {
      clock += 0.5;
      sut.push(packet);
    }
    const allowedMs = AUDIO_BURST_MS + 2000 * AUDIO_MAX_SPEED;
    const flooded = sut.stats;
    expect(flooded.decoded * 20).toBeLessThanOrEqual(allowedMs);
    expect(flooded.decoded * 20).toBeGreaterThan(allowedMs - 100);
    expect(decodes).toBe(flooded.decoded);
    expect(flooded.rateLimited + flooded.decoded).toBe(4000);
    expect(flooded.audioMs).toBeLessThanOrEqual(allowedMs + 20);
    expect(onRateLimited).toHaveBeenCalledTimes(1);
    // Back to real time: all of it is taken again.
    for (const packet of packets.slice(4000)) {
      clock += 20;
      sut.push(packet);
    }
    await end(sut);
    expect(sut.stats.rateLimited).toBe(flooded.rateLimited);
    expect(sut.stats.decoded).toBe(flooded.decoded + 100);
    expect(onRateLimited).toHaveBeenCalledTimes(1);
    expect(utterances.reduce((ms, u) => ms + u.endMs - u.startMs, 0)).toBe(sut.stats.audioMs);
  });

  it('does not let a sender’s RTP clock run the time line ahead of real time with silence', async () => {
    const { sink, end } = collect();
    let clock = 1_000_000;
    const sut = new AudioPipeline(111, new OpusEncoder(16000, 1), sink, {
      now: () => clock,
    });
    // One packet every 20 ms, each claiming 4 s later on the RTP clock (under the 5 s jump).
    const packets = rtpStream(250).map((p, i) => ({
      ...p,
      header: { ...p.header, timestamp: (5000 + i * 48_000 * 4) >>> 0 },
    }));
    for (const packet of packets) {
      clock += 20;
      sut.push(packet);
    }
    const elapsedMs = 250 * 20;
    expect(sut.stats.rateLimited).toBe(0);
    expect(sut.stats.audioMs).toBeLessThanOrEqual(
      elapsedMs * AUDIO_MAX_SPEED + AUDIO_BURST_MS + 20,
    );
    await end(sut);
  });

  it('ignores packets of another payload type', async () => {
    const { utterances, sink, end } = collect();
    const sut = new AudioPipeline(96, new OpusEncoder(16000, 1), sink);
    rtpStream(60).forEach((p) => sut.push(p));
    await end(sut);
    expect(utterances).toEqual([]);
    expect(sut.stats.ignored).toBe(60);
  });
});
