import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { HttpExceptionFilter } from './http-exception.filter';
import { QueryParam, searchParam, singleQueryValue } from './query';

@Controller()
class EchoController {
  @Get('echo')
  echo(@QueryParam('token') token: string | undefined): { token: string | null } {
    return { token: token ?? null };
  }
}

@Module({
  controllers: [EchoController],
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
})
class EchoModule {}

describe(singleQueryValue.name, () => {
  it('passes one text value or none', () => {
    expect(singleQueryValue('token', 'abc')).toBe('abc');
    expect(singleQueryValue('token', '')).toBe('');
    expect(singleQueryValue('token', undefined)).toBeUndefined();
  });

  it.each([
    ['twice', ['a', 'a']],
    ['as an object', { key: 'a' }],
    ['as a number', 1],
  ])('refuses a parameter given %s with 400 invalid_query naming it', (_label, value) => {
    expect(() => singleQueryValue('format', value)).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'invalid_query',
        message: expect.stringContaining('"format"') as string,
      }),
    );
  });

  it('checks URL parameters the same way', () => {
    const params = new URLSearchParams('sessionId=s&token=t&token=t');
    expect(searchParam(params, 'sessionId')).toBe('s');
    expect(searchParam(params, 'absent')).toBeUndefined();
    expect(() => searchParam(params, 'token')).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_query' }),
    );
  });
});

describe('QueryParam', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(EchoModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  const get = async (query: string) => {
    const response = await fetch(`${base}/echo?${query}`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it('hands the route a parameter given once', async () => {
    expect(await get('token=abc')).toEqual({ status: 200, body: { token: 'abc' } });
    expect(await get('other=1')).toEqual({ status: 200, body: { token: null } });
  });

  it.each(['token=a&token=a', 'token=a&token=b&token=c', 'token=&token='])(
    'answers %s with 400 invalid_query, never 500',
    async (query) => {
      const { status, body } = await get(query);
      expect(status).toBe(400);
      expect(body).toEqual({
        error: {
          code: 'invalid_query',
          message: 'the query parameter "token" must be given at most once, as text',
        },
      });
    },
  );
});
