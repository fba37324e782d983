import type { ClientMessage, IceCandidateInit } from '@whisperstream/shared-types';
import { TrickleIce } from './trickle';

const candidate = (n: number): IceCandidateInit => ({
  candidate: `candidate:${n} 1 udp 2122260223 192.168.1.${n} 5000${n} typ host`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

describe(TrickleIce.name, () => {
  let sent: ClientMessage[];
  let added: Array<IceCandidateInit | null>;
  let sut: TrickleIce;

  beforeEach(() => {
    sent = [];
    added = [];
    sut = new TrickleIce({
      send: (message) => sent.push(message),
      addRemote: async (c) => {
        added.push(c);
      },
    });
  });

  describe('socket opened before the offer', () => {
    it('sends each own candidate at once, and end-of-candidates once', () => {
      sut.socketOpened();
      sut.local(candidate(1));
      sut.local(null);
      sut.local(null);
      expect(sent).toEqual([
        { type: 'candidate', candidate: candidate(1) },
        { type: 'end-of-candidates' },
      ]);
    });

    it('keeps the server candidates that arrive before the answer until it is applied, in order', async () => {
      sut.socketOpened();
      await sut.remote(candidate(7));
      await sut.remote(candidate(8));
      await sut.remote(null);
      expect(added).toEqual([]);
      expect(sut.pendingRemote).toBe(3);

      await sut.remoteDescriptionApplied();
      expect(added).toEqual([candidate(7), candidate(8), null]);

      await sut.remote(candidate(9));
      expect(added.at(-1)).toEqual(candidate(9));
    });
  });

  describe('socket opened after the offer', () => {
    it('keeps own candidates made before the socket opened, then sends them first, in order', () => {
      sut.local(candidate(1));
      sut.local(candidate(2));
      sut.local(null);
      expect(sent).toEqual([]);
      expect(sut.pendingLocal).toBe(3);

      sut.socketOpened();
      sut.local(candidate(3)); // a late one goes after what waited
      expect(sent.map((m) => (m.type === 'candidate' ? m.candidate.candidate : m.type))).toEqual([
        candidate(1).candidate,
        candidate(2).candidate,
        'end-of-candidates',
        candidate(3).candidate,
      ]);
    });

    it('adds server candidates at once when the answer was applied before they came', async () => {
      await sut.remoteDescriptionApplied();
      sut.socketOpened();
      await sut.remote(candidate(4));
      expect(added).toEqual([candidate(4)]);
    });
  });

  it('keeps own candidates while a dropped socket is reopened', () => {
    sut.socketOpened();
    sut.local(candidate(1));
    sut.socketClosed();
    sut.local(candidate(2));
    expect(sent).toHaveLength(1);
    sut.socketOpened();
    expect(sent).toEqual([
      { type: 'candidate', candidate: candidate(1) },
      { type: 'candidate', candidate: candidate(2) },
    ]);
  });

  it('goes on adding the rest when the peer connection refuses one candidate', async () => {
    const refused: string[] = [];
    const failing = new TrickleIce({
      send: () => undefined,
      addRemote: async (c) => {
        if (c?.candidate.startsWith('candidate:1 ')) {
          throw new Error('unusable');
        }
        added.push(c);
      },
      onAddError: (c, error) => refused.push(`${c?.candidate}: ${(error as Error).message}`),
    });
    await failing.remote(candidate(1));
    await failing.remote(candidate(2));
    await failing.remoteDescriptionApplied();
    expect(added).toEqual([candidate(2)]);
    expect(refused).toEqual([`${candidate(1).candidate}: unusable`]);
  });

  it('drops what waits and sends nothing after close()', async () => {
    sut.local(candidate(1));
    await sut.remote(candidate(2));
    sut.close();
    sut.socketOpened();
    await sut.remoteDescriptionApplied();
    sut.local(candidate(3));
    expect(sent).toEqual([]);
    expect(added).toEqual([]);
  });
});
