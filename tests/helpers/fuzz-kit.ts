// Shared pieces of the fuzz tests (tests/integration/fuzz-*.test.ts, issue 7 "Fuzzing as a
// test"): hostile values for fast-check, a JSON writer that can emit what JSON.stringify cannot
// (1e999, -0, own "__proto__" keys, 10,000-deep nesting), one call into a real route handler,
// the row counts that must not move on a refused input, and the check that a 4xx names the field.
import fc from 'fast-check';
import pg from 'pg';
import { expect } from 'vitest';

/** The seed every fuzz property runs with; FUZZ_SEED=<n> replays another. fast-check prints it on failure. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_250_707);

export const fuzzOptions = (numRuns: number) => ({ numRuns, seed: FUZZ_SEED, endOnFailure: true });

/** JSON text inserted as it is by `toJsonText` */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of `v`; RawJson pieces are copied verbatim, own keys (including "__proto__") kept. */
export function toJsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const parts: string[] = [];
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) parts.push(`${JSON.stringify(k)}:${toJsonText(x)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** an object with `key` as an own property, whatever the key ("__proto__" included) */
export function withOwn(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = { ...obj };
  Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
  return out;
}

export const nested = (depth: number, kind: 'array' | 'object' = 'array') =>
  new RawJson(kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '0' + '}'.repeat(depth));

// ---- hostile values ----------------------------------------------------------------------

/** strings Postgres cannot store: with a NUL or a lone surrogate somewhere */
export const unstorableString = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\udbff', '\udc00'), fc.string({ maxLength: 8 }))
  .map(([a, bad, b]) => a + bad + b);

const NASTY = [
  '',
  ' ',
  '\t\n',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x1f',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  "'; DROP TABLE rollouts; --",
  '../../etc/passwd',
  '%00',
  '%ZZ',
  '\r\nX-Injected: 1',
  '\u202eevil',
  '\ufeffbom',
  '😀',
  '__proto__',
  'constructor',
  'toString',
  '$(touch /tmp/pwned)',
  '`id`',
  '<script>alert(1)</script>',
];

/** strings meant to break something: empty, NaN-like, injection, control characters, huge */
export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: unstorableString },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 201, max: 12_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** numbers that overflow, are not whole, or are out of any sane range (some only as JSON text) */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(-1, 0, 1.5, -0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e300, -1e300, Number.MAX_VALUE, Number.MIN_VALUE),
  fc.constantFrom(new RawJson('1e999'), new RawJson('-1e999'), new RawJson('-0'), new RawJson('1E400'), new RawJson('99999999999999999999999999999')),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** anything JSON can carry (and some it cannot quite), nested a little */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.constantFrom(null, true, false),
    fc.array(tie('v'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'rules', 'default', 'split')), tie('v')), { maxLength: 4 })
      .map((entries) => entries.reduce<Record<string, unknown>>((o, [k, x]) => withOwn(o, k, x), {})),
    fc.integer({ min: 33, max: 3_000 }).chain((d) => fc.constantFrom(nested(d), nested(d, 'object'))),
  ),
})).v;

/** a value of the wrong JSON type for a field that wants a string */
export const notAString: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}, ['a'], { a: 1 }),
);

// ---- calling route handlers ----------------------------------------------------------------

export type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface FuzzCall {
  method?: string;
  path?: string;
  params?: Record<string, string>;
  /** sent as it is (a string or bytes); anything else is written with toJsonText */
  body?: unknown;
  /** Content-Type; null sends none */
  type?: string | null;
  headers?: Record<string, string>;
}

export interface FuzzResponse {
  status: number;
  type: string;
  text: string;
  body: { detail?: string; errors?: { path: string; message: string }[]; [k: string]: unknown } | null;
}

export async function callRoute(handler: Handler, token: string | null, c: FuzzCall = {}): Promise<FuzzResponse> {
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...c.headers };
  const type = c.type === undefined ? 'application/json' : c.type;
  if (type !== null) headers['content-type'] = type;
  let body: BodyInit | undefined;
  if (typeof c.body === 'string') body = new TextEncoder().encode(c.body); // bytes: no implicit text/plain
  else if (c.body instanceof Uint8Array) body = c.body as BodyInit;
  else if (c.body !== undefined) body = new TextEncoder().encode(toJsonText(c.body));
  const req = new Request(`http://localhost:3000${c.path ?? '/api/v1/x'}`, { method: c.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const res = await handler(req, { params: Promise.resolve(c.params ?? {}) });
  const text = await res.text();
  let parsed: FuzzResponse['body'] = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: parsed };
}

// ---- writes ------------------------------------------------------------------------------

