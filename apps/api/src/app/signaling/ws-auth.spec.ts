import { EventEmitter } from 'node:events';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { AuthenticatedWsAdapter, refuseUpgrade } from './ws-auth';

describe(refuseUpgrade.name, () => {
  const refusal = (error: unknown) => {
    const done = jest.fn();
    refuseUpgrade(done, error);
    const [accepted, status, body, headers] = done.mock.calls[0] as [
      boolean,
      number,
      string,
      Record<string, string>,
    ];
    return { accepted, status, body: JSON.parse(body) as unknown, headers };
  };

  it('refuses a wrong token with 401, the JSON error shape and WWW-Authenticate', () => {
    expect(refusal(ApiError.unauthorized())).toEqual({
      accepted: false,
      status: 401,
      body: { error: { code: 'unauthorized', message: 'missing or wrong session token' } },
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'WWW-Authenticate': 'Bearer',
      },
    });
  });

  it('keeps the status and code of each refusal', () => {
    expect(refusal(ApiError.forbiddenOrigin())).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden_origin' } },
    });
    expect(refusal(ApiError.sessionNotFound())).toMatchObject({
      status: 404,
      body: { error: { code: 'session_not_found' } },
    });
  });

  it('answers an unexpected failure with 500 and no internals', () => {
    expect(refusal(new TypeError('secret detail'))).toMatchObject({
      status: 500,
      body: { error: { code: 'internal_error', message: 'internal server error' } },
    });
  });
});

describe(`${AuthenticatedWsAdapter.name}: socket errors`, () => {
  it("logs a client's bad frame at debug, and a server error as an error", () => {
    const sut = new AuthenticatedWsAdapter({} as INestApplicationContext, []);
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const server = new EventEmitter();
    sut.bindErrorHandler(server as never);
    const socket = new EventEmitter();
    server.emit('connection', socket);
    socket.emit('error', new RangeError('Max payload size exceeded'));
    expect(debug).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'client socket error', error: 'Max payload size exceeded' }),
    );
    expect(error).not.toHaveBeenCalled();
    server.emit('error', new Error('listen EADDRINUSE'));
    expect(error).toHaveBeenCalledTimes(1);
    debug.mockRestore();
    error.mockRestore();
  });
});
