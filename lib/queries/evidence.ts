// Read models over the evidence rollups (never the raw rows): the merged buckets of a window for
// the criteria evaluator, and time series for the dashboards, merged to the requested
// resolution in SQL (date_bin; sketch bins summed by key). Ingest writes every minute and the
// same minutes merged per 5 minutes and per hour (ROLLUP_LEVELS), so a window is covered by its
// whole hours, then whole 5-minute blocks, then single minutes at its edges (coverWindow), and a
// series reads the coarsest level its resolution is a multiple of. The cost follows the buckets
// read (a few dozen for a day), not the samples behind them — and a sketch has at most a few
// hundred bins whatever it holds, so 1M samples cost about what 10k do.
import { z } from 'zod';
import { authorize, type Actor } from '../auth/actor';
import { prisma, type Tx } from '../db';
import { badRequest, notFound } from '../errors';
import { parseDuration } from '../domain/duration';
import { ARMS, type Arm, type ComparisonBucket, type MetricBucket } from '../domain/evidence';
import { countAtMost, quantile, type SketchData } from '../domain/sketch';
import { formatPath } from '../domain/plan';

type Client = Tx | ReturnType<typeof prisma>;

/** Rollup levels in seconds, finest first: each divides the next. */
export const ROLLUP_LEVELS = [60, 300, 3600] as const;

export function floorTo(d: Date, seconds: number): Date {
  const ms = seconds * 1000;
  return new Date(Math.floor(d.getTime() / ms) * ms);
}
const ceilTo = (d: Date, seconds: number) => new Date(Math.ceil(d.getTime() / (seconds * 1000)) * seconds * 1000);

export interface Piece {
  resolution: number;
  /** bucket starts in [from, to) */
  from: Date;
  to: Date;
}

/**
 * The buckets that hold exactly the minutes starting in [from, to] (lib/domain/evidence.ts
 * inWindow): the whole hours inside, then whole 5-minute blocks, then single minutes.
 */
export function coverWindow(from: Date, to: Date): Piece[] {
  const pieces: Piece[] = [];
  const cover = (a: Date, b: Date, levels: readonly number[]) => {
    if (a.getTime() >= b.getTime()) return;
    const [level, ...finer] = levels;
    if (!finer.length) {
      pieces.push({ resolution: level, from: a, to: b });
      return;
    }
    const lo = ceilTo(a, level);
    const hi = floorTo(b, level);
    if (lo.getTime() >= hi.getTime()) return cover(a, b, finer);
    pieces.push({ resolution: level, from: lo, to: hi });
    cover(a, lo, finer);
    cover(hi, b, finer);
  };
  // minute starts m with from ≤ m ≤ to: the half-open range [ceil(from), floor(to) + 1 min)
  cover(ceilTo(from, 60), new Date(floorTo(to, 60).getTime() + 60_000), [...ROLLUP_LEVELS].reverse());
  return pieces.sort((x, y) => x.from.getTime() - y.from.getTime());
}

/** For a series: the coarsest level the resolution is a multiple of. */
export function levelFor(resolutionSeconds: number): number {
  return [...ROLLUP_LEVELS].reverse().find((l) => resolutionSeconds % l === 0) ?? 60;
}

/** `start` conditions for the pieces, as SQL over the params $p… (resolution[], from[], to[]) */
function piecesParams(pieces: Piece[]) {
  return [pieces.map((p) => p.resolution), pieces.map((p) => p.from.toISOString()), pieces.map((p) => p.to.toISOString())];
}

export interface MetricWindow {
  rolloutId: string;
  metric: string;
  /** one arm, or both */
  arm?: Arm;
  /** inclusive */
  from: Date;
  /** inclusive (a bucket starting at `to` is in: the newest, partial minute) */
  to: Date;
}

interface MetricRow {
  slot: Date;
  arm: string;
  weight: number;
  n: number;
  sum: number;
  sum_sq: number;
  min: number;
  max: number;
  zero: number;
  pos: Record<string, number>;
  neg: Record<string, number>;
}

