// Evidence as the gates read it: metric samples and dual-run comparisons, rolled up at write
// time into one-minute buckets per (rollout, metric, arm) and per rollout for comparisons.
// Buckets merge exactly (sums, counts, min/max and the quantile sketch's bins add up), so any
// window is the merge of its minutes; raw samples stay for drill-down. Pure: ingest maps each
// sample with bucketOf / comparisonBucketOf and upserts with mergeBuckets /
// mergeComparisonBuckets; the evaluator (criteria.ts) reads the merged buckets of a window.
import { addToSketch, emptySketch, mergeSketches, type SketchData } from './sketch';

export const ARMS = ['baseline', 'candidate'] as const;
/** `baseline`: v1 / legacy; `candidate`: v2 / new. */
export type Arm = (typeof ARMS)[number];

export const STATS = ['mean', 'min', 'max', 'sum', 'count', 'p50', 'p90', 'p95', 'p99'] as const;
export type Stat = (typeof STATS)[number];

/** Rollups are per minute; a bucket's `start` is the minute its samples fall in (UTC, floor). */
export const BUCKET_SECONDS = 60;
export const BUCKET_MS = BUCKET_SECONDS * 1000;

export function bucketStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / BUCKET_MS) * BUCKET_MS);
}

export interface MetricSample {
  metric: string;
  arm: Arm;
  value: number;
  at: Date;
  /** how many events the value summarises (default 1): weighs the mean, counts toward minSamples */
  count?: number;
}

/** One minute of one metric and arm. */
export interface MetricBucket {
  start: Date;
  /** Σ count: the events summarised (what means are weighted by, what `count` reports) */
  weight: number;
  /** how many samples (rows) went in: the sample size for confidence intervals */
  n: number;
  /** Σ value·count */
  sum: number;
  /** Σ value²·count */
  sumSq: number;
  min: number;
  max: number;
  /** every value, weighted by its count */
  sketch: SketchData;
}

/** The bucket one sample makes. Throws on a value or count ingest should have refused. */
export function bucketOf(sample: MetricSample): MetricBucket {
  const count = sample.count ?? 1;
  if (!Number.isFinite(sample.value)) throw new RangeError(`sample value must be finite, got ${sample.value}`);
  if (!Number.isFinite(count) || count <= 0) throw new RangeError(`sample count must be positive, got ${count}`);
  return {
    start: bucketStart(sample.at),
    weight: count,
    n: 1,
    sum: sample.value * count,
    sumSq: sample.value * sample.value * count,
    min: sample.value,
    max: sample.value,
    sketch: addToSketch(emptySketch(), sample.value, count),
  };
}

/** Both buckets in one (exact; associative and commutative). `start` is the earlier one's. */
export function mergeBuckets(a: MetricBucket, b: MetricBucket): MetricBucket {
  return {
    start: a.start.getTime() <= b.start.getTime() ? a.start : b.start,
    weight: a.weight + b.weight,
    n: a.n + b.n,
    sum: a.sum + b.sum,
    sumSq: a.sumSq + b.sumSq,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    sketch: mergeSketches(a.sketch, b.sketch),
  };
}

/** Samples of one metric and arm rolled up per minute, in time order. */
export function rollUp(samples: readonly MetricSample[]): MetricBucket[] {
  const byMinute = new Map<number, MetricBucket>();
  for (const s of samples) {
    const b = bucketOf(s);
    const k = b.start.getTime();
    const prev = byMinute.get(k);
    byMinute.set(k, prev ? mergeBuckets(prev, b) : b);
  }
  return [...byMinute.values()].sort((x, y) => x.start.getTime() - y.start.getTime());
}

// ---------------------------------------------------------------------------------------------
// Dual-run comparisons

/** One comparison result as pushed (POST …/comparisons), already validated. */
export interface ComparisonResult {
  ref?: string;
  at: Date;
  /** the comparing code's own verdict; when given it decides, numbers or not */
  compatible?: boolean;
  /** numbers from both sides (match counts, snapshot costs): compatible within `tolerance` % */
  baseline?: number;
  candidate?: number;
  /** a mismatch category (e.g. "missing field", "type mismatch") */
  category?: string;
  fields?: unknown;
}

