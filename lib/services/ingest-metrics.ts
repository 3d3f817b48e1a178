// Ingests a batch of metric samples for one rollout (POST /api/v1/rollouts/{key}/metrics): every
// item checked (a metric the plan declares, a known arm, a finite value, an `at` within
// retention and at most 5 minutes ahead) and every bad one listed, else the raw rows and their
// rollups (lib/domain/evidence.ts; per minute, and the minutes merged per 5 minutes and hour)
// written in one transaction — two multi-row statements, the buckets upserted with their
// sketches merged in SQL (evidence_merge_sketch).
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { ARMS, bucketOf, bucketStart, type MetricBucket, type MetricSample } from '../domain/evidence';
import { addToSketch, emptySketch, mergeSketches, type SketchData } from '../domain/sketch';
import { floorTo, ROLLUP_LEVELS } from '../queries/evidence';
import {
  atProblem,
  batchItems,
  batchRefused,
  itemIssues,
  itemShapeError,
  quoted,
  runEvidenceBatch,
  type EvidenceBatchInput,
  type EvidenceBatchResult,
  type BatchStatement,
  type ItemError,
  ZEvidenceAt,
} from './evidence-batch';

const finite = (what: string) => z.number({ error: `expected a finite number${what}` });

const SAMPLE_SHAPE = '{ metric, arm, value, at, count? }';

export const ZMetricSampleSchema = z.strictObject(
  {
    metric: z.string({ error: 'expected a string (a metric key the plan declares)' }).min(1, 'must not be empty'),
    arm: z.enum(ARMS, { error: `expected one of ${ARMS.join(', ')}` }),
    value: finite(''),
    at: ZEvidenceAt,
    count: finite(' > 0 (how many events the value summarises)').positive('must be > 0 (how many events the value summarises)').optional(),
  },
  { error: itemShapeError(SAMPLE_SHAPE) },
);
export type TMetricSampleSchema = z.infer<typeof ZMetricSampleSchema>;

/** The envelope; the items are checked one by one by the service (so every bad one is listed). */
export const ZIngestMetricsSchema = z.strictObject({ samples: batchItems('samples', SAMPLE_SHAPE) });
export type TIngestMetricsSchema = z.infer<typeof ZIngestMetricsSchema>;

export interface IngestedMetrics {
  rollout: string;
  /** samples stored */
  accepted: number;
  /** minute buckets created or updated (their 5-minute and hourly buckets too) */
  buckets: number;
  from: string;
  to: string;
}

/** The metric keys a plan declares (its top-level `metrics` list), or null when it has none. */
export function declaredMetrics(plan: unknown): Set<string> | null {
  const list = (plan as { metrics?: unknown } | null)?.metrics;
  if (!Array.isArray(list) || list.length === 0) return null;
  return new Set(list.map((m) => (m && typeof m === 'object' ? (m as { key?: unknown }).key : undefined)).filter((k): k is string => typeof k === 'string'));
}

