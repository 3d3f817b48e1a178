// Read models of the comparison dashboards (issue 8): a rollout's Evidence view, the dual-run
// mismatch drill-down and the product portfolio. Charts read the rollups only (metric and
// comparison buckets at the coarsest level the resolution allows, lib/queries/evidence.ts), so
// their cost follows the points drawn, not the samples behind them; the drill-down alone reads
// raw comparison rows, one page at a time by keyset. Criterion verdicts and soak come from
// lib/queries/phase-evidence.ts (evidence now + the evaluations the worker stored), readiness
// from lib/queries/readiness.ts — the same numbers the promote guard uses.
import { z } from 'zod';
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { badRequest, notFound } from '../errors';
import { parseDuration } from '../domain/duration';
import { armsOf, deltaRatioInterval, intervalStatus, statOf, timingOf, type Op, type Status, type TCondition, type TCriterion, type TMetric, type TRedFlag } from '../domain/criteria';
import { ARMS, mergeBuckets, type Arm, type MetricBucket, type Stat } from '../domain/evidence';
import { ACTIONS } from '../domain/lifecycle';
import type { TPlan } from '../domain/plan';
import type { Reason } from '../domain/readiness';
import { countAtMost, quantile, sketchBins, type SketchData } from '../domain/sketch';
import { comparisonSeries, comparisonWindow, levelFor, metricSeries, ZQueryDuration, ZQueryInstant } from './evidence';
import { criterionVerdicts } from './phase-evidence';
import { actorUserId, readinessOf } from './readiness';

// ── query parameters ─────────────────────────────────────────────────────────────────────────

const duration = ZQueryDuration;
const instant = ZQueryInstant;

/**
 * URLSearchParams → the schema's output; every problem named by its parameter (an unknown
 * parameter by its own name, not the query as a whole). A parameter given twice is refused.
 */
