import { ClientMessageSchema } from '@whisperstream/shared-types';
import { Rng } from './rng';
import { isSentinelAnswer, sentinelFrame, wsCase } from './ws-messages';

const CTX = { ufrag: 'ab12', sinkPort: 4567 };

describe('WebSocket cases', () => {
  it('never sends a valid bye, and expects an error for every message the schema refuses', () => {
    for (let i = 0; i < 3000; i++) {
      const c = wsCase(Rng.derive(1, 'ws', i), CTX);
      for (const frame of c.frames) {
        if (frame.binary || typeof frame.data !== 'string') continue;
        let json: unknown;
        try {
          json = JSON.parse(frame.data);
        } catch {
          if (c.expect !== 'close') expect([c.kind, c.expect]).toEqual([c.kind, 'error']);
          continue;
        }
        const parsed = ClientMessageSchema.safeParse(json);
        expect(parsed.success && parsed.data.type === 'bye').toBe(false);
        if (!parsed.success && c.frames.length === 1 && c.expect !== 'close') {
          expect([c.kind, c.expect]).toEqual([c.kind, 'error']);
        }
      }
    }
  });

  it('points every candidate it expects to be taken at the fuzzer`s own port on loopback', () => {
    for (let i = 0; i < 3000; i++) {
      const c = wsCase(Rng.derive(2, 'ws', i), CTX);
      if (c.expect !== 'none' || !c.kind.startsWith('candidate')) continue;
      const { candidate } = JSON.parse(String(c.frames[0].data)) as {
        candidate: { candidate: string };
      };
      expect(candidate.candidate).toContain(' 127.0.0.1 4567 ');
    }
  });

  it('expects an error for the candidates issue 11 names (999.1.1.1, port 0, sctp, component 99)', () => {
    const refused = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const c = wsCase(Rng.derive(3, 'ws', i), CTX);
      if (c.kind.startsWith('candidate:') && c.expect === 'error')
        refused.add(c.kind.slice('candidate:'.length));
    }
    expect([...refused]).toEqual(
      expect.arrayContaining([
        'ip-invalid',
        'port-invalid',
        'transport-invalid',
        'component-invalid',
        'mline-index-missing',
        'ufrag-900-in-line',
      ]),
    );
  });

  it('makes a sentinel whose refusal names it, and no other', () => {
    const frame = JSON.parse(String(sentinelFrame(12).data)) as unknown;
    expect(ClientMessageSchema.safeParse(frame).success).toBe(true);
    const answer =
      'an ICE candidate could not be used: foundation "!s12" is not 1-32 ICE characters';
    expect(isSentinelAnswer(answer, 12)).toBe(true);
    expect(isSentinelAnswer(answer, 1)).toBe(false);
    expect(isSentinelAnswer(answer.replace('!s12', '!s123'), 12)).toBe(false);
  });
});
