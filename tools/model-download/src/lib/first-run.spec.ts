import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canReach, planFirstRun, whisperBindingInstalled } from './first-run';

const none = () => false;

describe(planFirstRun.name, () => {
  it('offers the default Whisper model to a person at a terminal when no engine is configured', () => {
    expect(planFirstRun({ env: {}, interactive: true, exists: none })).toMatchObject({
      action: 'offer',
      model: 'base.en',
      dir: 'models',
      url: expect.stringMatching(/ggml-base\.en\.bin$/),
    });
  });

  it('only advises when nobody can answer, in CI, or once declined', () => {
    expect(planFirstRun({ env: {}, interactive: false, exists: none })).toMatchObject({
      action: 'advise',
      message: expect.stringContaining('npm run model:download -- base.en'),
    });
    expect(planFirstRun({ env: { CI: 'true' }, interactive: true, exists: none }).action).toBe(
      'advise',
    );
    const declined = (path: string) => path.endsWith('.download-declined');
    expect(planFirstRun({ env: {}, interactive: true, exists: declined }).action).toBe('advise');
  });

  it('offers no download where whisper.cpp cannot run, and says so if Whisper was asked for', () => {
    expect(
      planFirstRun({ env: {}, interactive: true, exists: none, whisperRuns: false }),
    ).toMatchObject({
      action: 'nothing',
      why: expect.stringContaining('no whisper.cpp binding'),
    });
    expect(
      planFirstRun({
        env: { TRANSCRIPTION_ENGINE: 'whisper' },
        interactive: true,
        exists: none,
        whisperRuns: false,
      }),
    ).toMatchObject({ action: 'advise', message: expect.stringContaining('cannot run') });
  });

  it('does nothing when an engine is configured or the model is there', () => {
    expect(
      planFirstRun({ env: { OPENAI_API_KEY: 'k' }, interactive: true, exists: none }).action,
    ).toBe('nothing');
    expect(
      planFirstRun({ env: { TRANSCRIPTION_ENGINE: 'sphinx' }, interactive: true, exists: none })
        .action,
    ).toBe('nothing');
    expect(
      planFirstRun({ env: {}, interactive: true, exists: (p) => p === 'models/ggml-base.en.bin' })
        .action,
    ).toBe('nothing');
    expect(
      planFirstRun({ env: { WHISPER_MODEL: '/srv/my-model.bin' }, interactive: true, exists: none })
        .action,
    ).toBe('nothing');
  });

  it('uses WHISPER_MODEL, WHISPER_MODELS_DIR and WHISPER_MODEL_BASE_URL', () => {
    expect(
      planFirstRun({
        env: {
          WHISPER_MODEL: 'tiny.en',
          WHISPER_MODELS_DIR: '/srv/m',
          WHISPER_MODEL_BASE_URL: 'http://127.0.0.1:9',
        },
        interactive: true,
        exists: none,
      }),
    ).toMatchObject({
      action: 'offer',
      model: 'tiny.en',
      dir: '/srv/m',
      url: 'http://127.0.0.1:9/ggml-tiny.en.bin',
    });
  });
});

describe(canReach.name, () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => res.writeHead(req.url === '/there' ? 200 : 404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('says whether the host answers, and why not, quickly', async () => {
    expect(await canReach(`${base}/there`)).toEqual({ ok: true });
    expect(await canReach(`${base}/gone`)).toEqual({ ok: false, reason: 'HTTP 404' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await canReach(`http://127.0.0.1:${port}/x`, 2000);
    expect(refused.ok).toBe(false);
    expect(refused.reason).toBe('ECONNREFUSED');
  });
});

describe(whisperBindingInstalled.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'binding-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const install = (name: string, os: string, cpu: string) => {
    mkdirSync(join(dir, '@spader', name), { recursive: true });
    writeFileSync(
      join(dir, '@spader', name, 'package.json'),
      JSON.stringify({ name, os: [os], cpu: [cpu] }),
    );
  };

  it('finds a binding installed for this platform', () => {
    install('node-whisper-cpp-here', process.platform, process.arch);
    expect(whisperBindingInstalled(dir)).toBe(true);
  });

  it("finds none when only another platform's is there, or nothing is", () => {
    expect(whisperBindingInstalled(dir)).toBe(false);
    install('node-whisper-cpp-elsewhere', 'aix', 'ppc64');
    expect(whisperBindingInstalled(dir)).toBe(false);
  });

  it('finds the binding of this workspace, which npm installed for this machine', () => {
    expect(whisperBindingInstalled()).toBe(process.platform === 'linux' && process.arch === 'x64');
  });
});
