import { parseArgs } from './args';
import { NonLoopbackTargetError } from './loopback';

describe(parseArgs.name, () => {
  it('reads every option', () => {
    const sut = parseArgs(
      [
        '--url',
        'http://127.0.0.1:3000/',
        '--sessions=40',
        '--ramp',
        'inf',
        '--workers',
        '2',
        '--clip',
        'a.wav',
        '--duration',
        '1.5',
        '--json',
        'out.json',
        '--candidates',
        'mdns-only',
        '--gather-before-offer',
      ],
      '/tmp',
    );
    expect(sut).toMatchObject({
      url: 'http://127.0.0.1:3000',
      sessions: 40,
      ramp: Infinity,
      workers: 2,
      clip: '/tmp/a.wav',
      durationS: 1.5,
      json: '/tmp/out.json',
      candidateShape: 'mdns-only',
      gatherBeforeOffer: true,
    });
  });

  it('refuses a target that is not on loopback before anything starts', () => {
    expect(() => parseArgs(['--url', 'http://192.0.2.2:3000'])).toThrow(NonLoopbackTargetError);
    expect(() => parseArgs(['--url', 'http://example.com'])).toThrow(NonLoopbackTargetError);
  });

  it('names a bad or unknown argument', () => {
    expect(() => parseArgs(['--url', 'http://127.0.0.1:1', '--sessions', 'x'])).toThrow(
      /--sessions/,
    );
    expect(() => parseArgs(['--url', 'http://127.0.0.1:1', '--bogus'])).toThrow(/--bogus/);
    expect(() => parseArgs([])).toThrow(/--url is required/);
    expect(() => parseArgs(['--url', 'http://127.0.0.1:1', '--candidates', 'ipv9'])).toThrow(
      /--candidates must be one of as-is, empty-mid, mdns-only, not "ipv9"/,
    );
  });
});
