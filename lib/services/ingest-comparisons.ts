// Ingests a batch of dual-run comparison results for one rollout (POST
// /api/v1/rollouts/{key}/comparisons): every item checked (an `at` within retention and at most 5
// minutes ahead; `compatible`, or both numbers; right types) and every bad one listed, else the
// raw rows and their rollups (per minute, 5 minutes and hour: counts, categories, the numeric
// diff-% sketch; see lib/domain/evidence.ts) written in one transaction, two multi-row statements.
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { mergeComparisonBuckets, rollUpComparisons, type ComparisonBucket, type ComparisonResult } from '../domain/evidence';
import { floorTo, ROLLUP_LEVELS } from '../queries/evidence';
import { formatBytes, LIMITS } from '../limits';
import {
  atProblem,
  batchItems,
  batchRefused,
  itemIssues,
  itemShapeError,
  runEvidenceBatch,
  type EvidenceBatchInput,
  type EvidenceBatchResult,
  type BatchStatement,
  type ItemError,
  ZEvidenceAt,
} from './evidence-batch';

const RESULT_SHAPE = '{ ref?, at, compatible?, baseline?, candidate?, category?, fields? }';

/** `fields` of one result, as compact JSON */
export const COMPARISON_FIELDS_MAX_BYTES = 8 * 1024;
const TEXT_MAX = LIMITS.nameLength;

const finite = z.number({ error: 'expected a finite number' });
const text = (what: string) => z.string({ error: `expected a string (${what})` }).min(1, 'must not be empty').max(TEXT_MAX, `at most ${TEXT_MAX} characters`);

export const ZComparisonResultSchema = z
  .strictObject(
    {
      ref: text('what was compared, e.g. a scan id').optional(),
      at: ZEvidenceAt,
      compatible: z.boolean({ error: 'expected boolean' }).optional(),
      baseline: finite.optional(),
      candidate: finite.optional(),
      category: text('a mismatch category, e.g. "missing field"').optional(),
      fields: z
        .unknown()
        .refine((v) => v === undefined || new TextEncoder().encode(JSON.stringify(v)).length <= COMPARISON_FIELDS_MAX_BYTES, `at most ${formatBytes(COMPARISON_FIELDS_MAX_BYTES)} as JSON`)
        .optional(),
    },
    { error: itemShapeError(RESULT_SHAPE) },
  )
  .superRefine((r, ctx) => {
    if (typeof r.compatible === 'boolean') return;
    const hasB = r.baseline !== undefined;
    const hasC = r.candidate !== undefined;
    if (hasB && !hasC) ctx.addIssue({ code: 'custom', path: ['candidate'], message: 'required with "baseline" (or give "compatible")' });
    else if (hasC && !hasB) ctx.addIssue({ code: 'custom', path: ['baseline'], message: 'required with "candidate" (or give "compatible")' });
    else if (!hasB && !hasC) ctx.addIssue({ code: 'custom', path: ['compatible'], message: 'required: give "compatible", or both "baseline" and "candidate"' });
  });
export type TComparisonResultSchema = z.infer<typeof ZComparisonResultSchema>;

export const ZIngestComparisonsSchema = z.strictObject({ results: batchItems('results', RESULT_SHAPE) });
export type TIngestComparisonsSchema = z.infer<typeof ZIngestComparisonsSchema>;

export interface IngestedComparisons {
  rollout: string;
  accepted: number;
  buckets: number;
  from: string;
  to: string;
}

