/**
 * `npm run bench:cluster`: what the engine job queue (cluster mode, Redis + BullMQ) costs in
 * latency. The same sessions (conversation.wav, in real time, a few at once) against an engine
 * that answers at once (the fake OpenAI server, `describe`), with the server
 *
 *   1. without Redis: sessions call the engine in the server process (`npm start`);
 *   2. ROLE=all with Redis: the same process, but every engine call goes through the queue;
 *   3. ROLE=api + one ROLE=worker process: the engine runs in the other process.
 *
 * Reports end of speech to `final` at the client (arrival of the SSE event minus the moment the
 * last packet of its audio was sent) and the server's `latencyMs`, p50/p95, and saves JSON
 * (dist/bench/cluster-latency.json). A measurement, not a test: nothing fails on a number.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import { distribution, loadClip, runSession, type SessionOutcome } from '@whisperstream/loadgen';
import {
  FIXTURES,
  startRedis,
  startServer,
  WORKSPACE,
  type RunningRedis,
  type RunningServer,
} from '@whisperstream/server-harness';
import { installWeriftPatches } from '@whisperstream/werift-patches';

interface Args {
  sessions: number;
  rounds: number;
  clip: string;
  out: string;
}

function parse(argv: string[]): Args {
  const args: Args = {
    sessions: 10,
    rounds: 2,
    clip: resolve(FIXTURES, 'conversation.wav'),
    out: resolve(WORKSPACE, 'dist/bench'),
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--sessions':
        args.sessions = Number(value);
        i++;
        break;
      case '--rounds':
        args.rounds = Number(value);
        i++;
        break;
      case '--clip':
        args.clip = resolve(value);
        i++;
        break;
      case '--out':
        args.out = resolve(value);
        i++;
        break;
      default:
        throw new Error(
          `unknown argument ${argv[i]} (--sessions N, --rounds N, --clip F, --out D)`,
        );
    }
  }
  return args;
}

type Setup = 'no-redis' | 'redis-all' | 'redis-api+worker';

interface SetupResult {
  setup: Setup;
  sessions: number;
  failed: number;
  finals: number;
  errorEvents: number;
  /** End of speech (last packet of the segment sent) to `final` at the client, ms. */
  clientLagMs: ReturnType<typeof distribution>;
  /** The server's `latencyMs`: end of speech to text ready, ms. */
  serverLatencyMs: ReturnType<typeof distribution>;
  /** The API node's `cluster` metrics at the end (cluster setups). */
  cluster?: unknown;
}

const log = (message: string) => process.stdout.write(`[bench:cluster] ${message}\n`);

async function waitUntilReady(server: RunningServer): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await fetch(`${server.baseUrl}/readyz`);
    if (response.status === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready: ${await response.text()}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function measure(
  setup: Setup,
  args: Args,
  fake: FakeOpenAiServer,
  redis: RunningRedis | null,
): Promise<SetupResult> {
  const base = {
    TRANSCRIPTION_ENGINE: 'openai',
    OPENAI_API_KEY: 'bench-key',
    OPENAI_BASE_URL: fake.baseUrl,
    MAX_SESSIONS: '1000',
    SESSION_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
  };
  const cluster: Record<string, string> = redis ? { REDIS_URL: redis.url } : {};
  const servers: RunningServer[] = [];
  try {
    if (setup === 'redis-api+worker') {
      servers.push(await startServer({ ...base, ...cluster, ROLE: 'worker', NODE_ID: 'worker-1' }));
      servers.unshift(await startServer({ ...base, ...cluster, ROLE: 'api', NODE_ID: 'api-1' }));
    } else {
      servers.push(await startServer({ ...base, ...cluster, ROLE: 'all', NODE_ID: 'node-1' }));
    }
    await Promise.all(servers.map(waitUntilReady));
    const api = servers[0];
    const clip = loadClip(args.clip);
    const outcomes: SessionOutcome[] = [];
    for (let round = 0; round < args.rounds; round++) {
      const stop = new AbortController();
      outcomes.push(
        ...(await Promise.all(
          Array.from({ length: args.sessions }, async (_, index) => {
            // Spread over a second, so that utterance ends do not all fall on the same instant.
            await new Promise((done) => setTimeout(done, (index * 1000) / args.sessions));
            return runSession({
              baseUrl: api.baseUrl,
              index,
              worker: 0,
              program: clip.frames,
              stop: stop.signal,
              connectTimeoutMs: 20_000,
              endTimeoutMs: 30_000,
              language: 'en',
            });
          }),
        )),
      );
      log(`${setup}: round ${round + 1} of ${args.rounds} done`);
    }
    const metrics = redis
      ? ((await (await fetch(`${api.baseUrl}/metrics.json`)).json()) as { cluster?: unknown })
          .cluster
      : undefined;
    return {
      setup,
      sessions: outcomes.length,
      failed: outcomes.filter((o) => o.failedStage !== undefined).length,
      finals: outcomes.reduce((n, o) => n + o.finals, 0),
      errorEvents: outcomes.reduce((n, o) => n + o.errorEvents, 0),
      clientLagMs: distribution(outcomes.flatMap((o) => o.finalClientLagMs)),
      serverLatencyMs: distribution(outcomes.flatMap((o) => o.finalLatencyMs)),
      ...(metrics ? { cluster: metrics } : {}),
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  installWeriftPatches();
  const fake = await FakeOpenAiServer.start({ apiKey: 'bench-key', recognizer: 'describe' });
  const redis = await startRedis();
  const startedAt = new Date().toISOString();
  const load = loadavg();
  const results: SetupResult[] = [];
  try {
    results.push(await measure('no-redis', args, fake, null));
    results.push(await measure('redis-all', args, fake, redis));
    results.push(await measure('redis-api+worker', args, fake, redis));
  } finally {
    await fake.close();
    await redis.stop();
  }
  const report = {
    startedAt,
    loadAverageAtStart: load,
    clip: args.clip,
    sessionsAtOnce: args.sessions,
    rounds: args.rounds,
    results,
  };
  mkdirSync(args.out, { recursive: true });
  const file = resolve(args.out, 'cluster-latency.json');
  writeFileSync(file, JSON.stringify(report, null, 2));
  log('end of speech to final, ms (p50 / p95)   client           server latencyMs   finals');
  for (const r of results) {
    log(
      `${r.setup.padEnd(20)} ${`${r.clientLagMs.p50} / ${r.clientLagMs.p95}`.padEnd(16)} ` +
        `${`${r.serverLatencyMs.p50} / ${r.serverLatencyMs.p95}`.padEnd(18)} ${r.finals} ` +
        `(errors ${r.errorEvents}, failed sessions ${r.failed})`,
    );
  }
  log(`saved ${file}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:cluster failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
