// Success criteria and red flags of a phase (issue 8): their plan schema, the semantic checks
// by path, and the evaluation — pure functions of the criterion, the evidence and `now`.
// Every criterion evaluates to pass | fail | inconclusive; no data, too few samples, NaN or a
// source error is inconclusive, never pass. See docs/plan-format.md, "Evidence".
import { z } from 'zod';
import { parseDuration } from './duration';
import { ARMS, BUCKET_SECONDS, inWindow, mergeBuckets, mergeComparisonBuckets, STATS, type Arm, type ComparisonBucket, type MetricBucket, type Stat } from './evidence';
import { countAtMost, quantile, sketchBins, type SketchData } from './sketch';

export const OPS = ['<', '<=', '>', '>=', '=='] as const;
export type Op = (typeof OPS)[number];
export type Status = 'pass' | 'fail' | 'inconclusive';

// ---------------------------------------------------------------------------------------------
// Plan schema

const metricKey = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'at most 128 characters')
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'start with a letter; letters, digits, _ . - only');
const durationText = z.string().min(1, 'must not be empty').max(32, 'at most 32 characters');
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const minSamples = z.number().int('a whole number').min(1, 'at least 1').max(1e9, 'at most 1,000,000,000');
const query = z.string().min(1, 'must not be empty').max(4000, 'at most 4,000 characters');

export const ZMetric = z.strictObject({
  key: metricKey,
  unit: z.string().max(16, 'at most 16 characters').optional(),
  better: z.enum(['lower', 'higher']),
  label: z.string().min(1, 'must not be empty').max(200, 'at most 200 characters').optional(),
  // the arms this metric has; absent: both (or, with a Prometheus source, the arms it has a query for)
  arms: z.array(z.enum(ARMS)).min(1, 'name at least one arm').max(2).optional(),
  source: z
    .strictObject({
      prometheus: z.strictObject({ baseline: query.optional(), candidate: query.optional() }),
    })
    .optional(),
});
export type TMetric = z.infer<typeof ZMetric>;

const window = { window: durationText, minSamples: minSamples.optional() };
export const ZCompatibilityCondition = z.strictObject({
  kind: z.literal('compatibility'),
  /** percent of comparisons that must be compatible */
  min: finite.refine((v) => v >= 0 && v <= 100, 'a percentage from 0 to 100'),
  /** numeric pairs: compatible when they differ by at most this many percent (default 0) */
  tolerance: finite.refine((v) => v >= 0, 'at least 0').optional(),
  ...window,
});
export const ZMetricCondition = z.strictObject({
  kind: z.literal('metric'),
  metric: metricKey,
  arm: z.enum(ARMS),
  stat: z.enum(STATS).optional(), // mean when absent
  op: z.enum(OPS),
  value: finite,
  ...window,
});
export const ZRelativeCondition = z.strictObject({
  kind: z.literal('relative'),
  metric: metricKey,
  stat: z.enum(STATS).optional(),
  op: z.enum(OPS),
  /** candidate / baseline */
  ratio: finite.refine((v) => v > 0, 'a ratio above 0'),
  ...window,
});
const timing = { for: durationText.optional(), interval: durationText.optional() };
export const ZCriterion = z.discriminatedUnion('kind', [ZCompatibilityCondition.extend(timing), ZMetricCondition.extend(timing), ZRelativeCondition.extend(timing)]);
export type TCriterion = z.infer<typeof ZCriterion>;
/** what a red flag watches: a criterion without `for` and `interval` (the red flag has those) */
export const ZCondition = z.discriminatedUnion('kind', [ZCompatibilityCondition, ZMetricCondition, ZRelativeCondition]);
export type TCondition = z.infer<typeof ZCondition>;

