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

/** How long a client should wait before retrying when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

// Error shapes that mean "the database cannot be reached or is not answering", measured with
// Prisma 7.10 + @prisma/adapter-pg against a Postgres that was stopped, restarted, blackholed and
// had its connections cut (tests/integration/resilience-db-outage.test.ts):
// - PrismaClientKnownRequestError P1001 (model queries, $transaction start) or P2010/P2039 (raw
//   and some model queries) with meta.driverAdapterError.cause.kind DatabaseNotReachable /
//   ConnectionClosed / SocketTimeout / TooManyConnections, or kind "postgres" with a SQLSTATE
//   of class 08 (connection exception), 57P01-57P03 (shutdown, starting up) or 57014 (our
//   statement_timeout);
// - P2024 / P2028 "Unable to start a transaction in the given time" (no pool connection in time);
// - plain pg errors the adapter passes through unconverted: "Connection terminated unexpectedly",
//   "Connection terminated due to connection timeout", "timeout exceeded when trying to connect",
//   "Client has encountered a connection error and is not queryable" (a transaction's connection
//   broke while Postgres shut down), socket codes ECONNREFUSED / ECONNRESET / ETIMEDOUT / …, on the error or its `cause`.
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
const UNREACHABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Can't reach database server|Server has closed the connection|Unable to start a transaction in the given time)/;
const isSqlStateUnavailable = (code: unknown) => typeof code === 'string' && (/^08/.test(code) || ['57P01', '57P02', '57P03', '57014', '53300'].includes(code));

type Loose = { [k: string]: unknown } | undefined;

/** Is `e` (or what it wraps) the database being unreachable, shutting down or not answering? */
export function isDatabaseUnavailable(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 4) return false;
  const x = e as { [k: string]: unknown };
  const code = x.code;
  const message = typeof x.message === 'string' ? x.message.trim() : '';
  if (typeof code === 'string' && (UNREACHABLE_PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || isSqlStateUnavailable(code))) return true;
  if (code === 'P2028' && /Unable to start a transaction/.test(message)) return true;
  // a DriverAdapterError: either the error itself or in a Prisma error's meta
  const adapter = (x.name === 'DriverAdapterError' ? x : ((x.meta as Loose)?.driverAdapterError as Loose)) as Loose;
  const cause = adapter?.cause as Loose;
  if (cause && (UNREACHABLE_KINDS.has(String(cause.kind)) || (cause.kind === 'postgres' && isSqlStateUnavailable(cause.code)))) return true;
  if (UNREACHABLE_MESSAGES.test(message)) return true;
  return isDatabaseUnavailable(x.cause, depth + 1);
}

const databaseUnavailable = () =>
  unavailable(`the database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} s`, DATABASE_RETRY_AFTER_SECONDS);

/** The AppError a thrown value stands for, if it is a known one (database outages included). */
function known(e: unknown): AppError | undefined {
  if (e instanceof AppError) return e;
  if (isDatabaseUnavailable(e)) return databaseUnavailable();
  return undefined;
}

// One line per 10 s, not a stack per request: an outage under load would bury the log otherwise.
let lastLoggedAt = 0;
let suppressed = 0;
function logUnavailable(thrown: unknown, requestId?: string): void {
  const now = Date.now();
  if (now - lastLoggedAt < 10_000) {
    suppressed++;
    return;
  }
  const why = thrown instanceof Error ? thrown.message.trim().split('\n').pop() : String(thrown);
  const more = suppressed ? ` (and ${suppressed} more since the last report)` : '';
  console.warn(`[switchyard] database unavailable${requestId ? ` (request ${requestId})` : ''}: ${why}${more}`);
  lastLoggedAt = now;
  suppressed = 0;
}

/** HTTP headers that go with the problem for `e` (e.g. Retry-After on 429 and 503). */
export function problemHeaders(e: unknown): Record<string, string> {
  return known(e)?.headers ?? {};
}

/** Maps any thrown value to a problem document. Unknown errors are logged, not leaked. */
export function toProblem(thrown: unknown, requestId?: string): Problem {
  const e = known(thrown);
  if (e && !(thrown instanceof AppError)) logUnavailable(thrown, requestId);
  if (e) {
    return {
      type: `https://switchyard.dev/problems/${e.code.replace(/_/g, '-')}`,
      title: TITLES[e.code],
      status: HTTP_STATUS[e.code],
      detail: e.message,
      ...(requestId ? { requestId } : {}),
      ...e.extra,
    };
  }
  console.error(`[switchyard] unexpected error${requestId ? ` (request ${requestId})` : ''}:`, thrown);
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