// one plain pg connection for the counts: a few thousand of them per file, so no ORM in between
let counter: Promise<pg.Client> | undefined;
function countingClient(): Promise<pg.Client> {
  return (counter ??= (async () => {
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    return c;
  })());
}

/** closes the counting connection (in the file's afterAll) */
export async function endRowCounts(): Promise<void> {
  const c = counter;
  counter = undefined;
  if (c) await (await c).end();
}

/**
 * Row counts (and version sums) of everything a write could touch; equal before and after a
 * refusal. Call after setupTestDatabase() (it reads DATABASE_URL).
 */
export async function rowCounts(): Promise<Record<string, number>> {
  const c = await countingClient();
  const { rows: [row] } = await c.query<Record<string, number>>(`SELECT
    (SELECT count(*) FROM rollouts)::int AS rollouts,
    (SELECT coalesce(sum(version), 0) FROM rollouts)::int AS rollout_versions,
    (SELECT count(*) FROM flags)::int AS flags,
    (SELECT count(*) FROM phases)::int AS phases,
    (SELECT count(*) FROM flag_values)::int AS flag_values,
    (SELECT count(*) FROM audit_events)::int AS audit_events,
    (SELECT count(*) FROM api_tokens)::int AS api_tokens,
    (SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL)::int AS revoked_tokens,
    (SELECT count(*) FROM environments)::int AS environments,
    (SELECT coalesce(sum(revision), 0) FROM environments)::int AS env_revisions`);
  return row;
}

/** Counts what a fuzz file tried: every input, and how each ended. */
export class FuzzTally {
  inputs = 0;
  refused = 0;
  accepted = 0;
  serverErrors = 0;
  partialWrites = 0;
  constructor(readonly name: string) {}

  summary(): string {
    return `fuzz: ${this.inputs} inputs, ${this.serverErrors} 5xx, ${this.partialWrites} partial writes (${this.name}: ${this.refused} refused with a 4xx, ${this.accepted} accepted)`;
  }
}

// ---- "the 4xx names the field" ---------------------------------------------------------------

/** is error path `p` the field `f`, inside it, or its parent (where zod reports unknown keys)? */
export function pathRelated(p: string, f: string): boolean {
  if (p === f) return true;
  const inside = (a: string, b: string) => a.startsWith(b) && (a[b.length] === '.' || a[b.length] === '[');
  return inside(p, f) || inside(f, p);
}

export interface Expect4xx {
  /** paths (or parameter names) one of which the problem must name, in `errors[].path` or `detail` */
  fields: string[];
  /** when the whole body is at fault (not valid JSON/YAML, too large, wrong type): detail must match */
  detail?: RegExp;
}

/** true when a 400's problem document names one of the fields (or matches `detail`) */
export function namesField(body: FuzzResponse['body'], e: Expect4xx): boolean {
  if (!body || typeof body.detail !== 'string' || !body.detail) return false;
  if (e.detail?.test(body.detail)) return true;
  const paths = (body.errors ?? []).map((x) => x.path);
  if (paths.some((p) => e.fields.some((f) => pathRelated(p, f)))) return true;
  // checkParams-style "limit: …" details and messages that quote the field
  return e.fields.some((f) => body.detail!.startsWith(`${f}:`) || body.detail!.includes(` ${f}:`) || body.detail!.includes(`"${f}"`));
}

/**
 * The per-input assertion: never a 5xx; a 4xx is problem+json with a detail, a 400 names one of
 * the fields; a refused input changed no row. `mustFail`: the input is certainly invalid, so a
 * 2xx is a validation hole.
 */
export function checkOutcome(
  tally: FuzzTally,
  r: FuzzResponse,
  e: Expect4xx & { mustFail?: boolean },
  before: Record<string, number>,
  after: Record<string, number>,
  input: () => string,
): void {
  tally.inputs++;
  const where = () => `${r.status} ${r.text.slice(0, 600)}\ninput: ${input().slice(0, 600)}`;
  if (r.status >= 500) {
    tally.serverErrors++;
    expect.fail(`5xx: ${where()}`);
  }
  if (r.status >= 400) {
    tally.refused++;
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      tally.partialWrites++;
      expect.fail(`refused input changed rows: ${JSON.stringify(before)} → ${JSON.stringify(after)}\n${where()}`);
    }
    if (!/application\/problem\+json/.test(r.type)) expect.fail(`a 4xx that is not problem+json: ${where()}`);
    if (!r.body?.detail) expect.fail(`a 4xx without a detail: ${where()}`);
    if (r.status === 400 && !namesField(r.body, e)) expect.fail(`a 400 that does not name ${e.fields.join(' or ')}: ${where()}`);
    return;
  }
  tally.accepted++;
  if (e.mustFail) expect.fail(`an invalid input was accepted: ${where()}`);
}
