// A small Prometheus client for Prometheus-sourced metrics (issue 8): one instant query
// (POST /api/v1/query) per arm, at the evaluation's moment, with a timeout. The answer is either
// one finite-or-not number (`{ value }`, which lib/domain/criteria.ts compares; NaN and ±Inf it
// reads as inconclusive) or a reason the source failed (`{ error }`, inconclusive too) — an empty
// vector, several series, a timeout, an unreachable server, a non-2xx or `status: "error"` reply.
// It never invents a number. See docs/plan-format.md, "Evidence".
import { formatDuration } from '../domain/duration';

export const DEFAULT_TIMEOUT_MS = 5000;
/** what a query may write for the criterion's window, e.g. `rate(errors_total[{{window}}])` */
export const WINDOW_PLACEHOLDER = /\{\{\s*window\s*\}\}/g;

export type PrometheusResult = { value: number } | { error: string };

export interface PrometheusOptions {
  /** the server's base URL (PROMETHEUS_URL), e.g. http://prometheus:9090 or …/prometheus/ */
  url: string;
  /** evaluation time (the query's `time`); default now */
  at?: Date;
  timeoutMs?: number;
}

/** The query with `{{window}}` replaced by the window as a Prometheus duration (900 s → `15m`). */
export function withWindow(query: string, windowSeconds: number): string {
  return query.replace(WINDOW_PLACEHOLDER, formatDuration(Math.max(1, Math.floor(windowSeconds))));
}

const clip = (s: string, max = 300) => (s.length > max ? `${s.slice(0, max)}…` : s);

/** Prometheus writes sample values as strings: "1.5", "NaN", "+Inf", "-Inf". */
function sampleValue(v: unknown): number | null {
  if (!Array.isArray(v) || typeof v[1] !== 'string') return null;
  const s = v[1];
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const x = Number(s);
  return s.trim() === '' || Number.isNaN(x) ? null : x;
}

/** One instant query. Resolves, never rejects: a failure is `{ error }` with the reason. */
export async function queryInstant(query: string, opts: PrometheusOptions): Promise<PrometheusResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let endpoint: URL;
  try {
    endpoint = new URL('api/v1/query', opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  } catch {
    return { error: `PROMETHEUS_URL "${opts.url}" is not a URL` };
  }
  const body = new URLSearchParams({ query, time: ((opts.at ?? new Date()).getTime() / 1000).toFixed(3), timeout: `${Math.max(1, Math.ceil(timeoutMs / 1000))}s` });
  let res: Response;
  let text: string;
  try {
    res = await fetch(endpoint, { method: 'POST', body, headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    text = await res.text();
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return { error: `Prometheus did not answer within ${formatMs(timeoutMs)} (${endpoint.origin})` };
    return { error: `cannot reach Prometheus at ${endpoint.origin}: ${err.cause?.code ?? err.cause?.message ?? err.message}` };
  }
  const json = parseJson(text);
  if (json?.status === 'error' || !res.ok) {
    const why = typeof json?.error === 'string' ? `${typeof json.errorType === 'string' ? `${json.errorType}: ` : ''}${json.error}` : clip(text.trim() || res.statusText);
    return { error: `Prometheus answered ${res.status}: ${clip(why)}` };
  }
  if (!json || json.status !== 'success' || !json.data) return { error: `Prometheus answered ${res.status} without a query result` };
  const { resultType, result } = json.data;
  if (resultType === 'scalar') {
    const v = sampleValue(result);
    return v === null ? { error: 'Prometheus answered a scalar without a number' } : { value: v };
  }
  if (resultType !== 'vector') return { error: `the query gives a ${String(resultType)}, not an instant vector or scalar` };
  if (!Array.isArray(result) || result.length === 0) return { error: 'empty vector: the query matched no series' };
  if (result.length > 1) {
    const labels = (result as { metric?: Record<string, string> }[]).slice(0, 3).map((r) => labelsOf(r.metric));
    return { error: `the query gives ${result.length} series, not one (${labels.join(', ')}${result.length > 3 ? ', …' : ''}): aggregate it, e.g. sum(…)` };
  }
  const v = sampleValue((result[0] as { value?: unknown }).value);
  return v === null ? { error: 'Prometheus answered a sample without a number' } : { value: v };
}

interface ApiReply {
  status?: unknown;
  error?: unknown;
  errorType?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function parseJson(text: string): ApiReply | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as ApiReply) : null;
  } catch {
    return null;
  }
}

function labelsOf(m: Record<string, string> | undefined): string {
  return `{${Object.entries(m ?? {})
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
