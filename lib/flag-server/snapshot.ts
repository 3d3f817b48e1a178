// One environment's flags as the flag server serves them, built from rows read in a single
// REPEATABLE READ transaction (so the revision and the values belong together). Everything
// that does not depend on the caller's context is rendered to bytes here, once per revision:
// a static flag's single-evaluation body and its element of the bulk array; for a flag with a
// rule set, every outcome it can have (each rule, split arm and default); and — when every
// flag in the environment is static — the whole bulk body and its ETag per origin. Serving a
// request is then finding each flag's outcome (compileRuleSet) and concatenating bytes.
import { createHash } from 'node:crypto';
import {
  compileRuleSet,
  contextFreeValue,
  isStatic,
  outcomeAt,
  type CompiledRuleSet,
  type EvaluationContext,
  type EvaluationError,
  type EvaluationResult,
  type FlagType,
} from '../domain/evaluate';
import { envName } from '../domain/env-name';
import type { TRuleSet } from '../domain/targeting';

export { envName };

export interface FlagRow {
  key: string;
  type: FlagType;
  variants: string[];
  value: unknown;
  phaseKey: string | null;
  rolloutKey: string;
  updatedAt: Date;
}

export interface EnvRow {
  id: string;
  key: string;
  revision: string;
}

export type FlagMetadata = Record<string, string | number>;

/** one outcome of one flag, rendered: the single-evaluation response and its bulk array element */
export interface Outcome {
  status: number;
  json: string;
  body: Buffer;
  /** `,` + body: the element anywhere in the bulk array but first */
  element: Buffer;
}

export interface ServedFlag {
  key: string;
  type: FlagType;
  variants: string[];
  configured: unknown;
  phaseKey: string | null;
  rolloutKey: string;
  metadata: FlagMetadata;
  isStatic: boolean;
  /** static flags: the one outcome (also as `single`, the single-evaluation response) */
  static?: Outcome;
  single?: { status: number; body: Buffer };
  /** rule sets: where a context lands, and the outcome rendered for each of those locations */
  compiled?: CompiledRuleSet;
  rendered: Outcome[];
  /** rendered error outcomes (TARGETING_KEY_MISSING, INVALID_CONTEXT) by code and details */
  errors: Map<string, Outcome>;
}

/** 22 characters of base64url(sha256(bytes)), quoted: a strong validator over the exact bytes. */
export function etagOf(body: Buffer | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/**
 * The OFREP body for one flag and context. A flag has few possible outcomes (its rules, split
 * arms and default), each rendered once when the snapshot is built; evaluating is finding which.
 */
export function evaluationJson(flag: ServedFlag, context: EvaluationContext): Outcome {
  const invalid = contextProblem(context);
  if (invalid) return errorOutcome(flag, invalid);
  return outcomeFor(flag, context);
}

/** outcomeFor, for a context already known to be valid */
function outcomeFor(flag: ServedFlag, context: EvaluationContext): Outcome {
  if (flag.static) return flag.static;
  const at = flag.compiled!.locate(context);
  return typeof at === 'number' ? flag.rendered[at] : errorOutcome(flag, at);
}

/** what `locate` refuses in a context (the server's parseContext refuses it first, with a 400) */
function contextProblem(context: EvaluationContext): EvaluationError | null {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    return { errorCode: 'INVALID_CONTEXT', errorDetails: 'the evaluation context must be an object' };
  }
  const tk = context.targetingKey;
  if (tk !== undefined && tk !== null && typeof tk !== 'string') return { errorCode: 'INVALID_CONTEXT', errorDetails: 'targetingKey must be a string' };
  return null;
}

function errorOutcome(flag: ServedFlag, e: EvaluationError): Outcome {
  const k = `${e.errorCode}\n${e.errorDetails}`;
  let out = flag.errors.get(k);
  if (!out) flag.errors.set(k, (out = render(flag, e)));
  return out;
}