export async function ingestComparisons(actor: Actor, input: EvidenceBatchInput<unknown[]>): Promise<EvidenceBatchResult<IngestedComparisons>> {
  return runEvidenceBatch<{ results: ComparisonResult[]; minutes: ComparisonBucket[] }, IngestedComparisons>(actor, 'comparisons', input, {
    validate: (rollout, now) => {
      const errors: ItemError[] = [];
      const results: ComparisonResult[] = [];
      input.items.forEach((raw, i) => {
        const r = ZComparisonResultSchema.safeParse(raw);
        if (!r.success) errors.push(...itemIssues('results', i, r.error));
        const at = (raw as { at?: unknown } | null)?.at;
        const atFailed = !r.success && r.error.issues.some((x) => x.path[0] === 'at');
        if (typeof at === 'string' && !atFailed) {
          const p = atProblem(new Date(at), now);
          if (p) errors.push({ path: `results[${i}].at`, message: p });
        }
        if (r.success && !errors.length) results.push({ ...r.data, at: new Date(r.data.at) });
      });
      if (errors.length) batchRefused('results', errors);
      const times = results.map((x) => x.at.getTime());
      const minutes = rollUpComparisons(results);
      return {
        parsed: { results, minutes },
        response: {
          rollout: rollout.key,
          accepted: results.length,
          buckets: minutes.length,
          from: new Date(Math.min(...times)).toISOString(),
          to: new Date(Math.max(...times)).toISOString(),
        },
      };
    },
    write: (_rollout, { results, minutes }, q) => writeComparisons(q, results, minutes),
  });
}

/** The batch's two writes, as CTEs of its one statement ($1: the rollout id). */
function writeComparisons(q: BatchStatement, results: ComparisonResult[], minutes: ComparisonBucket[]): string[] {
  const rows = results.map((r) => ({
    ref: r.ref ?? null,
    t: r.at.toISOString(),
    ok: r.compatible ?? null,
    b: r.baseline ?? null,
    c: r.candidate ?? null,
    cat: r.category ?? null,
    f: r.fields === undefined ? null : r.fields,
  }));
  const levels = ROLLUP_LEVELS.map((level) => {
    if (level === 60) return minutes.map((b) => ({ ...b, resolution: level }));
    const coarse = new Map<number, ComparisonBucket>();
    for (const m of minutes) {
      const start = floorTo(m.start, level);
      const prev = coarse.get(start.getTime());
      coarse.set(start.getTime(), { ...(prev ? mergeComparisonBuckets(prev, m) : m), start });
    }
    return [...coarse.values()].map((b) => ({ ...b, resolution: level }));
  }).flat();
  const buckets = levels.map((b) => ({
    r: b.resolution,
    s: b.start.toISOString(),
    n: b.n,
    ct: b.compatibleTrue,
    cf: b.compatibleFalse,
    num: b.numeric,
    cats: b.categories,
  }));
  return [
    `rows AS (
       INSERT INTO comparisons (rollout_id, ref, at, compatible, baseline, candidate, category, fields)
       SELECT $1::uuid, r.ref, r.t, r.ok, r.b, r.c, r.cat, r.f
       FROM json_to_recordset(${q.param(JSON.stringify(rows))}::json) AS r(ref text, t timestamptz, ok boolean, b float8, c float8, cat text, f jsonb)
       WHERE ${q.go}
       RETURNING 1)`,
    // ORDER BY: row locks in key order, so concurrent batches cannot deadlock; after the raw rows
    // (count(*) reads them all first), so the bucket row locks are held for the shortest time
    `buckets AS (
       INSERT INTO comparison_buckets AS b (rollout_id, resolution, start, n, compatible_true, compatible_false, numeric, categories)
       SELECT $1::uuid, r.r, r.s, r.n, r.ct, r.cf, r.num, r.cats
       FROM json_to_recordset(${q.param(JSON.stringify(buckets))}::json) AS r(r int, s timestamptz, n int, ct int, cf int, num jsonb, cats jsonb)
       WHERE ${q.go} AND (SELECT count(*) FROM rows) > 0
       ORDER BY r.r, r.s
       ON CONFLICT (rollout_id, resolution, start) DO UPDATE SET
         n = b.n + EXCLUDED.n,
         compatible_true = b.compatible_true + EXCLUDED.compatible_true,
         compatible_false = b.compatible_false + EXCLUDED.compatible_false,
         numeric = evidence_merge_sketch(b.numeric, EXCLUDED.numeric),
         categories = evidence_merge_counts(b.categories, EXCLUDED.categories))`,
  ];
}
