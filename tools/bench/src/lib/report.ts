import type { Distribution } from '@whisperstream/loadgen';
import type { Lag, LevelResult, SetupResult, Snapshot } from './bench';
import type { ProfileSummary } from './profile';

export interface BenchResults {
  startedAt: string;
  durationS: number;
  machine: { cpus: number; model: string; node: string };
  pinned: { server: boolean; client: boolean; taskset: boolean; note: string };
  config: Record<string, unknown>;
  idle: { cpuPct: number; lag?: Lag; snapshot: Snapshot };
  setups: SetupResult[];
  levels: LevelResult[];
  profile?: { steady?: ProfileSummary; setup?: ProfileSummary; sessions: number };
}

const mib = (b: number | undefined) => (b === undefined ? '–' : `${(b / 2 ** 20).toFixed(2)} MiB`);
const kib = (b: number | undefined) => (b === undefined ? '–' : `${(b / 1024).toFixed(0)} KiB`);
const n = (v: number | undefined, unit = '') => (v === undefined ? '–' : `${v}${unit}`);
const p = (d: Distribution | undefined) =>
  d && d.count ? `${n(d.p50)} / ${n(d.p95)} / ${n(d.max)} (n=${d.count})` : '–';

/** The Markdown summary of a bench run (the chart is `chart.svg` beside it). */
export function renderSummary(r: BenchResults): string {
  const held = r.levels.filter((l) => l.held);
  const clean = r.levels.filter((l) => l.retryOf === undefined);
  const largest = held.length ? Math.max(...held.map((l) => l.live)) : 0;
  const broke = clean.find((l) => !l.held);
  const perSession = held.map((l) => l.cpuPctPerSession ?? 0).filter((v) => v > 0);
  const lines: string[] = [];
  lines.push(
    '# WhisperStream benchmark',
    '',
    `${r.startedAt}, ${r.durationS} s, ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}. ` +
      `CPU pinning: ${r.pinned.note}. Engine: the fake OpenAI server (\`describe\`, answers at once). ` +
      `Segmentation: ${r.config['segmentation'] ? `\`${String(r.config['segmentation'])}\`` : "the server's default"}.`,
    '',
    '## Headline',
    '',
    `- Largest session count held (lag p99 < 50 ms, no loss, no failed set-up): **${largest}**` +
      (broke
        ? ` (broke at ${broke.target}: ${broke.reasons.join('; ')})`
        : ' (the step-up ended before it broke)'),
    `- Server CPU per live session: **${perSession.length ? (perSession.reduce((a, b) => a + b, 0) / perSession.length).toFixed(2) : '–'} % of one core** (mean over held levels)`,
    `- Set-up, POST /api/sessions → connected (ICE + DTLS), p50 / p95 / max: alone ${p(r.setups[0]?.connectedMs)} ms; 20 at once ${p(r.setups[1]?.connectedMs)} ms`,
    ...(foreign(r) > 10
      ? [
          `- **Caution**: other processes used up to ${foreign(r)} % of the server's core during the step-up (see the table): the machine was shared, the figures are not clean.`,
        ]
      : []),
    '',
    '![CPU and lag vs sessions](chart.svg)',
    '',
    '## Idle server',
    '',
    `CPU ${r.idle.cpuPct.toFixed(2)} % of one core; event-loop lag p99 ${n(r.idle.lag?.p99Ms, ' ms')}; ` +
      `RSS ${mib(r.idle.snapshot.rssBytes)}, heap ${mib(r.idle.snapshot.heapUsedBytes)}, fds ${r.idle.snapshot.fds.fds}, UDP sockets ${r.idle.snapshot.fds.udp}.`,
    '',
    '## Set-up time (ms from POST /api/sessions)',
    '',
    '| run | sessions | failed | answer p50/p95/max | ICE connected p50/p95/max | connected (DTLS up) p50/p95/max | DTLS after ICE p50/p95/max | CPU ms/session server / load gen |',
    '|---|---|---|---|---|---|---|---|',
    ...r.setups.map(
      (s) =>
        `| ${s.label} | ${s.sessions} | ${s.failed} | ${p(s.answerMs)} | ${p(s.iceConnectedMs)} | ${p(s.connectedMs)} | ${p(s.dtlsAfterIceMs)} | ${n(s.serverCpuMsPerSession)} / ${n(s.clientCpuMsPerSession)} |`,
    ),
    '',
    ...r.setups.map(
      (s) =>
        `- ${s.label}, p50 of each step (ms): ${Object.entries(s.stepsP50Ms ?? {})
          .map(([step, ms]) => `${step} ${n(ms)}`)
          .join(' → ')}`,
    ),
    '- *CPU ms/session* covers the whole session of the set-up runs (set-up, 1 s of audio, `bye`, close): the server from `/proc`, the load generator from its workers (its own cost, whatever else the machine ran).',
    '',
    '## Step-up (steady state, all sessions streaming)',
    '',
    '| target | live | server CPU % (user/sys) | CPU %/session | above idle | RSS/session | heap/session | lag p50/p99/max ms | /healthz RTT p50/p99 ms (proxy) | load-gen CPU % | other load on server core % | RTP received/sent | lost+late | decode errors | final lag p50/p95 ms | held |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.levels.map(
      (l) =>
        `| ${l.target}${l.retryOf !== undefined ? ' (spoiled, retried)' : ''} | ${l.live} | ${n(l.serverCpuPct)} (${n(l.serverThreads?.userPct)}/${n(l.serverThreads?.sysPct)}) | ${n(l.cpuPctPerSession)} | ${n(l.cpuPctPerSessionAboveIdle)} | ${kib(l.rssPerSessionBytes)} | ${kib(l.heapPerSessionBytes)} | ` +
        `${l.lag ? `${l.lag.p50Ms} / ${l.lag.p99Ms} / ${l.lag.maxMs}` : '–'} | ${l.healthzRttMs ? `${n(l.healthzRttMs.p50)} / ${n(l.healthzRttMs.p99)}` : '–'} | ${n(l.clientCpuPct)} | ${n(l.foreignOnServerCorePct)} | ` +
        `${l.pipeline.received} / ${l.packetsSent} | ${l.pipeline.lost + l.pipeline.late} | ${l.pipeline.decodeErrors} | ` +
        `${n(l.load.finalClientLagMs.p50)} / ${n(l.load.finalClientLagMs.p95)} | ${l.held ? 'yes' : `no: ${l.reasons.join('; ')}`} |`,
    ),
    '',
    ...r.levels.slice(-2).map(
      (l) =>
        `- Server threads at ${l.live} sessions (% of one core): ${Object.entries(
          l.serverThreads?.byName ?? {},
        )
          .filter(([, v]) => v > 0)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
    ),
    '- *lag* is `perf_hooks.monitorEventLoopDelay` (10 ms resolution, resolution subtracted) injected into the unmodified server through its inspector (`NODE_OPTIONS=--inspect=127.0.0.1:0`); ' +
      '*/healthz RTT* is the outside proxy (one kept-alive request every 100 ms from the bench process, which shares its core with the load generator).',
    '- *final lag* is end of speech to `final` at the client: arrival of the SSE event minus the moment the last packet of its audio (`endMs`) was sent. The server-side `latencyMs` is in results.json (`load.finalLatencyMs`).',
    "- RTP loss and decode errors come from the server's `audio pipeline ended` log line of each session.",
    '',
  );
  const prof = r.profile;
  if (prof?.steady) {
    const perSessionMs = prof.steady.busyMs / (prof.steady.durationMs / 1000) / prof.sessions;
    lines.push(
      `## Profile: ${prof.sessions} live streams, ${(prof.steady.durationMs / 1000).toFixed(0)} s (steady.cpuprofile)`,
      '',
      `Busy ${prof.steady.busyMs} ms of ${prof.steady.durationMs} ms, i.e. ${perSessionMs.toFixed(2)} ms of CPU per live stream per second (${(perSessionMs / 10).toFixed(2)} % of a core; the profiler adds its own overhead).`,
      '',
      '| area (self time) | ms | % of busy |',
      '|---|---|---|',
      ...prof.steady.byArea.slice(0, 18).map((e) => `| ${e.name} | ${e.ms} | ${e.pct} |`),
      '',
      '| stage (inclusive time) | ms | % of busy |',
      '|---|---|---|',
      ...prof.steady.inclusive.map((e) => `| ${e.name} | ${e.ms} | ${e.pct} |`),
      '',
      '| function (self time) | ms | % of busy |',
      '|---|---|---|',
      ...prof.steady.topSelf.slice(0, 20).map((e) => `| \`${e.name}\` | ${e.ms} | ${e.pct} |`),
      '',
    );
  }
  if (prof?.setup) {
    lines.push(
      '## Profile: 20 sessions set up at once (setup.cpuprofile)',
      '',
      '| area (self time) | ms | % of busy |',
      '|---|---|---|',
      ...prof.setup.byArea.slice(0, 15).map((e) => `| ${e.name} | ${e.ms} | ${e.pct} |`),
      '',
      '| function (self time) | ms | % of busy |',
      '|---|---|---|',
      ...prof.setup.topSelf.slice(0, 15).map((e) => `| \`${e.name}\` | ${e.ms} | ${e.pct} |`),
      '',
    );
  }
  return lines.join('\n');
}

function foreign(r: BenchResults): number {
  return Math.max(0, ...r.levels.map((l) => l.foreignOnServerCorePct ?? 0));
}