function render(flag: ServedFlag, r: EvaluationResult): Outcome {
  const status = 'errorCode' in r ? 400 : 200;
  const json =
    'errorCode' in r
      ? JSON.stringify({ key: flag.key, errorCode: r.errorCode, errorDetails: r.errorDetails })
      : JSON.stringify({ key: flag.key, value: r.value, reason: r.reason, variant: r.variant, metadata: flag.metadata });
  return { status, json, body: Buffer.from(json), element: Buffer.from(',' + json) };
}

const BULK_HEAD = Buffer.from('{"flags":[');

export const SSE_PATH = '/ofrep/v1/events';
export const SSE_INACTIVITY_SEC = 120;

export class EnvSnapshot {
  readonly id: string;
  readonly key: string;
  readonly revision: bigint;
  /** time of the last change in this environment (ISO); the same on every replica */
  readonly revisionTime: string | null;
  /** when this replica loaded it (for logs and /readyz, never in a response body) */
  readonly loadedAt = new Date();
  readonly flags = new Map<string, ServedFlag>();
  /** sorted by key so that every replica renders the same bytes for the same revision */
  readonly ordered: ServedFlag[];
  readonly allStatic: boolean;
  private readonly bulkTails = new Map<string, Buffer>();
  private readonly staticBulk = new Map<string, { body: Buffer; etag: string }>();
  private exports?: { env: { body: Buffer; etag: string }; json: { body: Buffer; etag: string } };

  constructor(env: EnvRow, rows: FlagRow[]) {
    this.id = env.id;
    this.key = env.key;
    this.revision = BigInt(env.revision);
    let latest: Date | null = null;
    for (const r of rows) if (!latest || r.updatedAt > latest) latest = r.updatedAt;
    this.revisionTime = latest ? latest.toISOString() : null;

    const revision = Number(this.revision);
    this.ordered = [...rows]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => {
        const metadata: FlagMetadata = { rollout: r.rolloutKey, phase: r.phaseKey ?? 'baseline', environment: env.key, revision };
        if (this.revisionTime) metadata.revisionTime = this.revisionTime;
        const flag: ServedFlag = {
          key: r.key,
          type: r.type,
          variants: r.variants,
          configured: r.value,
          phaseKey: r.phaseKey,
          rolloutKey: r.rolloutKey,
          metadata,
          isStatic: isStatic(r.value),
          rendered: [],
          errors: new Map(),
        };
        if (flag.isStatic) {
          flag.static = render(flag, outcomeAt(flag, r.value, { where: 'static' }));
          flag.single = { status: flag.static.status, body: flag.static.body };
        } else {
          flag.compiled = compileRuleSet(r.key, r.value as TRuleSet);
          flag.rendered = flag.compiled.locations.map((loc) => render(flag, outcomeAt(flag, r.value, loc)));
        }
        this.flags.set(r.key, flag);
        return flag;
      });
    this.allStatic = this.ordered.every((f) => f.isStatic);
  }

  /** `],"eventStreams":[…],"metadata":{…}}` — everything after the flags array. */
  private bulkTail(origin: string | null): Buffer {
    const k = origin ?? '';
    let tail = this.bulkTails.get(k);
    if (tail === undefined) {
      const requestUri = `${SSE_PATH}?environment=${encodeURIComponent(this.key)}`;
      const stream: Record<string, unknown> = { type: 'sse' };
      if (origin) stream.url = origin + requestUri;
      stream.endpoint = origin ? { origin, requestUri } : { requestUri };
      stream.inactivityDelaySec = SSE_INACTIVITY_SEC;
      const metadata: FlagMetadata = { environment: this.key, revision: Number(this.revision) };
      if (this.revisionTime) metadata.revisionTime = this.revisionTime;
      tail = Buffer.from(`],"eventStreams":${JSON.stringify([stream])},"metadata":${JSON.stringify(metadata)}}`);
      if (this.bulkTails.size < 16) this.bulkTails.set(k, tail);
    }
    return tail;
  }

  /** The bulk evaluation body and its ETag. Static environments: a cached buffer. */
  bulk(context: EvaluationContext, origin: string | null): { body: Buffer; etag: string } {
    if (this.allStatic) {
      const k = origin ?? '';
      const hit = this.staticBulk.get(k);
      if (hit) return hit;
      // nothing here depends on the context
      const out = this.renderBulk({}, origin);
      if (this.staticBulk.size < 16) this.staticBulk.set(k, out);
      return out;
    }
    return this.renderBulk(context, origin);
  }

  /** `{"flags":[` + each flag's rendered outcome + the tail, copied once into one buffer */
  private renderBulk(context: EvaluationContext, origin: string | null): { body: Buffer; etag: string } {
    const flags = this.ordered;
    const parts: Buffer[] = new Array<Buffer>(flags.length + 2);
    parts[0] = BULK_HEAD;
    let length = BULK_HEAD.length;
    const invalid = contextProblem(context);
    for (let i = 0; i < flags.length; i++) {
      const f = flags[i];
      const o = f.static ?? (invalid ? errorOutcome(f, invalid) : outcomeFor(f, context));
      const b = i === 0 ? o.body : o.element;
      parts[i + 1] = b;
      length += b.length;
    }
    const tail = this.bulkTail(origin);
    parts[flags.length + 1] = tail;
    length += tail.length;
    const body = Buffer.concat(parts, length);
    return { body, etag: etagOf(body) };
  }

  /** `.env` (KEY=value lines) and `.json` ({ KEY: value }) exports, rule sets resolved. */
  exportsFor(): { env: { body: Buffer; etag: string }; json: { body: Buffer; etag: string } } {
    if (!this.exports) {
      const values: Record<string, unknown> = {};
      const lines = [`# Switchyard flags for environment "${this.key}", revision ${this.revision}${this.revisionTime ? ` (${this.revisionTime})` : ''}`];
      for (const f of this.ordered) {
        const v = contextFreeValue(f.configured);
        values[f.key] = v;
        if (!f.isStatic) lines.push(`# ${f.key} has targeting rules; this is the value for a caller with no context`);
        lines.push(`${envName(f.key)}=${envValue(v)}`);
      }
      const env = Buffer.from(lines.join('\n') + '\n');
      const json = Buffer.from(JSON.stringify(values));
      this.exports = { env: { body: env, etag: etagOf(env) }, json: { body: json, etag: etagOf(json) } };
    }
    return this.exports;
  }

  /** the validator sent in SSE events: changes exactly when the revision does */
  get changeTag(): string {
    return `"${this.key}-${this.revision}"`;
  }
}

