// Evidence retention (issue 8): evidence older than the retention is purged — samples,
// comparisons, rollup buckets wholly before the cutoff, stored evaluations, Idempotency-Keys —
// and nothing newer; a second run deletes nothing; the recent series are unchanged.
import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { ingestComparisons } from '../../lib/services/ingest-comparisons';
import { ingestMetrics } from '../../lib/services/ingest-metrics';
import { purgeExpiredEvidence } from '../../lib/services/purge-evidence';
import { ensureEnvironments, tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { evidenceCounts, evidenceRollout, series } from '../helpers/evidence';

const DAY = 86_400_000;
let engineer: string;
beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  engineer = await tokenFor('engineer');
});

const samples = (at: Date, n: number) =>
  Array.from({ length: n }, (_, i) => ({ metric: 'scan_time', arm: i % 2 ? 'candidate' : 'baseline', value: 1 + i / 10, at: new Date(at.getTime() + i * 61_000).toISOString() }));
const results = (at: Date, n: number) => Array.from({ length: n }, (_, i) => ({ ref: `r${i}`, at: new Date(at.getTime() + i * 61_000).toISOString(), compatible: i % 3 !== 0 }));

describe('evidence retention', () => {
  it('purges what is older than the retention, in batches, and nothing newer', async () => {
    const r = await evidenceRollout();
    const now = new Date();
    // 100 days ago, pushed as the server saw it then (ingest refuses items older than the retention)
    const then = new Date(now.getTime() - 100 * DAY);
    expect((await ingestMetrics(SYSTEM_ACTOR, { key: r.key, items: samples(then, 40), idempotencyKey: 'old-batch', now: new Date(then.getTime() + 2 * 3600_000) })).status).toBe(201);
    expect((await ingestComparisons(SYSTEM_ACTOR, { key: r.key, items: results(then, 30), now: new Date(then.getTime() + 2 * 3600_000) })).status).toBe(201);
    await prisma().$executeRaw`UPDATE evidence_idempotency_keys SET created_at = ${then} WHERE rollout_id = ${r.id}::uuid`;
    // and an old stored evaluation next to a recent one
    for (const at of [then, now]) {
      await prisma().criterionEvaluation.create({
        data: { rolloutId: r.id, phaseKey: 'dual', kind: 'criterion', criterionKey: 'c0', position: 0, status: 'pass', value: 1, n: 1, detail: 'x', result: {}, slot: BigInt(Math.floor(at.getTime() / 60_000)), phaseEnteredAt: then, evaluatedAt: at },
      });
    }
    // recent evidence, pushed now
    const recent = new Date(now.getTime() - 3 * 3600_000);
    expect((await ingestMetrics(SYSTEM_ACTOR, { key: r.key, items: samples(recent, 50), idempotencyKey: 'new-batch' })).status).toBe(201);
    expect((await ingestComparisons(SYSTEM_ACTOR, { key: r.key, items: results(recent, 20) })).status).toBe(201);

    const before = await evidenceCounts(r.id);
    const range = { metric: 'scan_time', from: new Date(now.getTime() - 6 * 3600_000).toISOString(), to: now.toISOString(), resolution: '1h' };
    const recentSeries = await series('metrics', r.key, engineer, range);
    expect(recentSeries.status).toBe(200);

    // batches of 7 rows: the loop must go round several times per table
    const purged = await purgeExpiredEvidence({ now, retentionDays: 90, batch: 7 });
    expect(purged.samples).toBe(40);
    expect(purged.comparisons).toBe(30);
    expect(purged.metricBuckets).toBeGreaterThan(0);
    expect(purged.comparisonBuckets).toBeGreaterThan(0);
    expect(purged.evaluations).toBeGreaterThanOrEqual(1);
    expect(purged.idempotencyKeys).toBeGreaterThanOrEqual(1);

    const after = await evidenceCounts(r.id);
    expect(after.samples).toBe(before.samples - 40);
    expect(after.samples).toBe(50);
    expect(after.comparisons).toBe(20);
    expect(after.keys).toBe(1);
    const db = prisma();
    const cutoff = new Date(now.getTime() - 90 * DAY);
    // nothing left before the cutoff, every recent bucket kept
    expect(await db.metricSample.count({ where: { rolloutId: r.id, at: { lt: cutoff } } })).toBe(0);
    expect(await db.metricBucket.count({ where: { rolloutId: r.id, start: { lt: cutoff } } })).toBe(0);
    expect(await db.comparisonBucket.count({ where: { rolloutId: r.id, start: { lt: cutoff } } })).toBe(0);
    expect(await db.metricBucket.count({ where: { rolloutId: r.id, start: { gte: new Date(recent.getTime() - 3600_000) } } })).toBe(before.buckets - purged.metricBuckets);
    expect(await db.criterionEvaluation.count({ where: { rolloutId: r.id } })).toBe(1);
    // the recent series reads the same
    expect((await series('metrics', r.key, engineer, range)).body).toEqual(recentSeries.body);

    // a second run deletes nothing
    const again = await purgeExpiredEvidence({ now, retentionDays: 90 });
    expect([again.samples, again.comparisons, again.metricBuckets, again.comparisonBuckets, again.evaluations, again.idempotencyKeys]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
