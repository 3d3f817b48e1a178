// Evidence: ingest rate and dashboard/criteria query times (issue 8, "Proof").
// - ingest: POST-equivalent batches of 1,000 samples through the ingest service in-process (no
//   HTTP: validation, raw rows, rollups, one statement each), one batch at a time (PUSHERS=n: n at
//   a time into the same rollout, after SOLO batches alone); target ≥ 20,000 samples/s. Also
//   printed: batch latency p50/p95.
// - queries at 10k / 100k / 1M samples in one rollout (two metrics × two arms, spread over the
//   same 3 days — more traffic, same time range): a criterion's 24 h window, both arms for a
//   relative criterion, the 24 h series at 5 min, the 3-day series at 1 h, the comparisons'
//   24 h window and 3-day series. Target: each ≤ 200 ms at 1M, and 1M costs ≤ 3× 10k.
//   npx tsx bench/ingest.ts          (10k / 100k / 1M)
//   SMOKE=1 npx tsx bench/ingest.ts  (2k / 20k, for CI)
import { SYSTEM_ACTOR } from '../lib/auth/actor';
import { createPrisma, setPrisma } from '../lib/db';
import { createRollout } from '../lib/services/create-rollout';
import { ingestMetrics } from '../lib/services/ingest-metrics';
import { ingestComparisons } from '../lib/services/ingest-comparisons';
import { comparisonSeries, comparisonWindow, metricSeries, metricWindow, metricWindowBothArms } from '../lib/queries/evidence';
import { benchDatabase, percentile } from './db';
import { BATCH, comparisonBatches, sampleBatches, SPAN_MS, timeQuery } from './evidence-data';

const smoke = process.env.SMOKE === '1';
const SIZES = (process.env.SIZES ?? (smoke ? '2000,20000' : '10000,100000,1000000')).split(',').map(Number);
const QUERY_RUNS = smoke ? 5 : 15;
const PUSHERS = Number(process.env.PUSHERS ?? 1);
const SOLO = Number(process.env.SOLO ?? (PUSHERS > 1 ? (smoke ? 2 : 50) : 0));

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
    phases: [{ key: 'dual', name: 'Dual', flags: { [flag]: 'v2' } }],
  };
};

const time = async (fn: () => Promise<unknown>) => (await timeQuery(fn, QUERY_RUNS)).p50;

