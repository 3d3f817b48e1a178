// The flag server: OFREP (v0.3.0) evaluation, its SSE change stream, the .env/.json export and
// health endpoints, on plain node:http and an in-memory snapshot — no framework and no
// database on the request path (docs/decisions/0003-flag-server-outside-next.md).
//
//   POST /ofrep/v1/evaluate/flags/{key}        single evaluation (server providers)
//   POST /ofrep/v1/evaluate/flags              bulk evaluation, ETag / If-None-Match → 304
//   GET  /ofrep/v1/events?environment=…        SSE: refetchEvaluation on every change
//   GET  /ofrep/v1/configuration               OFREP configuration extension
//   GET  /api/v1/environments/{env}/flags.env  KEY=value lines (and .json), ETag
//   GET  /healthz  /readyz
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EvaluationContext } from '../domain/evaluate';
import { Authenticator, type Resolved } from './auth';
import { evaluationJson, SSE_PATH, type EnvSnapshot } from './snapshot';
import { SseHub } from './sse';
import { FlagStore, type TokenRecord } from './store';

export interface FlagServerOptions {
  databaseUrl: string;
  /** 0 = an ephemeral port */
  port?: number;
  host?: string;
  /** origin advertised in `eventStreams` (e.g. https://flags.example.com); default: from Host */
  publicUrl?: string;
  adminToken?: string;
  pollIntervalMs?: number;
  log?: (line: string) => void;
}

export interface FlagServer {
  url: string;
  port: number;
  store: FlagStore;
  server: http.Server;
  close: () => Promise<void>;
}

const MAX_BODY = 64 * 1024;
const EVALUATE = '/ofrep/v1/evaluate/flags';
const EXPORT_RE = /^\/api\/v1\/environments\/([^/]+)\/flags\.(env|json)$/;
const HOST_RE = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const MANAGEMENT_ROLES = new Set(['viewer', 'engineer', 'approver', 'admin']);
const JSON_TYPE = 'application/json';

type Handler = (req: IncomingMessage, res: ServerResponse, path: string, query: string) => void;