export const SEVERITIES = ['warning', 'critical'] as const;
export const ACTIONS = ['notify', 'pause', 'rollback'] as const;
export const ZRedFlag = z.strictObject({
  /** the bad condition: the red flag fails an evaluation when this holds */
  when: ZCondition,
  severity: z.enum(SEVERITIES),
  action: z.enum(ACTIONS),
  after: z.number().int('a whole number').min(1, 'at least 1').max(1000, 'at most 1,000').default(1),
  interval: durationText.default('1m'),
});
export type TRedFlag = z.infer<typeof ZRedFlag>;

export const DEFAULT_INTERVAL_SECONDS = 60;

/** The durations of a criterion or red flag in seconds (the plan was validated: they parse). */
export function timingOf(c: { window: string; for?: string; interval?: string }): { window: number; for: number; interval: number } {
  return {
    window: parseDuration(c.window) ?? NaN,
    for: c.for === undefined ? 0 : (parseDuration(c.for) ?? NaN),
    interval: c.interval === undefined ? DEFAULT_INTERVAL_SECONDS : (parseDuration(c.interval) ?? NaN),
  };
}

/** The arms a metric has: `arms`, else the arms its Prometheus source queries, else both. */
export function armsOf(m: Pick<TMetric, 'arms' | 'source'>): Arm[] {
  if (m.arms) return [...new Set(m.arms)];
  const p = m.source?.prometheus;
  if (p) return ARMS.filter((a) => p[a] !== undefined);
  return [...ARMS];
}

interface Problem {
  path: string;
  message: string;
}

const MAX_SECONDS = 365 * 86400;

/**
 * The semantic problems of the plan's metrics, criteria and red flags, by path: durations,
 * windows against intervals, metric references, arms. Reads the raw document and skips entries
 * that are structurally unsound (zod reports those), so it runs on a bad plan too.
 */
export function evidencePlanProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  const raw = (typeof input === 'object' && input !== null ? input : {}) as { metrics?: unknown; phases?: unknown };
  const metrics = new Map<string, TMetric>();
  if (Array.isArray(raw.metrics)) {
    raw.metrics.forEach((x, i) => {
      const r = ZMetric.safeParse(x);
      if (!r.success) return;
      const m = r.data;
      if (metrics.has(m.key)) problems.push({ path: `metrics[${i}].key`, message: `duplicate metric key ${m.key}` });
      else metrics.set(m.key, m);
      const p = m.source?.prometheus;
      if (p && !p.baseline && !p.candidate) problems.push({ path: `metrics[${i}].source.prometheus`, message: 'give a query for baseline, candidate or both' });
      if (m.arms && new Set(m.arms).size !== m.arms.length) problems.push({ path: `metrics[${i}].arms`, message: 'arms must be distinct' });
      if (m.arms && p) {
        for (const a of m.arms) if (!p[a]) problems.push({ path: `metrics[${i}].arms`, message: `arm ${a} has no Prometheus query in source.prometheus.${a}` });
      }
    });
  }
  if (!Array.isArray(raw.phases)) return problems;
  raw.phases.forEach((ph, i) => {
    const phase = (typeof ph === 'object' && ph !== null ? ph : {}) as { criteria?: unknown; redFlags?: unknown };
    if (Array.isArray(phase.criteria)) {
      phase.criteria.forEach((x, j) => {
        const r = ZCriterion.safeParse(x);
        if (r.success) conditionProblems(r.data, `phases[${i}].criteria[${j}]`, { for: r.data.for, interval: r.data.interval }, metrics, problems);
      });
    }
    if (Array.isArray(phase.redFlags)) {
      phase.redFlags.forEach((x, j) => {
        const r = ZRedFlag.safeParse(x);
        if (r.success) conditionProblems(r.data.when, `phases[${i}].redFlags[${j}]`, { interval: r.data.interval }, metrics, problems, 'when.');
      });
    }
  });
  return problems;
}

