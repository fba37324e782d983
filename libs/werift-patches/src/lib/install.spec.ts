import { installWeriftPatches, patchesNotAppliedWarning } from './install';

describe(patchesNotAppliedWarning.name, () => {
  it('says nothing when every patch applied (this workspace pins the werift they were written for)', () => {
    expect(patchesNotAppliedWarning(installWeriftPatches())).toBeUndefined();
  });

  it('names each patch that did not apply, what is lost, and the werift version', () => {
    const sut = patchesNotAppliedWarning(
      {
        noDefaultStun: true,
        fastPaths: false,
        dtlsStartup: true,
        receivePath: true,
        icePatience: false,
      },
      '0.25.1',
    );
    expect(sut?.notApplied).toEqual(['fastPaths', 'icePatience']);
    expect(sut?.weriftVersion).toBe('0.25.1');
    expect(sut?.msg).toMatch(/^werift 0\.25\.1 .*fastPaths \(.+\), icePatience \(.*mDNS.*\)$/);
  });
});
