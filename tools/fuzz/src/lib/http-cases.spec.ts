import { httpCase, hostileQuery } from './http-cases';
import { Rng } from './rng';

describe('HTTP cases', () => {
  it('are the same for the same seed and index', () => {
    expect(httpCase(Rng.derive(4, 'http', 17))).toEqual(httpCase(Rng.derive(4, 'http', 17)));
    expect(hostileQuery(Rng.derive(4, 'q'), ['token'])).toBe(
      hostileQuery(Rng.derive(4, 'q'), ['token']),
    );
  });

  it('reach every route, with the rules of issue 11 among the checks', () => {
    const kinds = new Set<string>();
    const rules = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const c = httpCase(Rng.derive(5, 'http', i));
      kinds.add(c.kind.replace(/:.*/, ''));
      if (c.expect) rules.add(c.kind);
    }
    expect([...kinds].sort()).toEqual([
      'create',
      'delete',
      'events',
      'health',
      'method',
      'metrics',
      'offer',
      'raw',
      'rule',
      'transcript',
    ]);
    expect([...rules]).toEqual(
      expect.arrayContaining([
        'rule:repeated-token-events',
        'rule:repeated-token-transcript',
        'rule:https-origin',
      ]),
    );
  });

  it('builds query strings with repeats, brackets and bad percent-encodings, and no fragment', () => {
    const seen = { repeat: false, bracket: false, bad: false };
    for (let i = 0; i < 500; i++) {
      const q = hostileQuery(Rng.derive(6, i), ['token']);
      expect(q).not.toContain('#');
      seen.repeat ||= (q.match(/(^|&)token=/g) ?? []).length > 1;
      seen.bracket ||= q.includes('token[');
      seen.bad ||= /%(zz|C0%AF|ED%A0%80)/.test(q);
    }
    expect(seen).toEqual({ repeat: true, bracket: true, bad: true });
  });

  it('only ever talks to the server it is given: no absolute URL in a path', () => {
    for (let i = 0; i < 2000; i++) {
      const c = httpCase(Rng.derive(7, 'http', i));
      expect(c.path.startsWith('/')).toBe(true);
      if (c.raw) expect(c.raw).toMatch(/^\w+ \//);
    }
  });
});
