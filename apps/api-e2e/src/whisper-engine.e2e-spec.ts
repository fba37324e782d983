import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { RunningServer, startServer, WORKSPACE } from '@whisperstream/server-harness';
import { ApiClient } from '@whisperstream/webrtc-client';
import { transcriptionMetrics } from './support/metrics';
import { runClip } from './support/run-clip';

const BINDING = '@spader/node-whisper-cpp-x64-linux-cpu-gnu';
const MODEL_WRITER = 'apps/api/src/app/transcription/whisper/testing/write-tiny-model.cli.ts';

/** The whisper.cpp binding is an optional dependency: it installs on x64 Linux (glibc) only. */
function haveBinding(): boolean {
  try {
    require.resolve(BINDING);
    return true;
  } catch {
    const why = `${BINDING} is not installed (it exists for x64 Linux with glibc only)`;
    if (process.env['WHISPERSTREAM_REQUIRE_ALL'] === '1') throw new Error(`required: ${why}`);
    process.stdout.write(`SKIPPED (whisper engine, live): ${why}\n`);
    return false;
  }
}

const describeIfWhisper = haveBinding() ? describe : describe.skip;

/**
 * The in-process Whisper engine through the whole live path, on a tiny random-weight model the
 * test writes (no model can be downloaded here): what it says is noise, but the loading, the
 * native inference off the event loop, the partials a local engine gets and the finals are real.
 */
describeIfWhisper('the whisper engine, live', () => {
  const dir = resolve(WORKSPACE, 'tmp/api-e2e-whisper');
  const modelPath = resolve(dir, 'ggml-tiny-random.bin');
  let server: RunningServer;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const written = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', MODEL_WRITER, modelPath],
      {
        cwd: WORKSPACE,
        env: { ...process.env, SWC_NODE_PROJECT: 'apps/api/tsconfig.app.json' },
        encoding: 'utf8',
      },
    );
    if (written.status !== 0) throw new Error(`model writer failed: ${written.stderr}`);
    server = await startServer({
      TRANSCRIPTION_ENGINE: 'whisper',
      WHISPER_MODEL: modelPath,
      WHISPER_THREADS: '1',
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('transcribes a clip in partials and a final, and measures the engine', async () => {
    const ready = await new ApiClient(server.baseUrl).readyz();
    expect(ready.data).toMatchObject({ status: 'ready', engine: { id: 'whisper' } });
    const chosen = server.logs.find((l) => l.msg === 'transcription engine chosen');
    expect(chosen).toMatchObject({ partials: true });

    const { events, finals } = await runClip(server, 'librivox-0870.wav');
    expect(events.find((e) => e.type === 'session')?.data).toMatchObject({
      engine: { id: 'whisper' },
    });
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatchObject({ engine: 'whisper', segmentId: 0 });
    expect(finals[0].latencyMs).toBeGreaterThanOrEqual(400); // the pause that ended it, at least
    expect(events.some((e) => e.type === 'error')).toBe(false);

    const transcription = await transcriptionMetrics(server.baseUrl);
    // A 7 s utterance is read again while it grows: partials ran on the real engine.
    expect(transcription.requests.final.count).toBe(1);
    expect(transcription.requests.partial.count).toBeGreaterThanOrEqual(2);
    expect(transcription.latency['whisper'].finalMs.count).toBe(1);
    expect(transcription.latency['whisper'].engineMs.count).toBeGreaterThanOrEqual(2);
  });
});