export async function startFlagServer(opts: FlagServerOptions): Promise<FlagServer> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const store = new FlagStore({ databaseUrl: opts.databaseUrl, pollIntervalMs: opts.pollIntervalMs, log });
  const auth = new Authenticator(store, opts.adminToken);
  const hub = new SseHub(store, (hash, environmentId) => {
    const t = auth.current(hash);
    return t !== null && t.role === 'flags' && t.environmentId === environmentId;
  });
  const publicOrigin = opts.publicUrl ? new URL(opts.publicUrl).origin : null;

  const originOf = (req: IncomingMessage): string | null => {
    if (publicOrigin) return publicOrigin;
    const host = req.headers.host;
    if (!host || host.length > 255 || !HOST_RE.test(host)) return null;
    return `${req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'}://${host}`;
  };

  /** runs `next` with the caller's token, or answers 401/503 itself */
  const withToken = (req: IncomingMessage, res: ServerResponse, next: (t: TokenRecord) => void) => {
    const r = auth.resolve(req.headers);
    const go = (t: Resolved) => {
      if (t === 'unavailable') return unavailable(res);
      if (t === null) return empty(res, 401, { 'www-authenticate': 'Bearer' });
      next(t);
    };
    if (r instanceof Promise) r.then(go, () => unavailable(res));
    else go(r);
  };

  /** OFREP: only a flags token, evaluated in its own environment */
  const withFlagsEnv = (req: IncomingMessage, res: ServerResponse, next: (snap: EnvSnapshot) => void) => {
    if (!store.ready) return unavailable(res);
    withToken(req, res, (t) => {
      if (t.role !== 'flags' || !t.environmentId) return empty(res, 403);
      const snap = store.envsById.get(t.environmentId);
      if (!snap) return empty(res, 403);
      next(snap);
    });
  };

  const staleHeaders = (): Record<string, string> => (store.dbReachable ? {} : { 'x-switchyard-stale': 'postgres-unreachable' });

  const single: Handler = (req, res, path) => {
    withFlagsEnv(req, res, (snap) =>
      readContext(req, res, (ctx) => {
        const raw = path.slice(EVALUATE.length + 1);
        let key: string;
        try {
          key = decodeURIComponent(raw);
        } catch {
          return sendJson(res, 400, { key: raw, errorCode: 'PARSE_ERROR', errorDetails: 'the flag key in the path is not valid percent-encoding' });
        }
        if ('errorCode' in ctx) return sendJson(res, ctx.status, { key, errorCode: ctx.errorCode, errorDetails: ctx.errorDetails });
        const flag = snap.flags.get(key);
        if (!flag) {
          return sendJson(res, 404, { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `no flag "${key}" in environment "${snap.key}"` });
        }
        if (flag.single) return sendBytes(res, flag.single.status, flag.single.body, staleHeaders());
        const { status, body } = evaluationJson(flag, ctx.context);
        sendBytes(res, status, body, staleHeaders());
      }),
    );
  };

  const bulk: Handler = (req, res) => {
    withFlagsEnv(req, res, (snap) =>
      readContext(req, res, (ctx) => {
        if ('errorCode' in ctx) return sendJson(res, ctx.status, { errorCode: ctx.errorCode, errorDetails: ctx.errorDetails });
        const { body, etag } = snap.bulk(ctx.context, originOf(req));
        const headers = { etag, 'cache-control': 'no-cache', ...staleHeaders() };
        if (noneMatch(req.headers['if-none-match'], etag)) return empty(res, 304, headers);
        sendBytes(res, 200, body, headers);
      }),
    );
  };

  const events: Handler = (req, res, _path, query) => {
    withFlagsEnv(req, res, (snap) => {
      const wanted = new URLSearchParams(query).get('environment');
      if (wanted !== null && wanted !== snap.key) return empty(res, 403);
      const last = req.headers['last-event-id'];
      // withFlagsEnv accepted a token, so there is one
      hub.add(res, snap, auth.hashOf(req.headers)!, typeof last === 'string' ? last : undefined);
    });
  };

  const configuration: Handler = (req, res) => {
    withFlagsEnv(req, res, () =>
      sendJson(res, 200, {
        name: 'switchyard',
        capabilities: {
          cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1000 } },
          flagEvaluation: { supportedTypes: ['boolean', 'string', 'int', 'float', 'object'] },
        },
      }),
    );
  };

  const exportFlags = (req: IncomingMessage, res: ServerResponse, envKey: string, format: 'env' | 'json') => {
    if (!store.ready) return unavailable(res);
    withToken(req, res, (t) => {
      let key: string;
      try {
        key = decodeURIComponent(envKey);
      } catch {
        return empty(res, 404);
      }
      const snap = store.envsByKey.get(key);
      // a flags token reads its own environment only; people's tokens (viewer and up) any
      if (t.role === 'flags' ? !snap || t.environmentId !== snap.id : !MANAGEMENT_ROLES.has(t.role)) return empty(res, 403);
      if (!snap) return empty(res, 404);
      const out = snap.exportsFor()[format];
      const headers = {
        etag: out.etag,
        'cache-control': 'no-cache',
        'x-switchyard-revision': String(snap.revision),
        ...staleHeaders(),
      };
      if (noneMatch(req.headers['if-none-match'], out.etag)) return empty(res, 304, headers);
      const type = format === 'env' ? 'text/plain; charset=utf-8' : JSON_TYPE;
      res.writeHead(200, { 'content-type': type, 'content-length': out.body.length, ...headers });
      res.end(req.method === 'HEAD' ? undefined : out.body);
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const method = req.method;

    if (path === EVALUATE) return method === 'POST' ? bulk(req, res, path, query) : notAllowed(req, res, 'POST');
    if (path.startsWith(EVALUATE + '/')) return method === 'POST' ? single(req, res, path, query) : notAllowed(req, res, 'POST');
    if (path === SSE_PATH) return method === 'GET' ? events(req, res, path, query) : notAllowed(req, res, 'GET');
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const environments = Object.fromEntries([...store.envsByKey.values()].map((s) => [s.key, { revision: Number(s.revision), loadedAt: s.loadedAt.toISOString() }]));
      const body = { status: store.ready ? 'ready' : 'starting', postgres: store.dbReachable ? 'up' : 'down', listening: store.listening, lastDbError: store.lastDbError, environments };
      // once loaded, a replica stays ready without Postgres: it serves its last snapshot
      return sendJson(res, store.ready ? 200 : 503, body, { 'cache-control': 'no-store' });
    }
    if (path === '/ofrep/v1/configuration') return method === 'GET' ? configuration(req, res, path, query) : notAllowed(req, res, 'GET');
    const m = EXPORT_RE.exec(path);
    if (m) return method === 'GET' || method === 'HEAD' ? exportFlags(req, res, m[1], m[2] as 'env' | 'json') : notAllowed(req, res, 'GET, HEAD');
    drain(req, () => empty(res, 404));
  };

  const server = http.createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      // a bug, not an expected error: log it, answer without detail
      log(`[flags] unexpected error on ${req.method} ${req.url}: ${(e as Error)?.stack ?? e}`);
      if (!res.headersSent) empty(res, 500);
      else res.destroy();
    }
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;

  store.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = !opts.host || opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.close();
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 5_000);
      await done;
      clearTimeout(force);
      await store.stop();
    })());

  return { url: `http://${shownHost}:${port}`, port, store, server, close };
}