/**
 * Minute buckets in [from, to] merged per slot (`resolutionSeconds`, aligned to the Unix epoch)
 * or over the whole window (null), per arm.
 */
async function mergedMetricRows(db: Client, w: MetricWindow, resolutionSeconds: number | null): Promise<MetricRow[]> {
  // a window: its cover; a series: one level, from the slot `from` falls in (whole slots)
  const pieces =
    resolutionSeconds === null
      ? coverWindow(w.from, w.to)
      : [{ resolution: levelFor(resolutionSeconds), from: floorTo(w.from, resolutionSeconds), to: new Date(w.to.getTime() + 1) }];
  const slot = resolutionSeconds === null ? '$7::timestamptz' : `date_bin(make_interval(secs => ${Math.floor(resolutionSeconds)}), b.start, TIMESTAMPTZ 'epoch')`;
  const [res, lo, hi] = piecesParams(pieces);
  const extra = resolutionSeconds === null ? [w.from.toISOString()] : [];
  return db.$queryRawUnsafe<MetricRow[]>(
    `WITH b AS (
       SELECT ${slot} AS slot, b.arm, b.weight, b.n, b.sum, b.sum_sq, b.min, b.max, b.sketch
       FROM unnest($4::int[], $5::timestamptz[], $6::timestamptz[]) AS p(res, lo, hi)
       JOIN metric_buckets b ON b.rollout_id = $1::uuid AND b.metric = $2 AND b.arm = ANY($3::text[])
                             AND b.resolution = p.res AND b.start >= p.lo AND b.start < p.hi
     ), stats AS (
       SELECT slot, arm, sum(weight)::float8 AS weight, sum(n)::float8 AS n, sum(sum)::float8 AS sum, sum(sum_sq)::float8 AS sum_sq,
              min(min) AS min, max(max) AS max, sum((sketch->>'zero')::float8) AS zero
       FROM b GROUP BY slot, arm
     ), bins AS (
       SELECT b.slot, b.arm, s.side, e.key, sum(e.value::float8) AS w
       FROM b
       CROSS JOIN LATERAL (VALUES ('pos', b.sketch->'pos'), ('neg', b.sketch->'neg')) AS s(side, m)
       CROSS JOIN LATERAL jsonb_each_text(s.m) AS e
       GROUP BY b.slot, b.arm, s.side, e.key
     ), sk AS (
       SELECT slot, arm, jsonb_object_agg(key, w) FILTER (WHERE side = 'pos') AS pos, jsonb_object_agg(key, w) FILTER (WHERE side = 'neg') AS neg
       FROM bins GROUP BY slot, arm
     )
     SELECT stats.*, coalesce(sk.pos, '{}'::jsonb) AS pos, coalesce(sk.neg, '{}'::jsonb) AS neg
     FROM stats LEFT JOIN sk USING (slot, arm)
     ORDER BY stats.slot, stats.arm`,
    w.rolloutId,
    w.metric,
    w.arm ? [w.arm] : [...ARMS],
    res,
    lo,
    hi,
    ...extra,
  );
}

const toBucket = (r: MetricRow): MetricBucket => ({
  start: new Date(r.slot),
  weight: Number(r.weight),
  n: Number(r.n),
  sum: Number(r.sum),
  sumSq: Number(r.sum_sq),
  min: Number(r.min),
  max: Number(r.max),
  sketch: { zero: Number(r.zero), pos: r.pos, neg: r.neg },
});

/** One metric and arm over [from, to], merged (what a criterion reads); null when there is no data. */
export async function metricWindow(db: Client, w: MetricWindow & { arm: Arm }): Promise<MetricBucket | null> {
  const rows = await mergedMetricRows(db, w, null);
  return rows.length ? { ...toBucket(rows[0]), start: w.from } : null;
}

