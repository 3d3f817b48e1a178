// Transport helpers for REST route handlers: request ids, body parsing (JSON or YAML),
// zod at the boundary, and one error mapper to application/problem+json.
import { randomUUID } from 'node:crypto';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { AppError, badRequest, toProblem } from './errors';
import { formatPath } from './domain/plan';
import type { Actor } from './auth/actor';
import { requestActor } from './auth/session';

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
      ...(e instanceof AppError ? e.headers : {}),
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
      let actor: Promise<Actor> | undefined;
      const res = await handler({ req, params, requestId, actor: () => (actor ??= requestActor(req)) });
      res.headers.set('x-request-id', requestId);
      return res;
    } catch (e) {
      return problem(e, requestId);
    }
  };
}

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** Reads a JSON body, or YAML when Content-Type says so. Unparseable → 400 saying where. */
export async function readBody(req: Request, { allowYaml = false } = {}): Promise<unknown> {
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const text = await req.text();
  if (allowYaml && YAML_TYPES.includes(type)) {
    try {
      return parseYaml(text, { prettyErrors: true });
    } catch (e) {
      const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
      throw badRequest(`the body is not valid YAML${where}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (text.trim() === '') throw badRequest('the request body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the body is not valid JSON: ${(e as Error).message}${allowYaml ? ' (send Content-Type: application/yaml for YAML)' : ''}`);
  }
}

/** Validates a parsed body with a zod schema; every problem listed by path. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const r = schema.safeParse(data);
  if (!r.success) {
    const errors = r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
    throw badRequest(`invalid request body: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
  return r.data;
}
