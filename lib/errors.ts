// Expected errors are values with a code; one mapper turns them into HTTP problem+json and into
// server-action results. Unknown errors are logged and never leaked to the client.
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'internal'
  | 'unavailable';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
};

const TITLES: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  too_many_requests: 'Too many requests',
  internal: 'Internal server error',
  unavailable: 'Service unavailable',
};

export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    /** extra members of the problem document, e.g. `errors`, `currentVersion`, `currentStatus` */
    public readonly extra: Record<string, unknown> = {},
    /** HTTP response headers that go with it, e.g. `Retry-After` on 429 and 503 */
    public readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) => new AppError('bad_request', detail, extra);
export const unauthorized = (detail = 'a valid API token or session is required') => new AppError('unauthorized', detail);
export const forbidden = (detail: string) => new AppError('forbidden', detail);
export const notFound = (detail: string) => new AppError('not_found', detail);
export const conflict = (detail: string, extra?: Record<string, unknown>) => new AppError('conflict', detail, extra);
export const payloadTooLarge = (detail: string, extra?: Record<string, unknown>) => new AppError('payload_too_large', detail, extra);
export const unsupportedMediaType = (detail: string) => new AppError('unsupported_media_type', detail);
export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new AppError('too_many_requests', detail, { retryAfter: retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });
export const unavailable = (detail: string, retryAfterSeconds = 5) =>
  new AppError('unavailable', detail, { retryAfter: retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [k: string]: unknown;
}

/** Maps any thrown value to a problem document. Unknown errors are logged, not leaked. */
export function toProblem(e: unknown, requestId?: string): Problem {
  if (e instanceof AppError) {
    return {
      type: `https://switchyard.dev/problems/${e.code.replace('_', '-')}`,
      title: TITLES[e.code],
      status: HTTP_STATUS[e.code],
      detail: e.message,
      ...(requestId ? { requestId } : {}),
      ...e.extra,
    };
  }
  console.error(`[switchyard] unexpected error${requestId ? ` (request ${requestId})` : ''}:`, e);
  return {
    type: 'about:blank',
    title: TITLES.internal,
    status: 500,
    detail: 'an unexpected error occurred; it has been logged',
    ...(requestId ? { requestId } : {}),
  };
}

/** Result shape for server actions: expected errors as values. */
export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string; [k: string]: unknown } };

export async function asActionResult<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (e) {
    const p = toProblem(e);
    const { type: _t, title: _ti, status: _s, detail, ...rest } = p;
    const code = (Object.entries(HTTP_STATUS).find(([, s]) => s === p.status)?.[0] ?? 'internal') as ErrorCode;
    return { ok: false, error: { ...rest, code, message: detail } };
  }
}