/** Both arms of a metric over [from, to], merged (for relative criteria); an arm without data is null. */
export async function metricWindowBothArms(db: Client, w: Omit<MetricWindow, 'arm'>): Promise<Record<Arm, MetricBucket | null>> {
  const rows = await mergedMetricRows(db, w, null);
  const of = (arm: Arm) => rows.find((r) => r.arm === arm);
  return { baseline: of('baseline') ? { ...toBucket(of('baseline')!), start: w.from } : null, candidate: of('candidate') ? { ...toBucket(of('candidate')!), start: w.from } : null };
}

/** Merged buckets per slot and arm, in time order. */
export async function metricSeries(db: Client, w: MetricWindow, resolutionSeconds: number): Promise<Record<Arm, MetricBucket[]>> {
  const rows = await mergedMetricRows(db, w, resolutionSeconds);
  const out: Record<Arm, MetricBucket[]> = { baseline: [], candidate: [] };
  for (const r of rows) out[r.arm as Arm]?.push(toBucket(r));
  return out;
}

interface ComparisonRow {
  slot: Date;
  n: number;
  ct: number;
  cf: number;
  zero: number;
  pos: Record<string, number>;
  neg: Record<string, number>;
  categories: Record<string, number>;
}

async function mergedComparisonRows(db: Client, w: Omit<MetricWindow, 'metric' | 'arm'>, resolutionSeconds: number | null): Promise<ComparisonRow[]> {
  const pieces =
    resolutionSeconds === null
      ? coverWindow(w.from, w.to)
      : [{ resolution: levelFor(resolutionSeconds), from: floorTo(w.from, resolutionSeconds), to: new Date(w.to.getTime() + 1) }];
  const slot = resolutionSeconds === null ? '$5::timestamptz' : `date_bin(make_interval(secs => ${Math.floor(resolutionSeconds)}), b.start, TIMESTAMPTZ 'epoch')`;
  const [res, lo, hi] = piecesParams(pieces);
  const extra = resolutionSeconds === null ? [w.from.toISOString()] : [];
  return db.$queryRawUnsafe<ComparisonRow[]>(
    `WITH b AS (
       SELECT ${slot} AS slot, b.n, b.compatible_true, b.compatible_false, b.numeric, b.categories
       FROM unnest($2::int[], $3::timestamptz[], $4::timestamptz[]) AS p(res, lo, hi)
       JOIN comparison_buckets b ON b.rollout_id = $1::uuid AND b.resolution = p.res AND b.start >= p.lo AND b.start < p.hi
     ), stats AS (
       SELECT slot, sum(n)::float8 AS n, sum(compatible_true)::float8 AS ct, sum(compatible_false)::float8 AS cf, sum((numeric->>'zero')::float8) AS zero
       FROM b GROUP BY slot
     ), bins AS (
       SELECT b.slot, s.side, e.key, sum(e.value::float8) AS w
       FROM b
       CROSS JOIN LATERAL (VALUES ('pos', b.numeric->'pos'), ('neg', b.numeric->'neg'), ('cat', b.categories)) AS s(side, m)
       CROSS JOIN LATERAL jsonb_each_text(s.m) AS e
       GROUP BY b.slot, s.side, e.key
     ), agg AS (
       SELECT slot,
              jsonb_object_agg(key, w) FILTER (WHERE side = 'pos') AS pos,
              jsonb_object_agg(key, w) FILTER (WHERE side = 'neg') AS neg,
              jsonb_object_agg(key, w) FILTER (WHERE side = 'cat') AS categories
       FROM bins GROUP BY slot
     )
     SELECT stats.*, coalesce(agg.pos, '{}'::jsonb) AS pos, coalesce(agg.neg, '{}'::jsonb) AS neg, coalesce(agg.categories, '{}'::jsonb) AS categories
     FROM stats LEFT JOIN agg USING (slot)
     ORDER BY stats.slot`,
    w.rolloutId,
    res,
    lo,
    hi,
    ...extra,
  );
}