export async function ingestMetrics(actor: Actor, input: EvidenceBatchInput<unknown[]>): Promise<EvidenceBatchResult<IngestedMetrics>> {
  return runEvidenceBatch<{ samples: MetricSample[]; buckets: Keyed[] }, IngestedMetrics>(actor, 'metrics', input, {
    validate: (rollout, now) => {
      const known = declaredMetrics(rollout.plan);
      const errors: ItemError[] = [];
      const samples: MetricSample[] = [];
      input.items.forEach((raw, i) => {
        const r = ZMetricSampleSchema.safeParse(raw);
        if (!r.success) {
          errors.push(...itemIssues('samples', i, r.error));
          // the fields that did parse are still checked below, so one item lists all its problems
        }
        const item = (r.success ? r.data : raw) as Partial<TMetricSampleSchema>;
        const failed = new Set(r.success ? [] : r.error.issues.map((x) => String(x.path[0] ?? '')));
        if (typeof item?.metric === 'string' && item.metric && !failed.has('metric') && !known?.has(item.metric)) {
          errors.push({
            path: `samples[${i}].metric`,
            message: known ? `unknown metric ${quoted(item.metric)} (the plan declares ${[...known].join(', ')})` : `unknown metric ${quoted(item.metric)}: the plan declares no metrics`,
          });
        }
        if (typeof item?.at === 'string' && !failed.has('at')) {
          const p = atProblem(new Date(item.at), now);
          if (p) errors.push({ path: `samples[${i}].at`, message: p });
        }
        if (r.success && !errors.length) samples.push({ metric: r.data.metric, arm: r.data.arm, value: r.data.value, at: new Date(r.data.at), count: r.data.count });
      });
      if (errors.length) {
        batchRefused('samples', errors, known ? undefined : `rollout "${rollout.key}" declares no metrics: add a top-level "metrics" list to its plan`);
      }
      const buckets = bucketsOf(samples);
      const times = samples.map((s) => s.at.getTime());
      return {
        parsed: { samples, buckets },
        response: {
          rollout: rollout.key,
          accepted: samples.length,
          buckets: buckets.filter((b) => b.resolution === 60).length,
          from: new Date(Math.min(...times)).toISOString(),
          to: new Date(Math.max(...times)).toISOString(),
        },
      };
    },
    write: (_rollout, { samples, buckets }, q) => writeMetrics(q, samples, buckets),
  });
}

type Keyed = MetricBucket & { metric: string; arm: string; resolution: number };

/**
 * The batch's buckets per (metric, arm) at every rollup level (ROLLUP_LEVELS: the minute, and
 * the same minutes merged into 5-minute and hourly buckets), in key order: the upsert takes their
 * row locks in that order (ORDER BY), so concurrent batches cannot deadlock. The minute buckets
 * are accumulated in place (the same sums as lib/domain/evidence.ts rollUp, without a sketch per
 * sample); so are the coarser ones, from the minutes in the same order with the same additions
 * as mergeBuckets — folding with mergeBuckets itself copied the growing hour's sketch for every
 * minute, which was most of a batch's JavaScript time.
 */
function bucketsOf(samples: MetricSample[]): Keyed[] {
  const minutes = new Map<string, Keyed>();
  for (const s of samples) {
    const start = bucketStart(s.at);
    const k = `${s.metric}\u0000${s.arm}\u0000${start.getTime()}`;
    const b = minutes.get(k);
    if (!b) {
      minutes.set(k, { ...bucketOf(s), metric: s.metric, arm: s.arm, resolution: 60 });
      continue;
    }
    const c = s.count ?? 1;
    b.weight += c;
    b.n += 1;
    b.sum += s.value * c;
    b.sumSq += s.value * s.value * c;
    if (s.value < b.min) b.min = s.value;
    if (s.value > b.max) b.max = s.value;
    addToSketch(b.sketch, s.value, c);
  }
  const out: Keyed[] = [...minutes.values()];
  for (const level of ROLLUP_LEVELS.filter((l) => l > 60)) {
    const coarse = new Map<string, Keyed>();
    for (const m of minutes.values()) {
      const start = floorTo(m.start, level);
      const k = `${m.metric}\u0000${m.arm}\u0000${start.getTime()}`;
      const b = coarse.get(k);
      if (!b) {
        coarse.set(k, { ...m, start, resolution: level, sketch: mergeSketches(emptySketch(), m.sketch) });
        continue;
      }
      b.weight += m.weight;
      b.n += m.n;
      b.sum += m.sum;
      b.sumSq += m.sumSq;
      b.min = Math.min(b.min, m.min);
      b.max = Math.max(b.max, m.max);
      addSketchInto(b.sketch, m.sketch);
    }
    out.push(...coarse.values());
  }
  return out;
}