/**
 * One minute of comparisons. A result that says `compatible` counts in compatibleTrue /
 * compatibleFalse. A result with only numbers goes into `numeric` as its difference in percent,
 * |candidate − baseline| / |baseline| · 100, because the tolerance belongs to the criterion
 * (and may change with the plan): the criterion counts the differences ≤ its tolerance. A pair
 * with baseline 0 differs by 0 % when the candidate is 0 too; otherwise by an infinite
 * percentage, which no tolerance accepts — it counts in compatibleFalse.
 */
export interface ComparisonBucket {
  start: Date;
  /** every result in the minute */
  n: number;
  compatibleTrue: number;
  compatibleFalse: number;
  /** differences in % of numeric-only pairs */
  numeric: SketchData;
  /** category → how many results named it */
  categories: Record<string, number>;
}

/** |candidate − baseline| / |baseline| in %, Infinity when only the baseline is 0. */
export function diffPercent(baseline: number, candidate: number): number {
  if (baseline === candidate) return 0;
  if (baseline === 0) return Infinity;
  return (Math.abs(candidate - baseline) / Math.abs(baseline)) * 100;
}

/**
 * The bucket one result makes. A result needs `compatible` or both numbers (ingest reports
 * anything else as a bad item); numbers must be finite.
 */
export function comparisonBucketOf(r: ComparisonResult): ComparisonBucket {
  const b: ComparisonBucket = { start: bucketStart(r.at), n: 1, compatibleTrue: 0, compatibleFalse: 0, numeric: emptySketch(), categories: {} };
  if (typeof r.compatible === 'boolean') {
    if (r.compatible) b.compatibleTrue = 1;
    else b.compatibleFalse = 1;
  } else if (typeof r.baseline === 'number' && typeof r.candidate === 'number') {
    if (!Number.isFinite(r.baseline) || !Number.isFinite(r.candidate)) throw new RangeError('comparison numbers must be finite');
    const d = diffPercent(r.baseline, r.candidate);
    if (d === Infinity) b.compatibleFalse = 1;
    else addToSketch(b.numeric, d);
  } else {
    throw new RangeError('a comparison needs compatible, or both baseline and candidate');
  }
  if (r.category) b.categories[r.category] = 1;
  return b;
}

export function mergeComparisonBuckets(a: ComparisonBucket, b: ComparisonBucket): ComparisonBucket {
  const categories: Record<string, number> = { ...a.categories };
  for (const [k, v] of Object.entries(b.categories)) categories[k] = (categories[k] ?? 0) + v;
  return {
    start: a.start.getTime() <= b.start.getTime() ? a.start : b.start,
    n: a.n + b.n,
    compatibleTrue: a.compatibleTrue + b.compatibleTrue,
    compatibleFalse: a.compatibleFalse + b.compatibleFalse,
    numeric: mergeSketches(a.numeric, b.numeric),
    categories,
  };
}

export function rollUpComparisons(results: readonly ComparisonResult[]): ComparisonBucket[] {
  const byMinute = new Map<number, ComparisonBucket>();
  for (const r of results) {
    const b = comparisonBucketOf(r);
    const k = b.start.getTime();
    const prev = byMinute.get(k);
    byMinute.set(k, prev ? mergeComparisonBuckets(prev, b) : b);
  }
  return [...byMinute.values()].sort((x, y) => x.start.getTime() - y.start.getTime());
}

/**
 * The buckets a window covers: those starting in [now − window, now]. The newest minute is
 * partial; a bucket that starts before the window is left out whole (it is not split), so a 1h
 * window reads between 59 and 60 minutes of data.
 */
export function inWindow<T extends { start: Date }>(buckets: readonly T[], windowSeconds: number, now: Date): T[] {
  const from = now.getTime() - windowSeconds * 1000;
  const to = now.getTime();
  return buckets.filter((b) => b.start.getTime() >= from && b.start.getTime() <= to);
}