const toComparisonBucket = (r: ComparisonRow): ComparisonBucket => ({
  start: new Date(r.slot),
  n: Number(r.n),
  compatibleTrue: Number(r.ct),
  compatibleFalse: Number(r.cf),
  numeric: { zero: Number(r.zero), pos: r.pos, neg: r.neg },
  categories: r.categories,
});

/** Every comparison of a rollout in [from, to], merged (what a compatibility criterion reads); null when none. */
export async function comparisonWindow(db: Client, w: Omit<MetricWindow, 'metric' | 'arm'>): Promise<ComparisonBucket | null> {
  const rows = await mergedComparisonRows(db, w, null);
  return rows.length ? { ...toComparisonBucket(rows[0]), start: w.from } : null;
}

export async function comparisonSeries(db: Client, w: Omit<MetricWindow, 'metric' | 'arm'>, resolutionSeconds: number): Promise<ComparisonBucket[]> {
  return (await mergedComparisonRows(db, w, resolutionSeconds)).map(toComparisonBucket);
}

// ── the dashboard endpoints (GET …/metrics, GET …/comparisons) ────────────────────────────────

/** Points per series at most: resolution must be coarse enough for the range */
export const SERIES_MAX_POINTS = 2_000;

/** A query-string duration ("5m", "1h", "7d") as seconds > 0; `what` names the parameter in the message. */
export const ZQueryDuration = (what: string) =>
  z.string().transform((s, ctx) => {
    const secs = parseDuration(s);
    if (secs === null || secs <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 5m, 1h or 7d (${what})` });
      return z.NEVER;
    }
    return secs;
  });
/** A query-string instant (RFC 3339 with a zone) as a Date. */
export const ZQueryInstant = z.iso.datetime({ offset: true, error: 'expected an RFC 3339 date-time, e.g. 2026-12-01T10:00:00Z' }).transform((s) => new Date(s));
const duration = ZQueryDuration;
const instant = ZQueryInstant;

export const ZSeriesQuerySchema = z.strictObject({
  /** the range: from … to (default: the last `window` before now) */
  from: instant.optional(),
  to: instant.optional(),
  window: duration('the range when "from" is not given').default(24 * 3600),
  resolution: duration('the width of one point').optional(),
});
export const ZMetricSeriesQuerySchema = ZSeriesQuerySchema.extend({
  metric: z.string({ error: 'required: the metric key' }).min(1, 'must not be empty'),
  arm: z.enum(ARMS, { error: `expected one of ${ARMS.join(', ')}` }).optional(),
});
export const ZComparisonSeriesQuerySchema = ZSeriesQuerySchema.extend({
  /** % within which a numeric pair counts as compatible (as a compatibility criterion's tolerance) */
  tolerance: z.coerce.number({ error: 'expected a number (percent)' }).min(0, 'must be ≥ 0').max(1e6).default(0),
});

/** URLSearchParams → the schema's input, every problem named by its query parameter */
export function parseQuery<S extends z.ZodType>(schema: S, params: URLSearchParams): z.infer<S> {
  const r = schema.safeParse(Object.fromEntries(params.entries()));
  if (!r.success) {
    const errors = r.error.issues.map((i) => ({ path: formatPath(i.path, '(query)'), message: i.message }));
    throw badRequest(`invalid query: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
  return r.data;
}

function range(q: z.infer<typeof ZSeriesQuerySchema>, now: Date) {
  const to = q.to ?? now;
  const from = q.from ?? new Date(to.getTime() - q.window * 1000);
  if (from.getTime() > to.getTime()) throw badRequest('"from" is after "to"', { errors: [{ path: 'from', message: 'after "to"' }] });
  const span = (to.getTime() - from.getTime()) / 1000;
  // a sensible default: ≤ ~300 points, at least one minute
  const resolution = q.resolution ?? Math.max(60, [60, 300, 900, 3600, 6 * 3600, 86400].find((r) => span / r <= 300) ?? 86400);
  if (resolution < 60) throw badRequest('resolution: at least 1m (the rollups are per minute)', { errors: [{ path: 'resolution', message: 'at least 1m' }] });
  if (span / resolution > SERIES_MAX_POINTS) {
    throw badRequest(`resolution: ${span / resolution | 0} points over this range; at most ${SERIES_MAX_POINTS} (choose a coarser resolution)`, { errors: [{ path: 'resolution', message: `too fine for the range (at most ${SERIES_MAX_POINTS} points)` }] });
  }
  return { from, to, resolution };
}

async function rolloutForRead(actor: Actor, key: string) {
  authorize(actor, 'rollout.read');
  const r = await prisma().rollout.findUnique({ where: { key }, select: { id: true, key: true, plan: true } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  return r;
}

export interface SeriesPoint {
  at: string;
  /** Σ count */
  count: number;
  /** samples (rows) */
  samples: number;
  mean: number;
  min: number;
  max: number;
  sum: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

const pointOf = (b: MetricBucket): SeriesPoint => ({
  at: b.start.toISOString(),
  count: b.weight,
  samples: b.n,
  mean: b.weight > 0 ? b.sum / b.weight : NaN,
  min: b.min,
  max: b.max,
  sum: b.sum,
  p50: quantile(b.sketch, 0.5),
  p90: quantile(b.sketch, 0.9),
  p95: quantile(b.sketch, 0.95),
  p99: quantile(b.sketch, 0.99),
});

export async function getMetricSeries(actor: Actor, key: string, q: z.infer<typeof ZMetricSeriesQuerySchema>, now = new Date()) {
  const r = await rolloutForRead(actor, key);
  const { from, to, resolution } = range(q, now);
  const series = await metricSeries(prisma(), { rolloutId: r.id, metric: q.metric, arm: q.arm, from, to }, resolution);
  const arms = q.arm ? [q.arm] : [...ARMS];
  return {
    key: r.key,
    metric: q.metric,
    from: from.toISOString(),
    to: to.toISOString(),
    resolutionSeconds: resolution,
    series: Object.fromEntries(arms.map((a) => [a, series[a].map(pointOf)])) as Partial<Record<Arm, SeriesPoint[]>>,
  };
}

const compatibleOf = (b: ComparisonBucket, tolerance: number) => b.compatibleTrue + countAtMost(b.numeric, tolerance);

export async function getComparisonSeries(actor: Actor, key: string, q: z.infer<typeof ZComparisonSeriesQuerySchema>, now = new Date()) {
  const r = await rolloutForRead(actor, key);
  const { from, to, resolution } = range(q, now);
  const [series, total] = await Promise.all([
    comparisonSeries(prisma(), { rolloutId: r.id, from, to }, resolution),
    comparisonWindow(prisma(), { rolloutId: r.id, from, to }),
  ]);
  const diff = (s: SketchData, p: number) => quantile(s, p);
  return {
    key: r.key,
    from: from.toISOString(),
    to: to.toISOString(),
    resolutionSeconds: resolution,
    tolerance: q.tolerance,
    total: total
      ? { n: total.n, compatible: compatibleOf(total, q.tolerance), rate: (compatibleOf(total, q.tolerance) / total.n) * 100, categories: total.categories }
      : { n: 0, compatible: 0, rate: null, categories: {} },
    series: series.map((b) => ({
      at: b.start.toISOString(),
      n: b.n,
      compatible: compatibleOf(b, q.tolerance),
      rate: (compatibleOf(b, q.tolerance) / b.n) * 100,
      compatibleTrue: b.compatibleTrue,
      compatibleFalse: b.compatibleFalse,
      diffP50: diff(b.numeric, 0.5),
      diffP95: diff(b.numeric, 0.95),
      categories: b.categories,
    })),
  };
}
