import { JsonLogger } from './json-logger';

describe(JsonLogger.name, () => {
  const capture = (level: 'debug' | 'info' | 'warn' | 'error' | 'silent' = 'info') => {
    const lines: Record<string, unknown>[] = [];
    const sut = new JsonLogger(level, (line) =>
      lines.push(JSON.parse(line) as Record<string, unknown>),
    );
    return { sut, lines };
  };

  it('writes one JSON object per line with level, context and fields', () => {
    const { sut, lines } = capture();
    sut.log({ msg: 'session created', sessionId: 'abc' }, 'SessionService');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        context: 'SessionService',
        msg: 'session created',
        sessionId: 'abc',
      }),
    ]);
  });

  it('never writes tokens or transcript text', () => {
    const { sut, lines } = capture();
    sut.log({ msg: 'x', token: 'secret-token', text: 'hello world', authorization: 'Bearer s' });
    expect(JSON.stringify(lines)).not.toMatch(/secret-token|hello world|Bearer s/);
  });

  it('drops lines below the configured level', () => {
    const { sut, lines } = capture('warn');
    sut.log('info line');
    sut.debug('debug line');
    sut.warn('warn line');
    expect(lines.map((l) => l['msg'])).toEqual(['warn line']);
  });
});
