// One environment's flags as the flag server serves them, built from rows read in a single
// REPEATABLE READ transaction (so the revision and the values belong together). Everything
// that does not depend on the caller's context is rendered to bytes here, once per revision:
// a static flag's single-evaluation body and its element of the bulk array, and — when every
// flag in the environment is static — the whole bulk body and its ETag per origin.
import { createHash } from 'node:crypto';
import { contextFreeValue, isStatic, locate, locationKey, outcomeAt, type EvaluationContext, type EvaluationResult, type FlagType } from '../domain/evaluate';

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

export interface ServedFlag {
  key: string;
  type: FlagType;
  variants: string[];
  configured: unknown;
  phaseKey: string | null;
  rolloutKey: string;
  metadata: FlagMetadata;
  isStatic: boolean;
  /** static flags: the single-evaluation response (status + body) and the bulk array element */
  single?: { status: number; body: Buffer };
  bulkElement?: string;
  /** rendered outcomes by location ("rule-0", "default-split-1", "!TARGETING_KEY_MISSING"…) */
  outcomes: Map<string, { status: number; json: string }>;
}

/** 22 characters of base64url(sha256(bytes)), quoted: a strong validator over the exact bytes. */
export function etagOf(body: Buffer | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/**
 * The OFREP body for one flag and context. A flag has few possible outcomes (its rules, split
 * arms and default), so each is rendered once and the evaluation is reduced to finding which.
 */
export function evaluationJson(flag: ServedFlag, context: EvaluationContext): { status: number; json: string } {
  const loc = locate(flag.key, flag.configured, context);
  const key = 'errorCode' in loc ? `!${loc.errorCode}` : locationKey(loc);
  let out = flag.outcomes.get(key);
  if (!out) {
    out = render(flag, 'errorCode' in loc ? loc : outcomeAt(flag, flag.configured, loc));
    flag.outcomes.set(key, out);
  }
  return out;
}

function render(flag: ServedFlag, r: EvaluationResult): { status: number; json: string } {
  if ('errorCode' in r) return { status: 400, json: JSON.stringify({ key: flag.key, errorCode: r.errorCode, errorDetails: r.errorDetails }) };
  return { status: 200, json: JSON.stringify({ key: flag.key, value: r.value, reason: r.reason, variant: r.variant, metadata: flag.metadata }) };
}

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
  private readonly bulkTails = new Map<string, string>();
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
          outcomes: new Map(),
        };
        if (flag.isStatic) {
          const { status, json } = evaluationJson(flag, {});
          flag.single = { status, body: Buffer.from(json) };
          flag.bulkElement = json;
        }
        this.flags.set(r.key, flag);
        return flag;
      });
    this.allStatic = this.ordered.every((f) => f.isStatic);
  }

  /** `],"eventStreams":[…],"metadata":{…}}` — everything after the flags array. */
  private bulkTail(origin: string | null): string {
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
      tail = `],"eventStreams":${JSON.stringify([stream])},"metadata":${JSON.stringify(metadata)}}`;
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
      const body = Buffer.from(`{"flags":[${this.ordered.map((f) => f.bulkElement).join(',')}${this.bulkTail(origin)}`);
      const out = { body, etag: etagOf(body) };
      if (this.staticBulk.size < 16) this.staticBulk.set(k, out);
      return out;
    }
    const parts = this.ordered.map((f) => f.bulkElement ?? evaluationJson(f, context).json);
    const body = Buffer.from(`{"flags":[${parts.join(',')}${this.bulkTail(origin)}`);
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

/** Environment variable names: characters other than letters, digits and _ become _. */
export function envName(key: string): string {
  return key.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * dotenv / POSIX shell syntax: bare when safe; otherwise single-quoted (literal in both dotenv
 * and `sh`), and double-quoted with escapes only if the value itself holds a ' or a newline.
 * JSON values are written as compact JSON.
 */
export function envValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v ?? null);
  if (/^[A-Za-z0-9_.,:/@+-]*$/.test(s)) return s;
  if (!/['\n\r]/.test(s)) return `'${s}'`;
  return JSON.stringify(s);
}
