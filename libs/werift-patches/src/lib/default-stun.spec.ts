import { Connection } from 'werift';
import { disableWeriftDefaultStun } from './default-stun';

describe(disableWeriftDefaultStun.name, () => {
  it('leaves an ICE connection with no STUN server when none is configured', async () => {
    disableWeriftDefaultStun();
    const sut = new Connection(true, { useIpv6: false, additionalHostAddresses: ['127.0.0.1'] });
    expect(sut.stunServer).toEqual(['stun.l.google.com', 19302]); // werift's fallback...
    await sut.gatherCandidates();
    expect(sut.stunServer).toBeUndefined(); // ...is gone before gathering uses it
    expect(sut.localCandidates.every((c) => c.type === 'host')).toBe(true);
    await sut.close();
  });
});
