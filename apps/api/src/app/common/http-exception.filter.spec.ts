import type { ArgumentsHost } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Response } from 'express';
import { HttpExceptionFilter } from './http-exception.filter';

/** An Express response that remembers its status, headers and body. */
function fakeResponse(headers: Record<string, string> = {}) {
  const state = { status: 0, headers: { ...headers }, body: undefined as unknown };
  const res = {
    headersSent: false,
    getHeader: (name: string) => state.headers[name.toLowerCase()],
    status: (code: number) => ((state.status = code), res),
    set: (values: Record<string, string>) => {
      for (const [k, v] of Object.entries(values)) state.headers[k.toLowerCase()] = v;
      return res;
    },
    json: (body: unknown) => ((state.body = body), res),
  };
  const host = { switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost;
  return { host, state, res: res as unknown as Response };
}

describe(HttpExceptionFilter.name, () => {
  const sut = new HttpExceptionFilter();

  it("keeps the throttler's own Retry-After on a 429", () => {
    const { host, state } = fakeResponse({ 'retry-after': '17' });
    sut.catch(new ThrottlerException(), host);
    expect(state.status).toBe(429);
    expect(state.headers['retry-after']).toBe('17');
    expect(state.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
  });

  it('says 60 s on a 429 that came without a Retry-After', () => {
    const { host, state } = fakeResponse();
    sut.catch(new ThrottlerException(), host);
    expect(state.headers['retry-after']).toBe('60');
  });
});