/** Pushes `all` with SOLO batches one at a time first, then PUSHERS at a time. */
async function push(all: Iterable<unknown[]>, send: (b: unknown[]) => Promise<unknown>) {
  const it = all[Symbol.iterator]();
  const lat: number[] = [];
  const one = async (b: unknown[]) => {
    const t = performance.now();
    await send(b);
    lat.push(performance.now() - t);
    return b.length;
  };
  let t = performance.now();
  let solo = 0;
  for (let i = 0; i < SOLO; i++) {
    const r = it.next();
    if (r.done) break;
    solo += await one(r.value);
  }
  const soloRate = solo / ((performance.now() - t) / 1000);
  t = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: PUSHERS }, async () => {
      for (let r = it.next(); !r.done; r = it.next()) n += await one(r.value);
    }),
  );
  const rate = n / ((performance.now() - t) / 1000);
  const sorted = lat.slice(SOLO).sort((a, b) => a - b);
  return { rate: n ? rate : soloRate, soloRate, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

async function main() {
  const db = await benchDatabase('switchyard_bench_ingest');
  // the services read settings through env(), which needs DATABASE_URL (the embedded one when unset)
  process.env.DATABASE_URL = db.url;
  const prisma = createPrisma(db.url);
  setPrisma(prisma);
  const lines: string[] = [];
  let ok = true;
  try {
    const now = Date.now();
    const results: { size: number; q: Record<string, number> }[] = [];
    let ingestRate = 0;
    let comparisonRate = 0;
    let lastIngest = { rate: 0, soloRate: 0, p50: 0, p95: 0 };
    for (const [i, size] of SIZES.entries()) {
      const key = `bench-evidence-${size}`;
      await createRollout(SYSTEM_ACTOR, plan(key));
      const r = await prisma.rollout.findUniqueOrThrow({ where: { key }, select: { id: true } });
      const ing = await push(sampleBatches(size, now, i + 1), (items) => ingestMetrics(SYSTEM_ACTOR, { key, items }));
      const rate = ing.rate;
      // comparisons: a tenth as many
      const cmp = await push(comparisonBatches(Math.max(BATCH, size / 10), now, i + 7), (items) => ingestComparisons(SYSTEM_ACTOR, { key, items }));
      const crate = cmp.rate;
      if (i === SIZES.length - 1) {
        ingestRate = rate;
        comparisonRate = crate;
        lastIngest = ing;
      }
      await prisma.$executeRawUnsafe('ANALYZE metric_buckets; ANALYZE comparison_buckets');
      const to = new Date(now);
      const day = new Date(now - 86_400_000);
      const start = new Date(now - SPAN_MS);
      const q: Record<string, number> = {
        'criterion window 24h (one arm)': await time(() => metricWindow(prisma, { rolloutId: r.id, metric: 'scan_time', arm: 'candidate', from: day, to })),
        'relative window 24h (both arms)': await time(() => metricWindowBothArms(prisma, { rolloutId: r.id, metric: 'scan_time', from: day, to })),
        'series 24h @ 5m (both arms)': await time(() => metricSeries(prisma, { rolloutId: r.id, metric: 'scan_time', from: day, to }, 300)),
        'series 3d @ 1h (both arms)': await time(() => metricSeries(prisma, { rolloutId: r.id, metric: 'scan_time', from: start, to }, 3600)),
        'comparisons window 24h': await time(() => comparisonWindow(prisma, { rolloutId: r.id, from: day, to })),
        'comparisons series 3d @ 1h': await time(() => comparisonSeries(prisma, { rolloutId: r.id, from: start, to }, 3600)),
      };
      results.push({ size, q });
      const f = (x: number) => Math.round(x).toLocaleString('en-US');
      lines.push(`${size.toLocaleString('en-US').padStart(9)} samples: ingest ${f(rate)} samples/s (${SOLO ? `one pusher: ${f(ing.soloRate)}; ` : ''}batch p50 ${ing.p50.toFixed(1)} ms, p95 ${ing.p95.toFixed(1)} ms), comparisons ${f(crate)}/s; ` +
        Object.entries(q).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', '));
    }
    console.log(`# evidence ingest bench — ${new Date().toISOString().slice(0, 10)}: batches of ${BATCH}, ${PUSHERS} pusher${PUSHERS > 1 ? 's' : ''}, sizes ${SIZES.join(' / ')}, ${db.server}, node ${process.version}, query times are medians of ${QUERY_RUNS}`);
    for (const l of lines) console.log(l);
    const pass = (cond: boolean) => (cond ? 'PASS' : ((ok = false), 'MISS'));
    console.log(`${pass(ingestRate >= 20_000)} ingest ≥ 20,000 samples/s in batches of 1,000: ${Math.round(ingestRate).toLocaleString('en-US')} samples/s with ${PUSHERS} pusher${PUSHERS > 1 ? 's' : ''}, batch p50 ${lastIngest.p50.toFixed(1)} ms / p95 ${lastIngest.p95.toFixed(1)} ms (${SOLO ? `one pusher: ${Math.round(lastIngest.soloRate).toLocaleString('en-US')}; ` : ''}comparisons: ${Math.round(comparisonRate).toLocaleString('en-US')}/s)`);
    const first = results[0];
    const last = results[results.length - 1];
    for (const name of Object.keys(last.q)) {
      const ratio = last.q[name] / first.q[name];
      console.log(`${pass(last.q[name] <= 200 && ratio <= 3)} ${name}: ${last.q[name].toFixed(1)} ms at ${last.size.toLocaleString('en-US')} (≤ 200 ms), ×${ratio.toFixed(2)} from ${first.size.toLocaleString('en-US')} (≤ 3×)`);
    }
  } finally {
    await prisma.$disconnect();
    await db.close();
  }
  // like bench/transitions.ts: figures and PASS/MISS lines, not a failing exit code
  if (!ok) console.log('(some targets missed: see MISS above)');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