function conditionProblems(c: TCondition, path: string, t: { for?: string; interval?: string }, metrics: Map<string, TMetric>, problems: Problem[], prefix = ''): void {
  const seconds = (text: string | undefined, fieldPath: string): number | null => {
    if (text === undefined) return null;
    const s = parseDuration(text);
    if (s === null) problems.push({ path: fieldPath, message: `"${text}" is not a duration like 30s, 15m, 24h` });
    else if (s > MAX_SECONDS) problems.push({ path: fieldPath, message: `"${text}" is too long: at most 365d` });
    else return s;
    return null;
  };
  const win = seconds(c.window, `${path}.${prefix}window`);
  const interval = t.interval === undefined ? DEFAULT_INTERVAL_SECONDS : seconds(t.interval, `${path}.interval`);
  seconds(t.for, `${path}.for`);
  if (win !== null && win < BUCKET_SECONDS) problems.push({ path: `${path}.${prefix}window`, message: `"${c.window}" is shorter than 1m: evidence is rolled up per minute` });
  if (interval !== null && interval < 1) problems.push({ path: `${path}.interval`, message: `"${t.interval}" is shorter than 1s` });
  if (win !== null && interval !== null && interval >= 1 && win < interval) {
    problems.push({ path: `${path}.${prefix}window`, message: `the window (${c.window}) is shorter than the interval (${t.interval ?? '1m'}): some evidence would never be read` });
  }
  if (c.kind === 'compatibility') return;
  const m = metrics.get(c.metric);
  if (!m) {
    problems.push({ path: `${path}.${prefix}metric`, message: `unknown metric ${c.metric}${metrics.size ? ` (the plan's metrics: ${[...metrics.keys()].join(', ')})` : ' (the plan has no metrics)'}` });
    return;
  }
  const arms = armsOf(m);
  if (c.kind === 'metric' && !arms.includes(c.arm)) problems.push({ path: `${path}.${prefix}arm`, message: `metric ${c.metric} has no ${c.arm} arm (it has ${arms.join(', ')})` });
  if (c.kind === 'relative' && arms.length < 2) problems.push({ path: `${path}.${prefix}metric`, message: `a ratio needs both arms: metric ${c.metric} has only ${arms.join(', ')}` });
  if (c.kind === 'relative' && c.op === '==') problems.push({ path: `${path}.${prefix}op`, message: 'a ratio is compared with <, <=, > or >= (an interval never shows it equal)' });
  if (m.source?.prometheus) {
    if (c.stat !== undefined) problems.push({ path: `${path}.${prefix}stat`, message: `metric ${c.metric} comes from Prometheus: its query computes the statistic, leave stat out` });
    if (c.minSamples !== undefined) problems.push({ path: `${path}.${prefix}minSamples`, message: `metric ${c.metric} comes from Prometheus: a query result carries no sample count` });
  }
}

// ---------------------------------------------------------------------------------------------
// Evidence in, result out

/** The evidence of one arm of one metric over (at least) the window. */
export type ArmEvidence =
  /** pushed samples, rolled up per minute; the evaluator keeps the buckets in the window */
  | { buckets: readonly MetricBucket[] }
  /** a Prometheus query result: the statistic itself (NaN and ±Inf are inconclusive) */
  | { value: number }
  /** the source failed: empty vector, timeout, error response, … */
  | { error: string };

export interface Evidence {
  /** metric key → arm → evidence */
  metrics?: Record<string, Partial<Record<Arm, ArmEvidence>>>;
  comparisons?: readonly ComparisonBucket[] | { error: string };
  /**
   * When evidence started to count (the phase was entered): buckets that start before its
   * minute are left out, and an empty window reads as a count of 0 only once it lies whole
   * after this moment.
   */
  since?: Date;
}

export interface CriterionResult {
  kind: TCondition['kind'];
  status: Status;
  /** the sentence people read, with the real numbers */
  detail: string;
  /** the measured value: compatible %, the statistic, or the ratio */
  value?: number;
  /** the 95 % confidence interval of a ratio */
  interval?: { low: number; high: number; method: 'delta' | 'bootstrap' | 'point' };
  /** samples (Σ count) or comparisons read; for a ratio the smaller arm's */
  n: number;
  minSamples?: number;
  /** why it is inconclusive */
  reason?: 'no-data' | 'min-samples' | 'non-finite' | 'source-error' | 'no-ratio' | 'straddles';
}

export interface EvaluateOptions {
  /** the plan's metrics (labels and units for details, the Prometheus source) */
  metrics?: readonly TMetric[];
  /** bootstrap seed; the default makes every evaluation of the same evidence agree */
  seed?: number;
  /** bootstrap resamples (default 1,000) */
  resamples?: number;
}

const Z95 = 1.959963984540054;

export function compare(x: number, op: Op, y: number): boolean {
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    case '==':
      return x === y;
  }
}
const NEGATED: Record<Op, string> = { '<': '≥', '<=': '>', '>': '≤', '>=': '<', '==': '≠' };

/** 4210 → "4,210", 0.7 → "0.7", 93.125 → "93.13", 1234.5 → "1,235" */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}
const withUnit = (x: number, unit?: string) => (unit ? `${formatNumber(x)} ${unit}` : formatNumber(x));

/** Evaluates a criterion (or a red flag's condition) over the evidence in its window at `now`. */
export function evaluateCriterion(c: TCondition, evidence: Evidence, now: Date, opts: EvaluateOptions = {}): CriterionResult {
  const windowSeconds = parseDuration(c.window);
  if (windowSeconds === null || windowSeconds <= 0) throw new RangeError(`criterion window "${c.window}" is not a duration`);
  const clip = <T extends { start: Date }>(bs: readonly T[]) => {
    const inside = inWindow(bs, windowSeconds, now);
    if (!evidence.since) return inside;
    const from = Math.floor(evidence.since.getTime() / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000;
    return inside.filter((b) => b.start.getTime() >= from);
  };
  if (c.kind === 'compatibility') return evaluateCompatibility(c, evidence, clip);
  const metric = opts.metrics?.find((m) => m.key === c.metric);
  const arms = evidence.metrics?.[c.metric] ?? {};
  // an empty window is a real 0 only when we know evidence was expected for all of it
  const fullWindow = !!evidence.since && now.getTime() - windowSeconds * 1000 >= evidence.since.getTime();
  if (c.kind === 'metric') return evaluateMetric(c, metric, arms[c.arm], clip, fullWindow);
  return evaluateRelative(c, metric, arms, clip, opts);
}

type Clip = <T extends { start: Date }>(bs: readonly T[]) => T[];

function evaluateCompatibility(c: z.infer<typeof ZCompatibilityCondition>, evidence: Evidence, clip: Clip): CriterionResult {
  const base = { kind: 'compatibility' as const, minSamples: c.minSamples };
  const src = evidence.comparisons;
  if (src && !Array.isArray(src)) return { ...base, status: 'inconclusive', reason: 'source-error', n: 0, detail: `comparisons unavailable: ${(src as { error: string }).error}` };
  const buckets = clip((src ?? []) as readonly ComparisonBucket[]);
  const need = c.minSamples ?? 1;
  if (!buckets.length) return { ...base, status: 'inconclusive', reason: 'no-data', n: 0, detail: `waiting for data: no comparisons in the last ${c.window}` };
  const all = buckets.reduce(mergeComparisonBuckets);
  const n = all.n;
  if (n < need) return { ...base, status: 'inconclusive', reason: 'min-samples', n, detail: `waiting for data: ${formatNumber(n)} of ${formatNumber(need)} comparisons` };
  const compatible = all.compatibleTrue + countAtMost(all.numeric, c.tolerance ?? 0);
  const pct = (compatible / n) * 100;
  if (!Number.isFinite(pct)) return { ...base, status: 'inconclusive', reason: 'non-finite', n, detail: 'compatible rate is not a number' };
  const pass = pct >= c.min;
  return { ...base, status: pass ? 'pass' : 'fail', value: pct, n, detail: `compatible ${formatNumber(pct)} % ${pass ? '≥' : '<'} ${formatNumber(c.min)} % (n = ${formatNumber(n)})` };
}

function metricName(key: string, metric: TMetric | undefined): string {
  return metric?.label ?? key;
}

/** The statistic of merged buckets, with the sample weight behind it. */
export function statOf(b: MetricBucket, stat: Stat): number {
  switch (stat) {
    case 'mean':
      return b.sum / b.weight;
    case 'min':
      return b.min;
    case 'max':
      return b.max;
    case 'sum':
      return b.sum;
    case 'count':
      return b.weight;
    default:
      return quantile(b.sketch, Number(stat.slice(1)) / 100);
  }
}

function evaluateMetric(c: z.infer<typeof ZMetricCondition>, metric: TMetric | undefined, ev: ArmEvidence | undefined, clip: Clip, fullWindow: boolean): CriterionResult {
  const stat = c.stat ?? 'mean';
  const what = `${metricName(c.metric, metric)} ${c.arm}${stat === 'mean' ? '' : ` ${stat}`}`;
  const base = { kind: 'metric' as const, minSamples: c.minSamples };
  if (ev && 'error' in ev) return { ...base, status: 'inconclusive', reason: 'source-error', n: 0, detail: `${what}: source error: ${ev.error}` };
  let value: number;
  let n: number;
  if (ev && 'value' in ev) {
    value = ev.value;
    n = 1;
  } else {
    const buckets = clip(ev?.buckets ?? []);
    const weight = buckets.reduce((t, b) => t + b.weight, 0);
    const need = c.minSamples ?? 1;
    // a count or sum over a whole window with no samples is a real 0 ("zero runs per hour")
    if (!buckets.length && (stat === 'count' || stat === 'sum') && fullWindow && !c.minSamples) {
      value = 0;
      n = 0;
    } else if (!buckets.length) {
      return { ...base, status: 'inconclusive', reason: 'no-data', n: 0, detail: `waiting for data: no ${metricName(c.metric, metric)} ${c.arm} samples in the last ${c.window}` };
    } else if (weight < need) {
      return { ...base, status: 'inconclusive', reason: 'min-samples', n: weight, detail: `waiting for data: ${formatNumber(weight)} of ${formatNumber(need)} ${metricName(c.metric, metric)} ${c.arm} samples` };
    } else {
      value = statOf(buckets.reduce(mergeBuckets), stat);
      n = weight;
    }
  }
  if (!Number.isFinite(value)) return { ...base, status: 'inconclusive', reason: 'non-finite', n, detail: `${what} is ${value}: not a number to compare` };
  const pass = compare(value, c.op, c.value);
  const detail = pass
    ? `${what} ${withUnit(value, metric?.unit)} ${c.op} ${withUnit(c.value, metric?.unit)}`
    : `${what} ${withUnit(value, metric?.unit)} ${NEGATED[c.op]} ${withUnit(c.value, metric?.unit)} (must be ${c.op} ${withUnit(c.value, metric?.unit)})`;
  return { ...base, status: pass ? 'pass' : 'fail', value, n, detail };
}

/** Mean and the variance of the mean of merged buckets: each sample (row) is one observation. */
export function meanAndVariance(b: Pick<MetricBucket, 'n' | 'weight' | 'sum' | 'sumSq'>): { mean: number; varOfMean: number } {
  const mean = b.sum / b.weight;
  // weighted variance of the sample values, Bessel-corrected on the number of samples
  const variance = Math.max(0, b.sumSq / b.weight - mean * mean) * (b.n / (b.n - 1));
  return { mean, varOfMean: variance / b.n };
}

/**
 * 95 % CI of mean_c / mean_b by the delta method, arms independent:
 * Var(R) ≈ Var(m_c)/m_b² + m_c²·Var(m_b)/m_b⁴; R ± 1.96·√Var(R).
 */
export function deltaRatioInterval(candidate: Pick<MetricBucket, 'n' | 'weight' | 'sum' | 'sumSq'>, baseline: Pick<MetricBucket, 'n' | 'weight' | 'sum' | 'sumSq'>): { ratio: number; low: number; high: number } {
  const c = meanAndVariance(candidate);
  const b = meanAndVariance(baseline);
  const ratio = c.mean / b.mean;
  const v = c.varOfMean / (b.mean * b.mean) + (c.mean * c.mean * b.varOfMean) / b.mean ** 4;
  const half = Z95 * Math.sqrt(v);
  return { ratio, low: ratio - half, high: ratio + half };
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1) */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Binomial(n, p): exact by inversion while n·p is small, else the normal approximation. */
function binomial(n: number, p: number, rand: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const mean = n * p;
  if (mean < 30 || n * (1 - p) < 30) {
    if (p > 0.5) return n - binomial(n, 1 - p, rand);
    // inversion: walk the pmf
    const q = 1 - p;
    let pmf = Math.pow(q, n);
    if (pmf === 0) return Math.round(mean);
    let u = rand();
    let k = 0;
    while (u > pmf && k < n) {
      u -= pmf;
      pmf *= ((n - k) / (k + 1)) * (p / q);
      k++;
    }
    return k;
  }
  const k = Math.round(mean + Math.sqrt(mean * (1 - p)) * normal(rand));
  return Math.min(n, Math.max(0, k));
}

/**
 * One bootstrap resample of a sketch's N observations: a multinomial draw over its bins
 * (sequential binomials), then its q-quantile by the sketch's rank rule.
 */
function resampleQuantile(bins: [number, number][], total: number, q: number, rand: () => number): number {
  const n = Math.max(1, Math.round(total));
  let left = n;
  let pLeft = 1;
  const rank = q * (n - 1);
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    const p = bins[i][1] / total;
    const k = i === bins.length - 1 ? left : binomial(left, Math.min(1, p / pLeft), rand);
    left -= k;
    pLeft -= p;
    seen += k;
    if (seen > rank) return bins[i][0];
  }
  return bins[bins.length - 1][0];
}

/**
 * 95 % CI of quantile_c / quantile_b by a seeded percentile bootstrap: each resample draws
 * both arms' observations again from their sketches' bins. Same evidence and seed, same interval.
 */
export function bootstrapRatioInterval(candidate: SketchData, baseline: SketchData, q: number, seed = 1, resamples = 1000): { ratio: number; low: number; high: number } {
  const bc = sketchBins(candidate);
  const bb = sketchBins(baseline);
  const tc = bc.reduce((t, [, w]) => t + w, 0);
  const tb = bb.reduce((t, [, w]) => t + w, 0);
  const ratio = quantile(candidate, q) / quantile(baseline, q);
  const rand = prng(seed);
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) ratios.push(resampleQuantile(bc, tc, q, rand) / resampleQuantile(bb, tb, q, rand));
  ratios.sort((a, b) => a - b);
  const at = (p: number) => ratios[Math.min(ratios.length - 1, Math.max(0, Math.floor(p * ratios.length)))];
  return { ratio, low: at(0.025), high: at(0.975) };
}