export function parseDashboardQuery<S extends z.ZodType>(schema: S, params: URLSearchParams): z.infer<S> {
  const errors: { path: string; message: string }[] = [];
  for (const k of new Set(params.keys())) if (params.getAll(k).length > 1) errors.push({ path: k, message: 'given more than once' });
  const r = schema.safeParse(Object.fromEntries(params.entries()));
  if (!r.success) {
    for (const i of r.error.issues) {
      if (i.code === 'unrecognized_keys') for (const k of i.keys) errors.push({ path: k, message: 'unknown parameter' });
      else errors.push({ path: i.path.length ? i.path.map(String).join('.') : '(query)', message: i.message });
    }
  }
  if (errors.length) throw badRequest(`invalid query: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  return (r as { data: z.infer<S> }).data;
}

/** Points per chart at most (an explicit resolution must be coarse enough for the range). */
export const DASHBOARD_MAX_POINTS = 500;
/** The range a dashboard may show at most. */
const MAX_RANGE_SECONDS = 90 * 86400;

export const ZEvidenceQuerySchema = z.strictObject({
  /** the range ends here (default now) */
  to: instant.optional(),
  window: duration('the range shown, ending at "to"')
    .default(24 * 3600)
    .refine((s) => s <= MAX_RANGE_SECONDS, 'at most 90d'),
  resolution: duration('the width of one point').optional(),
});
export type TEvidenceQuery = z.infer<typeof ZEvidenceQuerySchema>;

/** Widths a default resolution is chosen from: each a multiple of a rollup level. */
const RESOLUTIONS = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400];

/** At most this many points per chart, and rollup rows per series, by default. */
const DEFAULT_BUDGET = 200;

/**
 * The range and the width of one point. By default the finest width giving at most 200 points
 * AND reading at most 200 rollup rows per series (lib/queries/evidence.ts levelFor: a 15-minute
 * point reads three 5-minute buckets): the cost of a chart is the rows it reads, each with its
 * sketch, so 24h is drawn per hour (24 rows) rather than per 15 minutes (288 rows) — measured in
 * bench/dashboards.ts. An explicit resolution may go finer, up to 500 points.
 */
export function dashboardRange(q: TEvidenceQuery, now: Date): { from: Date; to: Date; resolution: number } {
  const to = q.to ?? now;
  const from = new Date(to.getTime() - q.window * 1000);
  const resolution = q.resolution ?? RESOLUTIONS.find((r) => q.window / r <= DEFAULT_BUDGET && q.window / levelFor(r) <= DEFAULT_BUDGET) ?? 86400;
  if (resolution < 60 || resolution % 60 !== 0) throw badRequest('resolution: a whole number of minutes (the rollups are per minute)', { errors: [{ path: 'resolution', message: 'a whole number of minutes, at least 1m' }] });
  if (q.window / resolution > DASHBOARD_MAX_POINTS) {
    throw badRequest(`resolution: ${Math.ceil(q.window / resolution)} points over this window; at most ${DASHBOARD_MAX_POINTS} (choose a coarser resolution)`, {
      errors: [{ path: 'resolution', message: `too fine for the window (at most ${DASHBOARD_MAX_POINTS} points)` }],
    });
  }
  return { from, to, resolution };
}

// ── pure parts: thresholds, labels, the ratio over time ──────────────────────────────────────

const OP_TEXT: Record<Op, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=' };

/** "error_rate candidate mean < 1 over 1h, held for 24h" */
export function describeCondition(c: TCondition, timing: { for?: string } = {}): string {
  const held = timing.for && parseDuration(timing.for) ? `, held for ${timing.for}` : '';
  if (c.kind === 'compatibility') return `compatible ≥ ${c.min} %${c.tolerance ? ` (numbers within ${c.tolerance} %)` : ''} over ${c.window}${c.minSamples ? `, n ≥ ${c.minSamples}` : ''}${held}`;
  if (c.kind === 'metric') return `${c.metric} ${c.arm} ${c.stat ?? 'mean'} ${OP_TEXT[c.op]} ${c.value} over ${c.window}${held}`;
  return `${c.metric} ${c.stat ?? 'mean'} candidate/baseline ${OP_TEXT[c.op]} ${c.ratio} over ${c.window}${held}`;
}

export interface Threshold {
  /** a criterion of the phase (must hold to leave it) or a red flag (acts when it holds) */
  source: 'criterion' | 'redFlag';
  index: number;
  arm: Arm;
  op: Op;
  value: number;
  window: string;
  label: string;
  severity?: string;
  action?: string;
}

export interface RatioPoint {
  at: string;
  ratio: number;
  low: number;
  high: number;
  status: Status;
}

const Z95 = 1.959963984540054;

/**
 * A distribution-free 95 % interval of one quantile from its sketch: the values at the ranks
 * n·q ∓ 1.96·√(n·q·(1−q)) (the binomial order-statistic interval).
 */
export function quantileInterval(s: SketchData, q: number): { value: number; low: number; high: number } {
  const n = sketchBins(s).reduce((t, [, w]) => t + w, 0);
  const half = Z95 * Math.sqrt(n * q * (1 - q));
  const at = (rank: number) => quantile(s, n > 1 ? Math.min(1, Math.max(0, rank / (n - 1))) : q);
  return { value: quantile(s, q), low: at(n * q - half), high: at(n * q + half) };
}

/**
 * 95 % interval of quantile_c / quantile_b for the chart's band: each arm's order-statistic
 * interval turned into a standard error on the log scale, combined as independent. The
 * criterion itself decides by the seeded bootstrap (1,000 resamples, lib/domain/criteria.ts) —
 * ~30 ms per evaluation, too slow for a band of a hundred points; this costs a sketch walk, and
 * the criteria list shows the criterion's own interval.
 */
export function quantileRatioInterval(candidate: SketchData, baseline: SketchData, q: number): { ratio: number; low: number; high: number } {
  const c = quantileInterval(candidate, q);
  const b = quantileInterval(baseline, q);
  const ratio = c.value / b.value;
  const se = (x: { low: number; high: number }) => (x.low > 0 && x.high > 0 ? Math.log(x.high / x.low) / (2 * Z95) : NaN);
  const half = Z95 * Math.sqrt(se(c) ** 2 + se(b) ** 2);
  return { ratio, low: ratio * Math.exp(-half), high: ratio * Math.exp(half) };
}

/**
 * A sliding window over time-ordered buckets: buckets enter and leave, and the sums and sketch
 * bins (all additive) are kept up to date, so each step costs one bucket in and out — not a merge
 * of the whole window. Min and max are not subtractable: `merged()` re-merges for those stats.
 */
class SlidingWindow {
  private lo = 0;
  private hi = 0;
  weight = 0;
  n = 0;
  sum = 0;
  sumSq = 0;
  private zero = 0;
  private readonly pos = new Map<string, number>();
  private readonly neg = new Map<string, number>();

  constructor(
    private readonly buckets: readonly MetricBucket[],
    private readonly withSketch: boolean,
  ) {}

  private apply(b: MetricBucket, sign: 1 | -1) {
    this.weight += sign * b.weight;
    this.n += sign * b.n;
    this.sum += sign * b.sum;
    this.sumSq += sign * b.sumSq;
    if (!this.withSketch) return;
    this.zero += sign * b.sketch.zero;
    for (const [side, map] of [[b.sketch.pos, this.pos], [b.sketch.neg, this.neg]] as const) {
      for (const [k, w] of Object.entries(side)) {
        const v = (map.get(k) ?? 0) + sign * Number(w);
        if (Math.abs(v) < 1e-9) map.delete(k);
        else map.set(k, v);
      }
    }
  }

  /** the buckets with start in (from, to) */
  moveTo(from: number, to: number) {
    while (this.hi < this.buckets.length && this.buckets[this.hi].start.getTime() < to) this.apply(this.buckets[this.hi++], 1);
    while (this.lo < this.hi && this.buckets[this.lo].start.getTime() <= from) this.apply(this.buckets[this.lo++], -1);
  }

  get empty() {
    return this.lo === this.hi;
  }

  sketch(): SketchData {
    return { zero: this.zero, pos: Object.fromEntries(this.pos), neg: Object.fromEntries(this.neg) };
  }

  merged(): MetricBucket {
    return this.buckets.slice(this.lo, this.hi).reduce(mergeBuckets);
  }
}

/**
 * The ratio candidate/baseline at each point over the criterion's window ending with that point
 * (at least one point wide; buckets overlapping it count whole): the delta method for means (as
 * the criterion), an order-statistic interval for percentiles (quantileRatioInterval), a plain
 * ratio for min/max/sum/count. A point without both arms, or with too few samples for an
 * interval, is left out (a gap, not a guess). Buckets must be in time order (as the series is).
 */
export function ratioSeries(arms: Record<Arm, MetricBucket[]>, stat: Stat, op: Op, bound: number, windowSeconds: number, resolutionSeconds: number): RatioPoint[] {
  const slots = [...new Set([...arms.baseline, ...arms.candidate].map((b) => b.start.getTime()))].sort((a, b) => a - b);
  const res = resolutionSeconds * 1000;
  const span = Math.max(windowSeconds, resolutionSeconds) * 1000;
  const quantileStat = stat === 'p50' || stat === 'p90' || stat === 'p95' || stat === 'p99';
  const wc = new SlidingWindow(arms.candidate, quantileStat);
  const wb = new SlidingWindow(arms.baseline, quantileStat);
  const out: RatioPoint[] = [];
  for (const t of slots) {
    const end = t + res;
    // a bucket [s, s + res) overlaps the window [end − span, end) when s > end − span − res
    wc.moveTo(end - span - res, end);
    wb.moveTo(end - span - res, end);
    if (wc.empty || wb.empty) continue;
    let r: { ratio: number; low: number; high: number };
    if (stat === 'mean') {
      if (wc.n < 2 || wb.n < 2) continue;
      r = deltaRatioInterval(wc, wb);
    } else if (quantileStat) {
      r = quantileRatioInterval(wc.sketch(), wb.sketch(), Number(stat.slice(1)) / 100);
    } else if (stat === 'sum' || stat === 'count') {
      const ratio = stat === 'sum' ? wc.sum / wb.sum : wc.weight / wb.weight;
      r = { ratio, low: ratio, high: ratio };
    } else {
      const ratio = statOf(wc.merged(), stat) / statOf(wb.merged(), stat);
      r = { ratio, low: ratio, high: ratio };
    }
    if (![r.ratio, r.low, r.high].every(Number.isFinite)) continue;
    out.push({ at: new Date(t).toISOString(), ...r, status: intervalStatus(r.low, r.high, op, bound) });
  }
  return out;
}

const PERCENTILES: readonly Stat[] = ['p50', 'p90', 'p95', 'p99'];

/**
 * A metric's series without the sketches: count, sums, min and max per point, from the same
 * rollup level metricSeries reads. Merging sketch bins is most of a series' cost (a few hundred
 * bins per bucket at volume), so a metric whose charts and ratios use no percentile skips it.
 */
async function statSeries(db: ReturnType<typeof prisma>, rolloutId: string, metric: string, from: Date, to: Date, resolution: number): Promise<Record<Arm, MetricBucket[]>> {
  const rows = await db.$queryRawUnsafe<{ slot: Date; arm: Arm; weight: number; n: number; sum: number; sum_sq: number; min: number; max: number }[]>(
    `SELECT date_bin(make_interval(secs => ${Math.floor(resolution)}), start, TIMESTAMPTZ 'epoch') AS slot, arm,
            sum(weight)::float8 AS weight, sum(n)::float8 AS n, sum(sum)::float8 AS sum, sum(sum_sq)::float8 AS sum_sq, min(min) AS min, max(max) AS max
     FROM metric_buckets
     WHERE rollout_id = $1::uuid AND metric = $2 AND resolution = $3 AND start >= $4::timestamptz AND start < $5::timestamptz
     GROUP BY slot, arm ORDER BY slot, arm`,
    rolloutId,
    metric,
    levelFor(resolution),
    // whole points, as metricSeries: from the point `from` falls in, through `to`
    new Date(Math.floor(from.getTime() / (resolution * 1000)) * resolution * 1000).toISOString(),
    new Date(to.getTime() + 1).toISOString(),
  );
  const out: Record<Arm, MetricBucket[]> = { baseline: [], candidate: [] };
  for (const r of rows) {
    out[r.arm]?.push({ start: new Date(r.slot), weight: Number(r.weight), n: Number(r.n), sum: Number(r.sum), sumSq: Number(r.sum_sq), min: Number(r.min), max: Number(r.max), sketch: { zero: 0, pos: {}, neg: {} } });
  }
  return out;
}

// ── the Evidence view ────────────────────────────────────────────────────────────────────────

export interface MetricPoint {
  at: string;
  baseline: number | null;
  candidate: number | null;
  /** Σ count behind each arm's point */
  baselineCount: number;
  candidateCount: number;
}

export interface MetricPanel {
  metric: string;
  label: string;
  unit: string | null;
  better: 'lower' | 'higher';
  /** the statistic drawn per point (the one its criteria and red flags use) */
  stat: Stat;
  arms: Arm[];
  /** pushed samples are charted; a Prometheus metric is queried by the evaluator only */
  source: 'pushed' | 'prometheus';
  points: MetricPoint[];
  thresholds: Threshold[];
}

export interface RatioPanel {
  /** the relative criterion's position in the phase */
  index: number;
  metric: string;
  label: string;
  stat: Stat;
  op: Op;
  bound: number;
  window: string;
  points: RatioPoint[];
}

export interface CriterionView {
  index: number;
  kind: TCriterion['kind'];
  label: string;
  status: Reason['status'];
  detail: string;
  /** `for` in seconds (0: must hold now) */
  forSeconds: number;
  soak: { heldSeconds: number; requiredSeconds: number; leftSeconds: number; since: string | null } | null;
}

export interface TransitionMark {
  at: string;
  action: string;
  fromPhase: string | null;
  toPhase: string | null;
  toStatus: string | null;
  actor: string;
  label: string;
}

export interface RedFlagTripView {
  at: string;
  phase: string;
  severity: string;
  action: string;
  outcome: string;
  detail: string;
}

export interface EvidenceDashboard {
  key: string;
  name: string;
  status: string;
  version: number;
  phase: { key: string; name: string; enteredAt: string | null } | null;
  from: string;
  to: string;
  resolutionSeconds: number;
  metrics: MetricPanel[];
  ratios: RatioPanel[];
  criteria: CriterionView[];
  /** what the evaluator stored for this phase entry (soak and debounce are derived from these) */
  evaluations: { recorded: number; last: string | null };
  redFlags: { configured: { index: number; label: string; severity: string; action: string; after: number; interval: string }[]; trips: RedFlagTripView[] };
  transitions: TransitionMark[];
  compatibility: {
    /** from the phase's first compatibility criterion, if any */
    min: number | null;
    tolerance: number;
    points: { at: string; n: number; compatible: number; rate: number }[];
    total: { n: number; compatible: number; mismatches: number; rate: number | null };
    categories: { category: string; count: number }[];
  };
}

const TRANSITION_LABEL: Record<string, string> = { start: 'Start', promote: 'Promote', pause: 'Pause', resume: 'Resume', rollback: 'Rollback', abort: 'Abort' };

function phaseOfPlan(plan: Partial<TPlan>, key: string | undefined) {
  return key ? plan.phases?.find((p) => p.key === key) : undefined;
}

export async function getEvidenceDashboard(actor: Actor, key: string, q: TEvidenceQuery, now = new Date()): Promise<EvidenceDashboard> {
  authorize(actor, 'rollout.read');
  const db = prisma();
  const r = await db.rollout.findUnique({ where: { key }, include: { phases: { orderBy: { index: 'asc' } } } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  const { from, to, resolution } = dashboardRange(q, now);
  const plan = (r.plan ?? {}) as Partial<TPlan>;
  const current = r.currentPhaseIndex === null ? null : r.phases[r.currentPhaseIndex];
  const planPhase = phaseOfPlan(plan, current?.key);
  const criteria: TCriterion[] = planPhase?.criteria ?? [];
  const redFlags: TRedFlag[] = planPhase?.redFlags ?? [];
  const metrics: TMetric[] = plan.metrics ?? [];

  // one chart per metric and statistic its criteria and red flags use (mean when none)
  const charts: { metric: TMetric; stat: Stat }[] = [];
  for (const m of metrics) {
    const stats = new Set<Stat>();
    for (const c of [...criteria, ...redFlags.map((f) => f.when)]) if (c.kind === 'metric' && c.metric === m.key) stats.add(c.stat ?? 'mean');
    if (!stats.size) stats.add('mean');
    for (const stat of stats) charts.push({ metric: m, stat });
  }
  const pushed = metrics.filter((m) => !m.source?.prometheus);
  const compat = criteria.find((c) => c.kind === 'compatibility');
  const tolerance = compat?.kind === 'compatibility' ? (compat.tolerance ?? 0) : 0;

  const [series, verdicts, evaluations, trips, audit, compSeries, compTotal] = await Promise.all([
    Promise.all(
      pushed.map(async (m) => {
        const needsSketch = charts.some((c) => c.metric.key === m.key && PERCENTILES.includes(c.stat)) || criteria.some((c) => c.kind === 'relative' && c.metric === m.key && PERCENTILES.includes(c.stat ?? 'mean'));
        const s = needsSketch ? await metricSeries(db, { rolloutId: r.id, metric: m.key, from, to }, resolution) : await statSeries(db, r.id, m.key, from, to, resolution);
        return [m.key, s] as const;
      }),
    ).then((e) => new Map(e)),
    criterionVerdicts(db, r, now),
    current && r.phaseEnteredAt
      ? db.criterionEvaluation.aggregate({ where: { rolloutId: r.id, phaseKey: current.key, phaseEnteredAt: r.phaseEnteredAt, kind: 'criterion' }, _count: { _all: true }, _max: { evaluatedAt: true } })
      : null,
    db.redFlagTrip.findMany({ where: { rolloutId: r.id, createdAt: { gte: from, lte: to } }, orderBy: { createdAt: 'asc' }, take: 200 }),
    db.auditEvent.findMany({ where: { rolloutId: r.id, action: { in: [...ACTIONS] }, createdAt: { gte: from, lte: to } }, orderBy: { id: 'asc' }, take: 200 }),
    comparisonSeries(db, { rolloutId: r.id, from, to }, resolution),
    comparisonWindow(db, { rolloutId: r.id, from, to }),
  ]);

  const thresholdsOf = (metric: string, stat: Stat): Threshold[] => {
    const out: Threshold[] = [];
    criteria.forEach((c, index) => {
      if (c.kind === 'metric' && c.metric === metric && (c.stat ?? 'mean') === stat) out.push({ source: 'criterion', index, arm: c.arm, op: c.op, value: c.value, window: c.window, label: describeCondition(c, c) });
    });
    redFlags.forEach((f, index) => {
      const c = f.when;
      if (c.kind === 'metric' && c.metric === metric && (c.stat ?? 'mean') === stat) {
        out.push({ source: 'redFlag', index, arm: c.arm, op: c.op, value: c.value, window: c.window, label: `red flag (${f.severity}, ${f.action}): ${describeCondition(c)}`, severity: f.severity, action: f.action });
      }
    });
    return out;
  };

  const metricPanels: MetricPanel[] = charts.map(({ metric: m, stat }) => {
    const s = series.get(m.key);
    const byAt = new Map<string, MetricPoint>();
    for (const arm of ARMS) {
      for (const b of s?.[arm] ?? []) {
        const at = b.start.toISOString();
        const p = byAt.get(at) ?? { at, baseline: null, candidate: null, baselineCount: 0, candidateCount: 0 };
        const v = statOf(b, stat);
        p[arm] = Number.isFinite(v) ? v : null;
        if (arm === 'baseline') p.baselineCount = b.weight;
        else p.candidateCount = b.weight;
        byAt.set(at, p);
      }
    }
    return {
      metric: m.key,
      label: m.label ?? m.key,
      unit: m.unit ?? null,
      better: m.better,
      stat,
      arms: armsOf(m),
      source: m.source?.prometheus ? 'prometheus' : 'pushed',
      points: [...byAt.values()].sort((a, b) => a.at.localeCompare(b.at)),
      thresholds: thresholdsOf(m.key, stat),
    };
  });

  const ratios: RatioPanel[] = [];
  criteria.forEach((c, index) => {
    if (c.kind !== 'relative') return;
    const s = series.get(c.metric);
    const stat = c.stat ?? 'mean';
    ratios.push({
      index,
      metric: c.metric,
      label: describeCondition(c, c),
      stat,
      op: c.op,
      bound: c.ratio,
      window: c.window,
      points: s ? ratioSeries(s, stat, c.op, c.ratio, timingOf(c).window, resolution) : [],
    });
  });

  const compatibleOf = (b: { compatibleTrue: number; numeric: Parameters<typeof countAtMost>[0] }) => b.compatibleTrue + countAtMost(b.numeric, tolerance);
  const totalCompatible = compTotal ? compatibleOf(compTotal) : 0;

  return {
    key: r.key,
    name: r.name,
    status: r.status,
    version: r.version,
    phase: current ? { key: current.key, name: current.name, enteredAt: r.phaseEnteredAt?.toISOString() ?? null } : null,
    from: from.toISOString(),
    to: to.toISOString(),
    resolutionSeconds: resolution,
    metrics: metricPanels,
    ratios,
    criteria: verdicts.map((v, i) => {
      const c = criteria[i];
      const soak = v.soak as CriterionView['soak'] | undefined;
      return { index: i, kind: v.kind, label: c ? describeCondition(c, c) : v.kind, status: v.status, detail: v.detail, forSeconds: c ? timingOf(c).for : 0, soak: soak ?? null };
    }),
    evaluations: { recorded: evaluations?._count._all ?? 0, last: evaluations?._max.evaluatedAt?.toISOString() ?? null },
    redFlags: {
      configured: redFlags.map((f, index) => ({ index, label: describeCondition(f.when), severity: f.severity, action: f.action, after: f.after, interval: f.interval })),
      trips: trips.map((t) => ({ at: t.createdAt.toISOString(), phase: t.phaseKey, severity: t.severity, action: t.action, outcome: t.outcome, detail: t.detail })),
    },
    transitions: audit.map((e) => ({
      at: e.createdAt.toISOString(),
      action: e.action,
      fromPhase: e.fromPhase,
      toPhase: e.toPhase,
      toStatus: e.toStatus,
      actor: e.actorName,
      label: `${TRANSITION_LABEL[e.action] ?? e.action}${e.toPhase ? ` → ${e.toPhase}` : e.toStatus ? ` → ${e.toStatus.replace('_', ' ')}` : ''}`,
    })),
    compatibility: {
      min: compat?.kind === 'compatibility' ? compat.min : null,
      tolerance,
      points: compSeries.map((b) => ({ at: b.start.toISOString(), n: b.n, compatible: compatibleOf(b), rate: (compatibleOf(b) / b.n) * 100 })),
      total: { n: compTotal?.n ?? 0, compatible: totalCompatible, mismatches: (compTotal?.n ?? 0) - totalCompatible, rate: compTotal?.n ? (totalCompatible / compTotal.n) * 100 : null },
      categories: Object.entries(compTotal?.categories ?? {})
        .map(([category, count]) => ({ category, count: Number(count) }))
        .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category)),
    },
  };
}

// ── the drill-down: raw comparison rows, paged ───────────────────────────────────────────────

export const NO_CATEGORY = '(none)';

export const ZComparisonRowsQuerySchema = z.strictObject({
  to: instant.optional(),
  window: duration('the range, ending at "to"').default(24 * 3600),
  /** a category, or "(none)" for results without one; absent: every result */
  category: z.string().min(1, 'must not be empty').max(200, 'at most 200 characters').optional(),
  /** mismatch: compatible false, or numbers further apart than `tolerance` % */
  outcome: z.enum(['any', 'mismatch', 'compatible'], { error: 'expected any, mismatch or compatible' }).default('any'),
  tolerance: z.coerce.number({ error: 'expected a number (percent)' }).min(0, 'must be ≥ 0').max(1e6, 'at most 1,000,000').default(0),
  limit: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(1, 'at least 1').max(200, 'at most 200').default(50),
  /** nextCursor of the previous page */
  cursor: z
    .string()
    .regex(/^\d{13,}_\d{1,19}$/, 'expected the nextCursor of a previous page')
    .optional(),
});
export type TComparisonRowsQuery = z.infer<typeof ZComparisonRowsQuerySchema>;

export interface ComparisonRowView {
  id: string;
  at: string;
  ref: string | null;
  compatible: boolean | null;
  baseline: number | null;
  candidate: number | null;
  /** |candidate − baseline| / |baseline| in % for numeric pairs */
  diffPercent: number | null;
  category: string | null;
  fields: unknown;
}

interface RawComparisonRow {
  id: bigint;
  at: Date;
  ref: string | null;
  compatible: boolean | null;
  baseline: number | null;
  candidate: number | null;
  diff: number | null;
  category: string | null;
  fields: unknown;
}

/** Newest first, `limit` per page; `nextCursor` reads the next (older) page, null at the end. */
export async function getComparisonRows(actor: Actor, key: string, q: TComparisonRowsQuery, now = new Date()): Promise<{ key: string; from: string; to: string; rows: ComparisonRowView[]; nextCursor: string | null }> {
  authorize(actor, 'rollout.read');
  const db = prisma();
  const r = await db.rollout.findUnique({ where: { key }, select: { id: true, key: true } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  const to = q.to ?? now;
  const from = new Date(to.getTime() - q.window * 1000);
  const [cursorAt, cursorId] = q.cursor ? q.cursor.split('_') : [null, null];
  // the numbers' difference as lib/domain/evidence.ts diffPercent (a baseline of 0: infinite unless equal)
  const diff = `CASE WHEN c.baseline IS NULL OR c.candidate IS NULL THEN NULL WHEN c.baseline = c.candidate THEN 0 WHEN c.baseline = 0 THEN 'Infinity'::float8 ELSE abs(c.candidate - c.baseline) / abs(c.baseline) * 100 END`;
  const outcome =
    q.outcome === 'mismatch'
      ? `AND (c.compatible = false OR (c.compatible IS NULL AND (${diff}) > $5))`
      : q.outcome === 'compatible'
        ? `AND (c.compatible = true OR (c.compatible IS NULL AND (${diff}) <= $5))`
        : 'AND $5::float8 IS NOT NULL';
  const category = q.category === undefined ? 'AND $6::text IS NULL' : q.category === NO_CATEGORY ? 'AND c.category IS NULL AND $6::text IS NOT NULL' : 'AND c.category = $6';
  const rows = await db.$queryRawUnsafe<RawComparisonRow[]>(
    `SELECT c.id, c.at, c.ref, c.compatible, c.baseline, c.candidate, (${diff}) AS diff, c.category, c.fields
     FROM comparisons c
     WHERE c.rollout_id = $1::uuid AND c.at >= $2::timestamptz AND c.at <= $3::timestamptz
       AND ($4::timestamptz IS NULL OR (c.at, c.id) < ($4::timestamptz, $7::bigint))
       ${outcome} ${category}
     ORDER BY c.at DESC, c.id DESC
     LIMIT $8`,
    r.id,
    from.toISOString(),
    to.toISOString(),
    cursorAt ? new Date(Number(cursorAt)).toISOString() : null,
    q.tolerance,
    q.category ?? null,
    cursorId ?? '0',
    q.limit + 1,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    key: r.key,
    from: from.toISOString(),
    to: to.toISOString(),
    rows: page.map((c) => ({
      id: c.id.toString(),
      at: new Date(c.at).toISOString(),
      ref: c.ref,
      compatible: c.compatible,
      baseline: c.baseline,
      candidate: c.candidate,
      diffPercent: c.diff === null ? null : Number.isFinite(Number(c.diff)) ? Number(c.diff) : null,
      category: c.category,
      fields: c.fields ?? null,
    })),
    nextCursor: rows.length > q.limit && last ? `${new Date(last.at).getTime()}_${last.id}` : null,
  };
}

// ── the portfolio ────────────────────────────────────────────────────────────────────────────

export interface PortfolioEntry {
  key: string;
  name: string;
  owner: string;
  status: string;
  phase: { key: string; name: string; index: number } | null;
  phaseCount: number;
  /** when the current phase was entered, seconds in it and its planned minimum */
  phaseEnteredAt: string | null;
  inPhaseSeconds: number | null;
  plannedSeconds: number;
  ready: boolean;
  /** the step readiness is about */
  action: 'start' | 'promote' | null;
  /** the first reason that does not pass (what blocks the step), null when ready */
  firstFailing: { kind: string; status: string; detail: string } | null;
  failingCount: number;
  lastRedFlag: RedFlagTripView | null;
}

/** Every active and paused rollout: phase, readiness at a glance, time in phase vs planned, last red flag. */
export async function getPortfolio(actor: Actor, now = new Date()): Promise<{ at: string; rollouts: PortfolioEntry[] }> {
  authorize(actor, 'rollout.read');
  const db = prisma();
  const rows = await db.rollout.findMany({
    where: { status: { in: ['active', 'paused'] } },
    include: { phases: { orderBy: { index: 'asc' } } },
    orderBy: [{ status: 'asc' }, { updatedAt: 'desc' }],
  });
  const ids = rows.map((r) => r.id);
  // the newest trip of each rollout: one row per rollout from the (rollout_id, created_at) index
  const lastTrips = ids.length
    ? await db.$queryRaw<{ rollout_id: string; created_at: Date; phase_key: string; severity: string; action: string; outcome: string; detail: string }[]>`
        SELECT DISTINCT ON (rollout_id) rollout_id, created_at, phase_key, severity, action, outcome, detail
        FROM red_flag_trips WHERE rollout_id = ANY(${ids}::uuid[]) ORDER BY rollout_id, created_at DESC`
    : [];
  const tripOf = new Map(lastTrips.map((t) => [t.rollout_id, t]));
  const userId = actorUserId(actor);
  const rollouts = await Promise.all(
    rows.map(async (r): Promise<PortfolioEntry> => {
      const readiness = await readinessOf(db, r, userId, now);
      const failing = readiness.reasons.filter((x) => x.status !== 'pass');
      const cur = r.currentPhaseIndex === null ? null : r.phases[r.currentPhaseIndex];
      const trip = tripOf.get(r.id);
      return {
        key: r.key,
        name: r.name,
        owner: r.owner,
        status: r.status,
        phase: cur ? { key: cur.key, name: cur.name, index: cur.index } : null,
        phaseCount: r.phases.length,
        phaseEnteredAt: r.phaseEnteredAt?.toISOString() ?? null,
        inPhaseSeconds: r.phaseEnteredAt ? Math.max(0, Math.floor((now.getTime() - r.phaseEnteredAt.getTime()) / 1000)) : null,
        plannedSeconds: cur?.minDurationSeconds ?? 0,
        ready: readiness.ready,
        action: readiness.action,
        firstFailing: failing[0] ? { kind: failing[0].kind, status: failing[0].status, detail: failing[0].detail } : null,
        failingCount: failing.length,
        lastRedFlag: trip ? { at: new Date(trip.created_at).toISOString(), phase: trip.phase_key, severity: trip.severity, action: trip.action, outcome: trip.outcome, detail: trip.detail } : null,
      };
    }),
  );
  return { at: now.toISOString(), rollouts };
}
