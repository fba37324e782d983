/**
 * An error that reaches a client: a stable snake_case code, a human message and the HTTP
 * status it maps to at the edge. Everything else is an internal error (500, no details).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static badRequest(code: string, message: string): ApiError {
    return new ApiError(400, code, message);
  }
  static unauthorized(message = 'missing or wrong session token'): ApiError {
    return new ApiError(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer' });
  }
  static forbiddenOrigin(): ApiError {
    return new ApiError(
      403,
      'forbidden_origin',
      'this origin is not allowed (see ALLOWED_ORIGINS)',
    );
  }
  static sessionNotFound(): ApiError {
    return new ApiError(404, 'session_not_found', 'no such session (it may have expired)');
  }
  /** Cluster mode: the shared store (Redis) cannot be reached. */
  static clusterUnavailable(): ApiError {
    return new ApiError(
      503,
      'cluster_unavailable',
      'the cluster store (Redis) cannot be reached; try again shortly',
      { 'Retry-After': '5' },
    );
  }
}
