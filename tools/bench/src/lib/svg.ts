export interface ChartPoint {
  sessions: number;
  cpuPct: number;
  lagP99Ms?: number;
  proxyP99Ms?: number;
}

const W = 720;
const H = 360;
const M = { left: 60, right: 70, top: 40, bottom: 50 };

/** A "nice" upper bound for an axis (1, 2, 2.5 or 5 times a power of ten). */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= value) return m * p;
  return 10 * p;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * Server CPU (% of one core, left axis) and event-loop lag p99 (ms, right axis) against live
 * sessions, as a self-contained SVG drawn by hand (no chart library).
 */
export function renderChart(points: readonly ChartPoint[], title: string, lagLimitMs = 50): string {
  const pts = [...points].sort((a, b) => a.sessions - b.sessions);
  const xMax = niceMax(Math.max(10, ...pts.map((p) => p.sessions)));
  const cpuMax = niceMax(Math.max(10, ...pts.map((p) => p.cpuPct)));
  const lagMax = niceMax(
    Math.max(lagLimitMs * 1.2, ...pts.flatMap((p) => [p.lagP99Ms ?? 0, p.proxyP99Ms ?? 0])),
  );
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number) => M.left + (v / xMax) * pw;
  const yCpu = (v: number) => M.top + ph - (v / cpuMax) * ph;
  const yLag = (v: number) => M.top + ph - (Math.min(v, lagMax) / lagMax) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const y = M.top + (ph * i) / 5;
    out.push(
      `<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 6}" y="${y + 4}" text-anchor="end" fill="#1f77b4">${fmt(cpuMax * (1 - i / 5))}</text>`,
      `<text x="${M.left + pw + 6}" y="${y + 4}" fill="#d62728">${fmt(lagMax * (1 - i / 5))}</text>`,
    );
  }
  for (let i = 0; i <= 5; i++) {
    const v = (xMax * i) / 5;
    out.push(
      `<line x1="${x(v)}" y1="${M.top + ph}" x2="${x(v)}" y2="${M.top + ph + 5}" stroke="#333"/>`,
      `<text x="${x(v)}" y="${M.top + ph + 18}" text-anchor="middle">${fmt(v)}</text>`,
    );
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">live sessions</text>`,
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">server CPU, % of one core</text>`,
    `<text transform="translate(${W - 14} ${M.top + ph / 2}) rotate(90)" text-anchor="middle" fill="#d62728">event-loop lag p99, ms</text>`,
    `<line x1="${M.left}" y1="${yLag(lagLimitMs)}" x2="${M.left + pw}" y2="${yLag(lagLimitMs)}" stroke="#d62728" stroke-dasharray="2 4"/>`,
    `<text x="${M.left + 4}" y="${yLag(lagLimitMs) - 4}" fill="#d62728" font-size="10">${lagLimitMs} ms limit</text>`,
  );
  const series = (
    values: Array<[number, number | undefined]>,
    y: (v: number) => number,
    color: string,
    dash = '',
  ) => {
    const defined = values.filter((v): v is [number, number] => v[1] !== undefined);
    if (defined.length === 0) return;
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${defined.map(([s, v]) => `${x(s).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`,
      ...defined.map(
        ([s, v]) =>
          `<circle cx="${x(s).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${color}"/>`,
      ),
    );
  };
  series(
    pts.map((p) => [p.sessions, p.cpuPct]),
    yCpu,
    '#1f77b4',
  );
  series(
    pts.map((p) => [p.sessions, p.lagP99Ms]),
    yLag,
    '#d62728',
  );
  series(
    pts.map((p) => [p.sessions, p.proxyP99Ms]),
    yLag,
    '#ff9896',
    '6 4',
  );
  const legend: Array<[string, string, string]> = [
    ['#1f77b4', '', 'server CPU % (of one core)'],
    ['#d62728', '', 'event-loop delay p99 (in-process histogram)'],
    ['#ff9896', '6 4', 'GET /healthz RTT p99 (outside proxy)'],
  ];
  legend.forEach(([color, dash, label], i) => {
    const ly = M.top + 14 + i * 16;
    out.push(
      `<line x1="${M.left + 10}" y1="${ly}" x2="${M.left + 34}" y2="${ly}" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`,
      `<text x="${M.left + 40}" y="${ly + 4}">${esc(label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