/** pass when the whole interval satisfies `op ratio`, fail when none of it does, else inconclusive */
export function intervalStatus(low: number, high: number, op: Op, bound: number): Status {
  const lowOk = compare(low, op, bound);
  const highOk = compare(high, op, bound);
  if (lowOk && highOk) return 'pass';
  if (op === '==') return low <= bound && bound <= high ? 'inconclusive' : 'fail';
  return !lowOk && !highOk ? 'fail' : 'inconclusive';
}

function evaluateRelative(c: z.infer<typeof ZRelativeCondition>, metric: TMetric | undefined, arms: Partial<Record<Arm, ArmEvidence>>, clip: Clip, opts: EvaluateOptions): CriterionResult {
  const stat = c.stat ?? 'mean';
  const name = `${metricName(c.metric, metric)}${stat === 'mean' ? '' : ` ${stat}`}`;
  const base = { kind: 'relative' as const, minSamples: c.minSamples };
  const ec = arms.candidate;
  const eb = arms.baseline;
  for (const [arm, e] of [['candidate', ec], ['baseline', eb]] as const) {
    if (e && 'error' in e) return { ...base, status: 'inconclusive', reason: 'source-error', n: 0, detail: `${name} ${arm}: source error: ${e.error}` };
  }
  let ratio: number;
  let low: number;
  let high: number;
  let method: 'delta' | 'bootstrap' | 'point';
  let n: number;
  if ((ec && 'value' in ec) || (eb && 'value' in eb)) {
    // a query gives one number per arm: there is no sample to build an interval from
    const vc = ec && 'value' in ec ? ec.value : NaN;
    const vb = eb && 'value' in eb ? eb.value : NaN;
    if (!Number.isFinite(vc) || !Number.isFinite(vb)) return { ...base, status: 'inconclusive', reason: 'non-finite', n: 0, detail: `${name}: candidate ${vc}, baseline ${vb}: not numbers to compare` };
    ratio = low = high = vc / vb;
    method = 'point';
    n = 1;
  } else {
    const bc = clip(ec && 'buckets' in ec ? ec.buckets : []);
    const bb = clip(eb && 'buckets' in eb ? eb.buckets : []);
    const wc = bc.reduce((t, b) => t + b.weight, 0);
    const wb = bb.reduce((t, b) => t + b.weight, 0);
    n = Math.min(wc, wb);
    if (!bc.length || !bb.length) {
      const missing = [!bc.length && 'candidate', !bb.length && 'baseline'].filter(Boolean).join(' and ');
      return { ...base, status: 'inconclusive', reason: 'no-data', n, detail: `waiting for data: no ${metricName(c.metric, metric)} ${missing} samples in the last ${c.window}` };
    }
    const need = c.minSamples ?? 2;
    if (n < need) return { ...base, status: 'inconclusive', reason: 'min-samples', n, detail: `waiting for data: ${formatNumber(n)} of ${formatNumber(need)} ${metricName(c.metric, metric)} samples in the smaller arm (candidate ${formatNumber(wc)}, baseline ${formatNumber(wb)})` };
    const mc = bc.reduce(mergeBuckets);
    const mb = bb.reduce(mergeBuckets);
    if (stat === 'mean') {
      if (mc.n < 2 || mb.n < 2) return { ...base, status: 'inconclusive', reason: 'min-samples', n, detail: `waiting for data: an interval needs at least 2 samples per arm (candidate ${mc.n}, baseline ${mb.n})` };
      ({ ratio, low, high } = deltaRatioInterval(mc, mb));
      method = 'delta';
    } else if (stat === 'p50' || stat === 'p90' || stat === 'p95' || stat === 'p99') {
      ({ ratio, low, high } = bootstrapRatioInterval(mc.sketch, mb.sketch, Number(stat.slice(1)) / 100, opts.seed ?? 1, opts.resamples ?? 1000));
      method = 'bootstrap';
    } else {
      // min, max, sum, count: compared as they are (no sampling distribution to speak of)
      ratio = low = high = statOf(mc, stat) / statOf(mb, stat);
      method = 'point';
    }
  }
  const baseValue = { ...base, n, value: ratio, interval: { low, high, method } };
  if (![ratio, low, high].every(Number.isFinite)) return { ...baseValue, status: 'inconclusive', reason: 'no-ratio', detail: `${name}: no ratio (the baseline is 0 or the data is not finite)` };
  const status = intervalStatus(low, high, c.op, c.ratio);
  const shown = method === 'point' ? `ratio ${formatNumber(ratio)}` : `ratio ${formatNumber(ratio)} (95 % CI ${formatNumber(low)}–${formatNumber(high)})`;
  const verdict = status === 'pass' ? `${c.op} ${formatNumber(c.ratio)}` : status === 'fail' ? `${NEGATED[c.op]} ${formatNumber(c.ratio)} (must be ${c.op} ${formatNumber(c.ratio)})` : `straddles ${formatNumber(c.ratio)}: not yet decided`;
  return { ...baseValue, status, reason: status === 'inconclusive' ? 'straddles' : undefined, detail: `${name} candidate/baseline ${shown} ${verdict}` };
}
