import { ApiError } from '../common/api-error';
import { refuseUpgrade } from './ws-auth';

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