// ---- request / response helpers -----------------------------------------------------------

type ParsedContext = { context: EvaluationContext } | { status: number; errorCode: 'PARSE_ERROR' | 'INVALID_CONTEXT'; errorDetails: string };

/** reads `{ "context": {...} }`; an empty body is an empty context */
function readContext(req: IncomingMessage, res: ServerResponse, next: (c: ParsedContext) => void): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) return tooLarge(req, res);
  const chunks: Buffer[] = [];
  let size = 0;
  let aborted = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY && !aborted) {
      aborted = true;
      tooLarge(req, res);
    } else if (!aborted) chunks.push(c);
  });
  req.on('end', () => {
    if (aborted) return;
    const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
    next(parseContext(text));
  });
}

export function parseContext(text: string): ParsedContext {
  if (text.trim() === '') return { context: {} };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return { status: 400, errorCode: 'PARSE_ERROR', errorDetails: `the request body is not valid JSON: ${(e as Error).message}` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { status: 400, errorCode: 'PARSE_ERROR', errorDetails: 'the request body must be a JSON object: { "context": { … } }' };
  }
  const ctx = (body as { context?: unknown }).context;
  if (ctx === undefined || ctx === null) return { context: {} };
  if (typeof ctx !== 'object' || Array.isArray(ctx)) {
    return { status: 400, errorCode: 'INVALID_CONTEXT', errorDetails: '"context" must be an object' };
  }
  const tk = (ctx as EvaluationContext).targetingKey;
  if (tk !== undefined && tk !== null && typeof tk !== 'string') {
    return { status: 400, errorCode: 'INVALID_CONTEXT', errorDetails: '"context.targetingKey" must be a string' };
  }
  return { context: ctx as EvaluationContext };
}

/** If-None-Match: a list of entity tags or *, compared weakly as RFC 9110 says for this header */
export function noneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (!header) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  for (const part of value.split(',')) {
    const t = part.trim();
    if ((t.startsWith('W/') ? t.slice(2) : t) === etag) return true;
  }
  return false;
}

function sendBytes(res: ServerResponse, status: number, body: Buffer, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': body.length, ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendBytes(res, status, Buffer.from(JSON.stringify(body)), headers);
}

function empty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': 0, ...headers });
  res.end();
}

function unavailable(res: ServerResponse): void {
  empty(res, 503, { 'retry-after': '1' });
}

function notAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  drain(req, () => empty(res, 405, { allow }));
}

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  empty(res, 413, { connection: 'close' });
  req.resume();
}

/** consume (and discard) a request body before answering, so keep-alive connections stay usable */
function drain(req: IncomingMessage, then: () => void): void {
  if (req.readableEnded || (req.headers['content-length'] === undefined && !req.headers['transfer-encoding'])) return then();
  req.resume();
  req.once('end', then);
}
