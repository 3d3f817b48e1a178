// Dashboards (issue 8, "Proof"): the read models the Evidence view and the portfolio call, timed
// whole — every SQL query, the per-point ratio intervals (delta method and the seeded bootstrap),
// the criterion verdicts with soak, JSON-ready output — at 10k / 100k / 1M samples in one rollout
// (two metrics × two arms over the same 3 days: more traffic, same time range; comparisons a tenth
// as many). Target: each ≤ 200 ms at 1M, and 1M costs ≤ 3× 10k. bench/ingest.ts times the
// lower-level window and series queries and the ingest rate; this one the pages' read models.
//   npx tsx bench/dashboards.ts          (10k / 100k / 1M)
//   SMOKE=1 npx tsx bench/dashboards.ts  (2k / 20k, for CI)
import { SYSTEM_ACTOR } from '../lib/auth/actor';
import { createPrisma, setPrisma } from '../lib/db';
import { createRollout } from '../lib/services/create-rollout';
import { ingestComparisons } from '../lib/services/ingest-comparisons';
import { ingestMetrics } from '../lib/services/ingest-metrics';
import { transitionRollout } from '../lib/services/transition-rollout';
import { getComparisonRows, getEvidenceDashboard, getPortfolio, ZComparisonRowsQuerySchema, ZEvidenceQuerySchema } from '../lib/queries/dashboards';
import { benchDatabase } from './db';
import { BATCH, comparisonBatches, sampleBatches, SPAN_MS, timeQuery } from './evidence-data';

const smoke = process.env.SMOKE === '1';
const SIZES = (process.env.SIZES ?? (smoke ? '2000,20000' : '10000,100000,1000000')).split(',').map(Number);
const QUERY_RUNS = smoke ? 5 : 15;

const plan = (key: string) => {
  const flag = `BENCH_${key.replace(/-/g, '_').toUpperCase()}`;
  return {
    key,
    name: `Bench ${key}`,
    flags: [{ key: flag, type: 'string', variants: ['v1', 'v2'], baseline: 'v1' }],
    metrics: [
      { key: 'error_rate', unit: '%', better: 'lower' },
      { key: 'scan_time', unit: 's', better: 'lower' },
    ],
    phases: [
      {
        key: 'dual',
        name: 'Dual',
        minDuration: '24h',
        flags: { [flag]: 'v2' },
        criteria: [
          { kind: 'compatibility', min: 95, tolerance: 5, window: '24h', for: '24h' },
          { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 1, window: '1h', for: '24h' },
          { kind: 'metric', metric: 'scan_time', arm: 'candidate', stat: 'p95', op: '<', value: 5, window: '1h' },
          { kind: 'relative', metric: 'scan_time', op: '<=', ratio: 1.1, window: '1h' },
          // a percentile ratio: the seeded bootstrap at every point
          { kind: 'relative', metric: 'scan_time', stat: 'p95', op: '<=', ratio: 1.2, window: '1h' },
        ],
        redFlags: [{ when: { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 5, window: '15m' }, severity: 'critical', action: 'rollback', after: 3 }],
      },
    ],
  };
};

const time = (fn: () => Promise<unknown>) => timeQuery(fn, QUERY_RUNS);

async function main() {
  const db = await benchDatabase('switchyard_bench_dashboards');
  // the services read the validated environment (lib/env.ts): point it at the bench database
  process.env.DATABASE_URL = db.url;
  const prisma = createPrisma(db.url);
  setPrisma(prisma);
  const results: { size: number; q: Record<string, { p50: number; p95: number }> }[] = [];
  let ok = true;
  try {
    const now = Date.now();
    for (const [i, size] of SIZES.entries()) {
      const key = `bench-dash-${size}`;
      await createRollout(SYSTEM_ACTOR, plan(key));
      await transitionRollout(SYSTEM_ACTOR, { key, action: 'start', expectedVersion: 1, reason: 'bench' });
      // in the phase for the whole span, so every criterion window reads evidence
      await prisma.rollout.update({ where: { key }, data: { phaseEnteredAt: new Date(now - SPAN_MS) } });
      for (const b of sampleBatches(size, now, i + 1)) await ingestMetrics(SYSTEM_ACTOR, { key, items: b });
      for (const b of comparisonBatches(Math.max(BATCH, size / 10), now, i + 7)) await ingestComparisons(SYSTEM_ACTOR, { key, items: b });
      await prisma.$executeRawUnsafe('ANALYZE metric_buckets; ANALYZE comparison_buckets; ANALYZE comparisons');
      const at = new Date(now);
      const evidence = (window: string) => () => getEvidenceDashboard(SYSTEM_ACTOR, key, ZEvidenceQuerySchema.parse({ window }), at);
      const q = {
        'evidence view 1h': await time(evidence('1h')),
        'evidence view 24h (default)': await time(evidence('24h')),
        'evidence view 3d': await time(evidence('3d')),
        'drill-down: a category, first page': await time(() => getComparisonRows(SYSTEM_ACTOR, key, ZComparisonRowsQuerySchema.parse({ window: '3d', category: 'missing field' }), at)),
        'drill-down: every mismatch, first page': await time(() => getComparisonRows(SYSTEM_ACTOR, key, ZComparisonRowsQuerySchema.parse({ window: '3d', outcome: 'mismatch', tolerance: '5' }), at)),
        'portfolio (this rollout active)': await time(() => getPortfolio(SYSTEM_ACTOR, at)),
      };
      results.push({ size, q });
      // only this size's rollout on the portfolio
      await transitionRollout(SYSTEM_ACTOR, { key, action: 'abort', expectedVersion: 2, reason: 'bench: next size' });
    }
    console.log(`# dashboards bench — ${new Date().toISOString().slice(0, 10)}: sizes ${SIZES.join(' / ')} samples in one rollout (+ a tenth as many comparisons), ${db.server}, node ${process.version}, p50 / p95 of ${QUERY_RUNS} runs`);
    for (const r of results) {
      console.log(`${r.size.toLocaleString('en-US').padStart(9)} samples: ${Object.entries(r.q).map(([k, v]) => `${k} ${v.p50.toFixed(1)} / ${v.p95.toFixed(1)} ms`).join(', ')}`);
    }
    const first = results[0];
    const last = results[results.length - 1];
    const pass = (cond: boolean) => (cond ? 'PASS' : ((ok = false), 'MISS'));
    for (const name of Object.keys(last.q) as (keyof typeof last.q)[]) {
      const ratio = last.q[name].p50 / first.q[name].p50;
      console.log(`${pass(last.q[name].p50 <= 200 && ratio <= 3)} ${name}: ${last.q[name].p50.toFixed(1)} ms at ${last.size.toLocaleString('en-US')} (≤ 200 ms; p95 ${last.q[name].p95.toFixed(1)} ms), ×${ratio.toFixed(2)} from ${first.size.toLocaleString('en-US')} (≤ 3×)`);
    }
  } finally {
    await prisma.$disconnect();
    await db.close();
  }
  // like bench/ingest.ts: figures and PASS/MISS lines, not a failing exit code
  if (!ok) console.log('(some targets missed: see MISS above)');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
