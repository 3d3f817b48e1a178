// What the evidence benches (ingest.ts, dashboards.ts) push and how they time a query: samples of
// two metrics × two arms in time order over [now − 3 days, now], dual-run comparisons (a third
// numeric pairs, the rest booleans with 5 % mismatches in three categories), in batches of 1,000,
// from a seeded PRNG so a run is reproducible.
import { prng } from '../lib/domain/criteria';
import { percentile } from './db';

export const BATCH = 1000;
export const SPAN_MS = 3 * 86_400_000;

/** `count` metric samples as batches of BATCH */
export function* sampleBatches(count: number, now: number, seed: number): Generator<unknown[]> {
  const rand = prng(seed);
  const step = SPAN_MS / count;
  let batch: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const metric = i % 4 < 2 ? 'scan_time' : 'error_rate';
    const arm = i % 2 ? 'baseline' : 'candidate';
    const base = metric === 'scan_time' ? 2 : 0.8;
    const value = base * Math.exp((rand() - 0.5) * 1.5) * (arm === 'candidate' ? 0.95 : 1);
    batch.push({ metric, arm, value: Math.round(value * 1e4) / 1e4, at: new Date(now - SPAN_MS + i * step).toISOString() });
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** `count` comparison results as batches of BATCH */
export function* comparisonBatches(count: number, now: number, seed: number): Generator<unknown[]> {
  const rand = prng(seed);
  const step = SPAN_MS / count;
  const categories = ['missing field', 'type mismatch', 'rounding'];
  let batch: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(now - SPAN_MS + i * step).toISOString();
    batch.push(
      i % 3 === 0
        ? { ref: `deal-${i}`, at, baseline: 100, candidate: 100 + (rand() - 0.5) * 12 }
        : rand() < 0.95
          ? { ref: `scan-${i}`, at, compatible: true }
          : { ref: `scan-${i}`, at, compatible: false, category: categories[i % 3], fields: { missing: ['price'] } },
    );
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** p50 / p95 of `runs` calls after one warm-up call */
export async function timeQuery(fn: () => Promise<unknown>, runs: number): Promise<{ p50: number; p95: number }> {
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  xs.sort((a, b) => a - b);
  return { p50: percentile(xs, 50), p95: percentile(xs, 95) };
}
