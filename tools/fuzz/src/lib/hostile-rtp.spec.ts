import { hostileAction } from './hostile-rtp';
import { Rng } from './rng';

const FRAMES = [Buffer.from([0x78, 1, 2, 3]), Buffer.from([0x78, 4, 5, 6])];

describe('hostile RTP actions', () => {
  it('cover every kind, each with at least one packet', () => {
    const kinds = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const action = hostileAction(Rng.derive(1, 'rtp', i), FRAMES);
      kinds.add(action.kind.replace(/\(.*$/, ''));
      expect(action.packets.length).toBeGreaterThan(0);
    }
    expect([...kinds].sort()).toEqual(
      [
        'burst',
        'csrc',
        'duplicates',
        'empty-payload',
        'extensions',
        'garbage-opus',
        'huge-payload',
        'marker-storm',
        'other-ssrc',
        'padding',
        'seq-jump',
        'seq-restart',
        'seq-run',
        'ts-jump',
        'wrong-pt',
      ].sort(),
    );
  });

  it('makes a restarted sequence a run of in-order packets far from the expected one', () => {
    for (let i = 0; i < 1000; i++) {
      const action = hostileAction(Rng.derive(2, 'rtp', i), FRAMES);
      if (!action.kind.startsWith('seq-run')) continue;
      const offsets = action.packets.map((p) => p.seqOffset ?? NaN);
      expect(Math.abs(offsets[0])).toBeGreaterThanOrEqual(1000);
      offsets.slice(1).forEach((o, k) => expect(o).toBe(offsets[k] + 1));
      expect(action.packets.length).toBeGreaterThanOrEqual(6);
    }
  });

  it('marks a restart, whose packets run in order from where the stream goes on', () => {
    let restarts = 0;
    for (let i = 0; i < 1000; i++) {
      const action = hostileAction(Rng.derive(4, 'rtp', i), FRAMES);
      if (!action.kind.startsWith('seq-restart')) continue;
      restarts++;
      expect(action.restart).toBe(true);
      const offsets = action.packets.map((p) => p.seqOffset ?? NaN);
      offsets.slice(1).forEach((o, k) => expect(o).toBe(offsets[k] + 1));
    }
    expect(restarts).toBeGreaterThan(10);
  });

  it('keeps CSRC lists within the header`s 15 and one-byte extensions within RFC 8285', () => {
    for (let i = 0; i < 1000; i++) {
      for (const p of hostileAction(Rng.derive(3, 'rtp', i), FRAMES).packets) {
        expect((p.csrc ?? []).length).toBeLessThanOrEqual(15);
        if (p.extensionProfile === 0xbede) {
          for (const e of p.extensions ?? []) {
            expect(e.id).toBeGreaterThanOrEqual(1);
            expect(e.id).toBeLessThanOrEqual(14);
            expect(e.payload.length).toBeLessThanOrEqual(16);
          }
        }
      }
    }
  });
});