/**
 * One value of the `.env` export, written so that `sh` (dash, bash, zsh) reads it back literally
 * when the file is sourced: nothing in a value is ever expanded or run. JSON values are written
 * as compact JSON. Of the forms that are safe for `sh`, the first that dotenv also reads back
 * exactly is used (docs/flag-serving.md):
 *
 * - bare: only letters, digits and `_ . , : / @ % + -` (nothing `sh` or dotenv treats specially);
 * - `'…'`: no `'` inside and not ending in a backslash (dotenv would take `\'` for an escaped
 *   quote). Literal in `sh`, newlines included, and in dotenv, which reads quotes across lines;
 * - `"…"`: holds a `'` but none of `"`, `$`, backtick, backslash and `!` — the characters `sh`
 *   (and interactive bash) interpret inside double quotes — so literal in `sh` and in dotenv
 *   (which expands only `\n` and `\r` there, and there is no backslash);
 * - otherwise single quotes with `'\''` for each `'`, and each CR and LF in double quotes
 *   between two single-quoted parts. Literal in `sh`; dotenv misreads such a value, but every
 *   line it spans after the first starts with `"`, so it cannot pass for another `NAME=` line.
 */
export function envValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v ?? null);
  if (/^[A-Za-z0-9_.,:/@%+-]+$/.test(s)) return s;
  if (!s.includes("'") && !s.endsWith('\\')) return `'${s}'`;
  if (!/["$`\\!]/.test(s)) return `"${s}"`;
  return `'${s.replace(/'/g, `'\\''`).replace(/[\r\n]/g, (c) => `'"${c}"'`)}'`;
}
