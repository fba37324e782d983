import type { TranscriptEvent } from '@whisperstream/shared-types';
import { analyzeClip, summarize, type ClipResult } from './analysis';
import type { ClipPlan } from './fixtures';
import {
  fmtPercentiles,
  fmtSigned,
  renderMarkdown,
  summaryRows,
  type BenchReport,
  type SegmentationRun,
} from './report';

const PLAN: ClipPlan = {
  file: 'goforward.wav',
  reference: 'go forward ten meters',
  utterances: [{ startMs: 0, endMs: 2790, text: 'go forward ten meters', voicedEndMs: 2380 }],
  padAfterMs: 1000,
};

function clip(text: string, arrivedMs: number): ClipResult {
  const event: TranscriptEvent = {
    type: 'final',
    id: 2,
    data: { segmentId: 0, startMs: 240, endMs: 2240, text, latencyMs: 700, engine: 'sphinx' },
  };
  return analyzeClip(
    PLAN,
    {
      file: PLAN.file,
      events: [{ atMs: arrivedMs, event }],
      playedMs: 3800,
      deleteAtMs: 3900,
      endAtMs: 4000,
      maxLateMs: 2,
      engine: null,
    },
    'go forward ten meters',
  );
}

function segmentation(name: string, result: ClipResult): SegmentationRun {
  return {
    name,
    env: { SEGMENTATION: name },
    clips: [result],
    summary: summarize([result]),
    engine: null,
    serverMetrics: null,
    serverWarnings: [],
  };
}

const REPORT: BenchReport = {
  startedAt: '2026-01-01T00:00:00.000Z',
  durationS: 100,
  machine: { cpus: 2, model: 'cpu', node: 'v20' },
  quick: false,
  padAfterMs: 1000,
  baseline: { env: { FIXED_CHUNK_MS: '30000' }, utterances: [], serverWarnings: [] },
  runs: [
    segmentation('fixed', clip('go forward ten meters ice', 4000)),
    segmentation('vad', clip('go forward ten meters', 3000)),
  ],
};

describe(renderMarkdown.name, () => {
  it('puts the segmentations side by side, with n/a where the server has no metrics', () => {
    const sut = renderMarkdown(REPORT);
    expect(sut).toContain('|  | fixed | vad |');
    expect(sut).toContain('| cutting adds (live − baseline) | +0.250 | ±0.000 |');
    expect(sut).toContain('| engine requests: final (audio) | n/a | n/a |');
    expect(sut).toContain('| speech start → first `partial`, p50 / p95 | none | none |');
    expect(sut).toContain('| goforward.wav | 2.8 s | 0.000 | 0.250 (+0.250) · 0.000 (±0.000) |');
    expect(sut).toContain('- 0.24–2.24 s, latencyMs 700: "go forward ten meters"');
    expect(sut).toContain('n/a (no latency section in GET /metrics)');
  });
});

describe(summaryRows.name, () => {
  it('has one column per segmentation', () => {
    for (const row of summaryRows(REPORT.runs)) {
      expect(row).toHaveLength(3);
    }
  });
});

describe(fmtPercentiles.name, () => {
  it('says none without values', () => {
    expect(fmtPercentiles({ count: 0 })).toBe('none');
    expect(fmtPercentiles({ count: 4, p50: 120.4, p95: 300 })).toBe('120 ms / 300 ms (n=4)');
  });
});

describe(fmtSigned.name, () => {
  it('signs what cutting added or removed', () => {
    expect(fmtSigned(0.05)).toBe('+0.050');
    expect(fmtSigned(-0.059)).toBe('-0.059');
    expect(fmtSigned(null)).toBe('n/a');
  });
});
