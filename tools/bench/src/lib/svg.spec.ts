import { niceMax, renderChart } from './svg';

describe(renderChart.name, () => {
  it('draws one point per level for CPU and lag, on a well-formed SVG', () => {
    const sut = renderChart(
      [
        { sessions: 10, cpuPct: 8, lagP99Ms: 12, proxyP99Ms: 3 },
        { sessions: 40, cpuPct: 30, lagP99Ms: 20 },
      ],
      'bench <test>',
    );
    expect(sut.startsWith('<svg')).toBe(true);
    expect(sut.trim().endsWith('</svg>')).toBe(true);
    expect(sut).toContain('bench &lt;test>');
    expect(sut.match(/<polyline/g)).toHaveLength(3);
    expect(sut.match(/<circle/g)).toHaveLength(5);
  });

  it('rounds axis maxima up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceMax(7)).toBe(10);
    expect(niceMax(120)).toBe(200);
    expect(niceMax(22)).toBe(25);
    expect(niceMax(0)).toBe(1);
  });
});
