import { AUDIO_BURST_MS, AUDIO_MAX_SPEED, AudioRateLimit } from './audio-rate-limit';

/** Sends `packets` of 20 ms, `everyMs` apart from `start`; returns how many were admitted. */
function send(sut: AudioRateLimit, packets: number, everyMs: number, start = 0): number {
  let admitted = 0;
  for (let i = 0; i < packets; i++) if (sut.admit(20, start + i * everyMs)) admitted++;
  return admitted;
}

describe(AudioRateLimit.name, () => {
  it('admits a real-time stream for an hour, even from a sender whose clock runs 0.5 % fast', () => {
    const hour = (60 * 60 * 1000) / 20;
    expect(send(new AudioRateLimit(), hour, 20)).toBe(hour);
    expect(send(new AudioRateLimit(), hour, 20 / 1.005)).toBe(hour);
  });

  it('admits a burst of AUDIO_BURST_MS at once, then no more than AUDIO_MAX_SPEED', () => {
    const sut = new AudioRateLimit();
    // 2,000 packets a second (40 times real time) for 2 s.
    const admitted = send(sut, 4000, 0.5);
    const allowedMs = AUDIO_BURST_MS + 2000 * AUDIO_MAX_SPEED;
    expect(admitted * 20).toBeLessThanOrEqual(allowedMs);
    expect(admitted * 20).toBeGreaterThan(allowedMs - 40);
  });

  it('admits real time again after a flood, and never saves up more than the burst', () => {
    const sut = new AudioRateLimit();
    send(sut, 4000, 0.5);
    expect(send(sut, 500, 20, 2020)).toBe(500);
    // An hour of silence earns no more than one burst.
    const later = 2020 + 500 * 20 + 3_600_000;
    expect(send(sut, 1000, 0, later) * 20).toBe(AUDIO_BURST_MS);
  });

  it('bounds the time line by the wall clock from the first packet', () => {
    const sut = new AudioRateLimit({ burstMs: 1000, maxSpeed: 1.1 });
    expect(sut.timelineLimitMs(5000)).toBe(1000);
    sut.admit(20, 10_000);
    expect(sut.timelineLimitMs(10_000)).toBe(1000);
    expect(sut.timelineLimitMs(20_000)).toBe(1000 + 10_000 * 1.1);
  });
});
