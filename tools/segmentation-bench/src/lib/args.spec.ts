import { join } from 'node:path';
import { missingPrerequisites, parseArgs } from './args';
import { ALL_CLIPS, QUICK_CLIPS } from './fixtures';

describe(parseArgs.name, () => {
  it('plays every fixture into dist/bench by default', () => {
    const sut = parseArgs([], '/ws');
    expect(sut).toEqual({
      help: false,
      quick: false,
      clips: [...ALL_CLIPS],
      padAfterMs: 1000,
      partials: 'on',
      out: '/ws/dist/bench',
    });
  });

  it('plays fewer clips with --quick, unless --clips names them', () => {
    expect(parseArgs(['--quick'], '/ws').clips).toEqual([...QUICK_CLIPS]);
    expect(parseArgs(['--quick', '--clips', 'goforward.wav'], '/ws').clips).toEqual([
      'goforward.wav',
    ]);
  });

  it('reads values inline or as the next argument', () => {
    const sut = parseArgs(['--pad=500', '--out', '/tmp/b', '--partials', 'off', '--help'], '/ws');
    expect(sut).toMatchObject({ padAfterMs: 500, out: '/tmp/b', partials: 'off', help: true });
  });

  it('names a bad argument', () => {
    expect(() => parseArgs(['--fast'], '/ws')).toThrow('--fast');
    expect(() => parseArgs(['--pad', 'soon'], '/ws')).toThrow('--pad');
    expect(() => parseArgs(['--out'], '/ws')).toThrow('--out needs a value');
    expect(() => parseArgs(['--partials', 'auto'], '/ws')).toThrow('--partials');
  });
});

describe(missingPrerequisites.name, () => {
  const MODEL = '/usr/share/pocketsphinx/model/en-us';
  const present =
    (...paths: string[]) =>
    (path: string) =>
      paths.includes(path);

  it('is satisfied by pocketsphinx on PATH, its model and the built server', () => {
    const exists = present('/usr/bin/pocketsphinx_batch', join(MODEL, 'en-us'), '/dist/main.js');
    expect(missingPrerequisites({ PATH: '/bin:/usr/bin' }, '/dist/main.js', exists)).toEqual([]);
  });

  it('says how to install pocketsphinx and how to build the server', () => {
    const sut = missingPrerequisites({ PATH: '/bin' }, '/dist/main.js', present());
    expect(sut).toHaveLength(2);
    expect(sut[0]).toContain('apt-get install -y pocketsphinx pocketsphinx-en-us');
    expect(sut[1]).toContain('nx run api:build');
  });

  it('looks for the model where SPHINX_MODEL_DIR points', () => {
    const exists = present('/opt/ps/pocketsphinx_batch', '/m/en-us', '/dist/main.js');
    expect(
      missingPrerequisites({ PATH: '/opt/ps', SPHINX_MODEL_DIR: '/m' }, '/dist/main.js', exists),
    ).toEqual([]);
    expect(missingPrerequisites({ PATH: '/opt/ps' }, '/dist/main.js', exists)[0]).toContain(
      'pocketsphinx-en-us',
    );
  });
});
