// Evidence retention (issue 8): evidence older than SWITCHYARD_EVIDENCE_RETENTION_DAYS (default
// 90) is deleted — raw samples and comparisons, rollup buckets wholly before the cutoff, the
// evaluator's stored evaluations, and Idempotency-Keys (kept as long as the evidence they
// guard). Ingest already refuses items older than the retention, so nothing can come back.
// The worker runs this hourly (lib/worker/main.ts), one pg-boss job per hour slot across
// replicas; it is also safe to run by hand or concurrently: deletes go in batches of `batch`
// rows (short transactions, no long locks on tables ingest writes to), and running it twice
// deletes nothing the second time. Red-flag trips and the audit trail are records, not
// evidence: they are kept (they carry the evidence that tripped them, frozen).
import { prisma } from '../db';
import { env } from '../env';

export interface PurgeResult {
  cutoff: string;
  samples: number;
  comparisons: number;
  metricBuckets: number;
  comparisonBuckets: number;
  evaluations: number;
  idempotencyKeys: number;
}

/** Deletes in batches until none is left; `sql` must delete at most $2 rows older than $1. */
async function drain(sql: string, cutoff: Date, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await prisma().$executeRawUnsafe(sql, cutoff, batch);
    total += n;
    if (n < batch) return total;
  }
}

// ctid batches: whatever the table's key, each statement deletes at most $2 rows
const byCtid = (table: string, olderThan: string) =>
  `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${table} WHERE ${olderThan} < $1 LIMIT $2))`;

export async function purgeExpiredEvidence(opts: { now?: Date; retentionDays?: number; batch?: number } = {}): Promise<PurgeResult> {
  const now = opts.now ?? new Date();
  const days = opts.retentionDays ?? env().SWITCHYARD_EVIDENCE_RETENTION_DAYS;
  const batch = opts.batch ?? 10_000;
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const samples = await drain(byCtid('metric_samples', 'at'), cutoff, batch);
  const comparisons = await drain(byCtid('comparisons', 'at'), cutoff, batch);
  // a bucket goes when all of it is before the cutoff: start + resolution seconds
  const metricBuckets = await drain(byCtid('metric_buckets', `start + make_interval(secs => resolution)`), cutoff, batch);
  const comparisonBuckets = await drain(byCtid('comparison_buckets', `start + make_interval(secs => resolution)`), cutoff, batch);
  const evaluations = await drain(byCtid('criterion_evaluations', 'evaluated_at'), cutoff, batch);
  const idempotencyKeys = await drain(byCtid('evidence_idempotency_keys', 'created_at'), cutoff, batch);
  return { cutoff: cutoff.toISOString(), samples, comparisons, metricBuckets, comparisonBuckets, evaluations, idempotencyKeys };
}
