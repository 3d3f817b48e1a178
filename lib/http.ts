// Transport helpers for REST route handlers: request ids, body parsing (JSON or YAML) within
// the limits of lib/limits.ts, zod at the boundary, and one error mapper to application/problem+json.
import { randomUUID } from 'node:crypto';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { AppError, badRequest, payloadTooLarge, problemHeaders, toProblem, unsupportedMediaType } from './errors';
import { formatPath } from './domain/plan';
import { findUnsafeInput, formatBytes, LIMITS, textProblem, yamlNestingProblem, type InputProblem } from './limits';
import type { Actor } from './auth/actor';
import { requestActor, resolvedActorOf } from './auth/session';
import { isLogged, recordSecurityEvent } from './security/log';
import { requestInfoOf } from './security/request-info';

export interface RouteContext<P> {
  req: Request;
  params: P;
  requestId: string;
  actor: () => Promise<Actor>;
}

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function problem(e: unknown, requestId: string): Response {
  const p = toProblem(e, requestId);
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: {
      'content-type': 'application/problem+json; charset=utf-8',
      'x-request-id': requestId,
      'cache-control': 'no-store',
      ...problemHeaders(e),
    },
  });
}

/** Wraps a route handler: request id, actor resolution on demand, errors → problem+json. */
export function route<P = Record<string, string>>(
  handler: (ctx: RouteContext<P>) => Promise<Response>,
): (req: Request, ctx: { params: Promise<P> }) => Promise<Response> {
  return async (req, ctx) => {
    const requestId = req.headers.get('x-request-id')?.slice(0, 100) || randomUUID();
    try {
      const params = ctx?.params ? await ctx.params : ({} as P);
      checkParams(req, params);
      let actor: Promise<Actor> | undefined;
      const res = await handler({ req, params, requestId, actor: () => (actor ??= requestActor(req, requestId)) });
      res.headers.set('x-request-id', requestId);
      return res;
    } catch (e) {
      // every refused call goes to the security log
      if (e instanceof AppError && (e.code === 'forbidden' || e.code === 'unauthorized') && !isLogged(e)) await recordRefused(req, requestId, e);
      return problem(e, requestId);
    }
  };
}

async function recordRefused(req: Request, requestId: string, e: AppError): Promise<void> {
  const type = e.code === 'forbidden' ? 'authz.denied' : 'authn.failed';
  await recordSecurityEvent({ type, actor: resolvedActorOf(req), info: requestInfoOf(req), detail: e.message, requestId });
}

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
// application/json and the structured-syntax suffix types (RFC 6839), e.g. application/merge-patch+json.
// None of them can be sent by a cross-site HTML form without a CORS preflight.
const JSON_TYPE = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;

/**
 * Reads a JSON body, or YAML when `allowYaml` and Content-Type says so. Any other Content-Type,
 * or none, is a 415; a body over LIMITS.bodyBytes a 413 (before it is read whole); unparseable,
 * too deeply nested, or holding a string that cannot be stored, a 400 saying where.
 */
export async function readBody(req: Request, { allowYaml = false } = {}): Promise<unknown> {
  const header = req.headers.get('content-type');
  const accepted = `application/json${allowYaml ? ' or application/yaml' : ''} (UTF-8)`;
  if (!header || !header.trim()) throw unsupportedMediaType(`the request has no Content-Type; send ${accepted}`);
  const [typePart, ...paramParts] = header.split(';');
  const type = typePart.trim().toLowerCase();
  const isYaml = allowYaml && YAML_TYPES.includes(type);
  if (!isYaml && !JSON_TYPE.test(type)) {
    throw unsupportedMediaType(`Content-Type ${JSON.stringify(header.slice(0, 100))} is not accepted here; send ${accepted}`);
  }
  const charset = paramParts
    .map((p) => p.trim().toLowerCase().split('='))
    .find(([k]) => k === 'charset')?.[1]
    ?.replace(/^"|"$/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw unsupportedMediaType(`charset ${JSON.stringify(charset.slice(0, 40))} is not accepted; send ${accepted}`);
  }

  const text = await readText(req, LIMITS.bodyBytes);
  let data: unknown;
  if (isYaml) {
    const deep = yamlNestingProblem(text);
    if (deep) {
      const message = `nested deeper than ${LIMITS.depth} levels (at line ${deep.line}, column ${deep.column})`;
      throw badRequest(`the YAML is ${message}`, { errors: [{ path: '(body)', message }] });
    }
    try {
      data = parseYaml(text, { prettyErrors: true });
    } catch (e) {
      const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
      // the yaml parser recurses: a hostile nesting ends its stack (caught, reported as a parse error)
      if (/call stack/i.test((e as Error).message)) throw badRequest(`the YAML is nested deeper than ${LIMITS.depth} levels${where}`);
      throw badRequest(`the body is not valid YAML${where}: ${(e as Error).message.split('\n')[0]}`);
    }
  } else {
    if (text.trim() === '') throw badRequest('the request body is empty; send a JSON object');
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw badRequest(`the body is not valid JSON: ${(e as Error).message}${allowYaml ? ' (send Content-Type: application/yaml for YAML)' : ''}`);
    }
  }
  const unsafe = findUnsafeInput(data);
  if (unsafe) throw inputRejected(unsafe, '(body)');
  return data;
}

/** The body as UTF-8 text, refusing (413) a declared or streamed size over `max` bytes. */
async function readText(req: Request, max: number): Promise<string> {
  const tooLarge = () =>
    payloadTooLarge(`the request body is larger than ${formatBytes(max)}, the limit (see "Limits" in docs/api.md)`, { limitBytes: max });
  const declared = req.headers.get('content-length');
  if (declared && /^\s*\d+\s*$/.test(declared) && Number(declared) > max) throw tooLarge();
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // stop reading: the rest of a hostile body is never buffered
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, size));
  } catch {
    throw badRequest('the body is not valid UTF-8');
  }
}

function inputRejected(p: InputProblem, root: string): AppError {
  const path = formatPath(p.path, root);
  return badRequest(`${path}: ${p.message}`, { errors: [{ path, message: p.message }] });
}

/**
 * Path params and query-string values, checked by `route()` before the handler runs: a 400
 * naming the one that is too long or holds a character Postgres cannot store.
 */
export function checkParams(req: Request, params: unknown): void {
  const entries: [string, unknown][] = [
    ...Object.entries((params ?? {}) as Record<string, unknown>),
    ...new URL(req.url).searchParams.entries(),
  ];
  for (const [name, value] of entries) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string') continue;
      const p = v.length > LIMITS.paramLength ? `longer than ${LIMITS.paramLength} characters` : textProblem(v);
      if (p) throw badRequest(`${name}: ${p}`, { errors: [{ path: name, message: p }] });
    }
  }
}

/**
 * Validates a parsed body (or one value, e.g. a path param) with a zod schema; every problem
 * listed by path. `root` names the whole input where a problem has no path.
 */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, { root = '(body)' }: { root?: string } = {}): z.infer<S> {
  // server actions reach here without readBody: the same depth and text checks
  const unsafe = findUnsafeInput(data);
  if (unsafe) throw inputRejected(unsafe, root);
  const r = schema.safeParse(data);
  if (!r.success) {
    const errors = r.error.issues.map((i) => ({ path: formatPath(i.path, root), message: i.message }));
    throw badRequest(`invalid request body: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
  return r.data;
}