/** `into` += `from`, bin by bin: mergeSketches(into, from) without the copy */
function addSketchInto(into: SketchData, from: SketchData): void {
  into.zero += from.zero;
  for (const k in from.pos) into.pos[k] = (into.pos[k] ?? 0) + from.pos[k];
  for (const k in from.neg) into.neg[k] = (into.neg[k] ?? 0) + from.neg[k];
}

/**
 * The batch's two writes, as CTEs of its one statement ($1: the rollout id). The raw rows go as
 * typed arrays through unnest — metric and arm as indexes into the batch's few names, `at` as
 * epoch milliseconds — which Postgres reads about twice as fast as the same rows as JSON objects
 * with ISO strings. The buckets (a few dozen) stay JSON: their sketches are JSON.
 */
function writeMetrics(q: BatchStatement, samples: MetricSample[], keyed: Keyed[]): string[] {
  const names = new Map<string, number>();
  const n = samples.length;
  const mi = new Array<number>(n);
  const ai = new Array<number>(n);
  const v = new Array<number>(n);
  const c = new Array<number>(n);
  const t = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const s = samples[i];
    let m = names.get(s.metric);
    if (m === undefined) names.set(s.metric, (m = names.size + 1));
    mi[i] = m;
    ai[i] = s.arm === ARMS[0] ? 1 : 2;
    v[i] = s.value;
    c[i] = s.count ?? 1;
    t[i] = s.at.getTime();
  }
  // String(number) is the shortest text that reads back as the same double (as JSON.stringify)
  const list = (xs: number[]) => `{${xs.join(',')}}`;
  const buckets = keyed.map((b) => ({
    m: b.metric,
    a: b.arm,
    r: b.resolution,
    s: b.start.toISOString(),
    w: b.weight,
    n: b.n,
    sum: b.sum,
    sq: b.sumSq,
    lo: b.min,
    hi: b.max,
    sk: b.sketch,
  }));
  return [
    `samples AS (
       INSERT INTO metric_samples (rollout_id, metric, arm, value, count, at)
       SELECT $1::uuid, (${q.param(JSON.stringify([...names.keys()]))}::jsonb)->>(r.mi - 1), (${q.param(JSON.stringify(ARMS))}::jsonb)->>(r.ai - 1), r.v, r.c, to_timestamp(r.t / 1000.0)
       FROM unnest(${q.param(list(mi))}::int[], ${q.param(list(ai))}::int[], ${q.param(list(v))}::float8[], ${q.param(list(c))}::float8[], ${q.param(list(t))}::float8[]) AS r(mi, ai, v, c, t)
       WHERE ${q.go}
       RETURNING 1)`,
    // ORDER BY: row locks in key order, so concurrent batches cannot deadlock. After the raw rows
    // (count(*) reads them all first): the bucket row locks, which a concurrent batch of the same
    // hour waits for, are held for the shortest time
    `buckets AS (
       INSERT INTO metric_buckets AS b (rollout_id, metric, arm, resolution, start, weight, n, sum, sum_sq, min, max, sketch)
       SELECT $1::uuid, r.m, r.a, r.r, r.s, r.w, r.n, r.sum, r.sq, r.lo, r.hi, r.sk
       FROM json_to_recordset(${q.param(JSON.stringify(buckets))}::json) AS r(m text, a text, r int, s timestamptz, w float8, n int, sum float8, sq float8, lo float8, hi float8, sk jsonb)
       WHERE ${q.go} AND (SELECT count(*) FROM samples) > 0
       ORDER BY r.m, r.a, r.r, r.s
       ON CONFLICT (rollout_id, metric, arm, resolution, start) DO UPDATE SET
         weight = b.weight + EXCLUDED.weight,
         n = b.n + EXCLUDED.n,
         sum = b.sum + EXCLUDED.sum,
         sum_sq = b.sum_sq + EXCLUDED.sum_sq,
         min = LEAST(b.min, EXCLUDED.min),
         max = GREATEST(b.max, EXCLUDED.max),
         sketch = evidence_merge_sketch(b.sketch, EXCLUDED.sketch))`,
  ];
}
