import type { CpuProfile } from './inspector';
import { areaOf, summarizeProfile } from './profile';

describe(areaOf.name, () => {
  it('sorts frames into the media path areas', () => {
    const nm = '/work/main/node_modules';
    expect(areaOf(`file://${nm}/werift/lib/rtp/src/srtp/cipher/gcm.js`, 'decryptRtp')).toBe(
      'werift SRTP/SRTCP',
    );
    expect(areaOf(`file://${nm}/werift/lib/dtls/src/flight/server/flight4.js`, 'x')).toBe(
      'werift DTLS',
    );
    expect(areaOf(`file://${nm}/@discordjs/opus/lib/index.js`, 'decode')).toBe(
      'Opus decode (@discordjs/opus)',
    );
    expect(areaOf('file:///w/dist/apps/api/apps/api/src/app/common/json-logger.js', 'x')).toBe(
      'app: logging',
    );
    expect(areaOf('', '(garbage collector)')).toBe('GC');
    expect(areaOf('', '(idle)')).toBe('idle');
  });
});

describe(summarizeProfile.name, () => {
  it('reports self time by area without the idle samples, and inclusive stage time', () => {
    const frame = (functionName: string, url: string) => ({
      functionName,
      url,
      lineNumber: 0,
      columnNumber: 0,
    });
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1_000_000, // 1 s
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), hitCount: 0, children: [2, 3] },
        { id: 2, callFrame: frame('(idle)', ''), hitCount: 500 },
        {
          id: 3,
          callFrame: frame('decryptRtp', 'file:///x/node_modules/werift/lib/rtp/src/srtp/srtp.js'),
          hitCount: 100,
          children: [4],
        },
        {
          id: 4,
          callFrame: frame('update', 'node:internal/crypto/cipher'),
          hitCount: 400,
        },
      ],
    };
    const sut = summarizeProfile(profile);
    expect(sut.durationMs).toBe(1000);
    expect(sut.busyMs).toBe(500);
    expect(sut.byArea).toEqual([
      { name: 'node crypto', ms: 400, pct: 80 },
      { name: 'werift SRTP/SRTCP', ms: 100, pct: 20 },
    ]);
    expect(sut.inclusive).toContainEqual({ name: 'SRTP decrypt (werift)', ms: 500, pct: 100 });
  });
});
