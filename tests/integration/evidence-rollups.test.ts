// The rollups written at ingest equal the raw data (issue 8): per minute and at every coarser
// level, count / weight / sum / min / max exactly (up to float rounding) and quantiles within the
// sketch's 1 % relative accuracy; windows and series read from the levels equal the same
// computation over the raw rows; concurrent batches into the same buckets lose nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { rollUp, rollUpComparisons, type MetricSample } from '../../lib/domain/evidence';
import { countAtMost, quantile, SKETCH_ALPHA } from '../../lib/domain/sketch';
import { comparisonSeries, comparisonWindow, coverWindow, metricSeries, metricWindow } from '../../lib/queries/evidence';
import { ensureEnvironments, tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { evidenceRollout, push } from '../helpers/evidence';

let engineer: string;
beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  engineer = await tokenFor('engineer');
});

function rng(seed: number) {
  return () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
}

const exactQuantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))];

describe('metric rollups', () => {
  it('minute, 5-minute and hourly buckets, windows and series equal the raw samples', async () => {
    const r = await evidenceRollout();
    const rand = rng(42);
    const now = new Date();
    // 3 hours of samples, both arms, in batches pushed out of time order, some with counts
    const samples: MetricSample[] = Array.from({ length: 3000 }, (_, i) => ({
      metric: 'scan_time',
      arm: i % 3 ? 'candidate' : 'baseline',
      value: Math.round(Math.exp(rand() * 3) * 1000) / 1000,
      at: new Date(now.getTime() - 3 * 3600_000 + Math.floor(rand() * 3 * 3600_000)),
      ...(i % 7 === 0 ? { count: 1 + (i % 5) } : {}),
    }));
    for (let i = 0; i < samples.length; i += 500) {
      const res = await push('metrics', r.key, engineer, { samples: samples.slice(i, i + 500).map((s) => ({ ...s, at: s.at.toISOString() })) });
      expect(res.status).toBe(201);
    }

    // every stored bucket equals the domain's rollUp of the raw samples it covers
    const stored = await prisma().metricBucket.findMany({ where: { rolloutId: r.id } });
    for (const level of [60, 300, 3600]) {
      for (const arm of ['baseline', 'candidate'] as const) {
        const mine = samples.filter((s) => s.arm === arm);
        const expected = new Map<number, MetricSample[]>();
        for (const s of mine) {
          const k = Math.floor(s.at.getTime() / (level * 1000)) * level * 1000;
          expected.set(k, [...(expected.get(k) ?? []), s]);
        }
        const got = stored.filter((b) => b.resolution === level && b.arm === arm);
        expect(got.length, `${arm} @ ${level}s`).toBe(expected.size);
        for (const b of got) {
          const raw = expected.get(b.start.getTime())!;
          const want = rollUp(raw.map((s) => ({ ...s, at: new Date(b.start) })))[0];
          expect(b.n).toBe(want.n);
          expect(b.weight).toBe(want.weight);
          expect(b.sum).toBeCloseTo(want.sum, 6);
          expect(b.sumSq).toBeCloseTo(want.sumSq, 4);
          expect(b.min).toBe(want.min);
          expect(b.max).toBe(want.max);
          expect(b.sketch).toEqual(want.sketch);
        }
      }
    }

    // a window that is not aligned to anything: read from hours + 5-minute blocks + minutes. Placed
    // against the last whole hour, so it holds a whole hour whatever the time of day the test runs
    const hour = Math.floor(now.getTime() / 3600_000) * 3600_000;
    const from = new Date(hour - 2 * 3600_000 - 7 * 60_000 - 13_000);
    const to = new Date(hour - 11 * 60_000 + 5_000);
    expect(new Set(coverWindow(from, to).map((p) => p.resolution))).toEqual(new Set([60, 300, 3600]));
    const w = await metricWindow(prisma(), { rolloutId: r.id, metric: 'scan_time', arm: 'candidate', from, to });
    // the window holds the minutes starting in [from, to]
    const inside = samples.filter((s) => {
      const m = Math.floor(s.at.getTime() / 60_000) * 60_000;
      return s.arm === 'candidate' && m >= from.getTime() && m <= to.getTime();
    });
    const weights = inside.map((s) => s.count ?? 1);
    expect(w!.n).toBe(inside.length);
    expect(w!.weight).toBe(weights.reduce((a, b) => a + b, 0));
    expect(w!.sum).toBeCloseTo(inside.reduce((a, s) => a + s.value * (s.count ?? 1), 0), 6);
    expect(w!.min).toBe(Math.min(...inside.map((s) => s.value)));
    expect(w!.max).toBe(Math.max(...inside.map((s) => s.value)));
    // quantiles within the sketch's relative accuracy of the exact (weighted) ones
    const expanded = inside.flatMap((s) => Array(s.count ?? 1).fill(s.value) as number[]).sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = exactQuantile(expanded, q);
      expect(Math.abs(quantile(w!.sketch, q) - exact) / exact, `p${q * 100}`).toBeLessThanOrEqual(SKETCH_ALPHA + 1e-9);
    }

    // a 5-minute series over the whole range: each point equals its raw samples
    const s5 = await metricSeries(prisma(), { rolloutId: r.id, metric: 'scan_time', from: new Date(now.getTime() - 4 * 3600_000), to: now }, 300);
    for (const arm of ['baseline', 'candidate'] as const) {
      expect(s5[arm].reduce((a, b) => a + b.n, 0)).toBe(samples.filter((s) => s.arm === arm).length);
      for (const p of s5[arm]) {
        const raw = samples.filter((s) => s.arm === arm && Math.floor(s.at.getTime() / 300_000) * 300_000 === p.start.getTime());
        expect(p.n).toBe(raw.length);
        expect(p.max).toBe(Math.max(...raw.map((s) => s.value)));
      }
    }
    // the hourly series reads the hourly level and sums to the same
    const s1h = await metricSeries(prisma(), { rolloutId: r.id, metric: 'scan_time', from: new Date(now.getTime() - 4 * 3600_000), to: now }, 3600);
    expect(s1h.candidate.reduce((a, b) => a + b.weight, 0)).toBe(samples.filter((s) => s.arm === 'candidate').reduce((a, s) => a + (s.count ?? 1), 0));
  });

  it('concurrent batches into the same buckets lose nothing (no deadlock, no lost update)', async () => {
    const r = await evidenceRollout();
    const at = new Date(Date.now() - 90_000).toISOString();
    const batch = (v: number) => ({ samples: ['baseline', 'candidate'].flatMap((arm) => ['error_rate', 'scan_time'].map((metric) => ({ metric, arm, value: v, at }))) });
    const res = await Promise.all(Array.from({ length: 8 }, (_, i) => push('metrics', r.key, engineer, batch(i + 1))));
    expect(res.map((x) => x.status)).toEqual(Array(8).fill(201));
    const buckets = await prisma().metricBucket.findMany({ where: { rolloutId: r.id } });
    expect(buckets).toHaveLength(4 * 3);
    for (const b of buckets) expect({ n: b.n, sum: b.sum, min: b.min, max: b.max }).toEqual({ n: 8, sum: 36, min: 1, max: 8 });
  });
});

describe('comparison rollups', () => {
  it('buckets, window and series equal the raw results (counts, categories, numeric diffs within tolerance)', async () => {
    const r = await evidenceRollout();
    const rand = rng(7);
    const now = Date.now();
    const results = Array.from({ length: 1200 }, (_, i) => {
      const at = new Date(now - 2 * 3600_000 + Math.floor(rand() * 2 * 3600_000));
      if (i % 3 === 0) return { ref: `d${i}`, at, baseline: 100, candidate: Math.round((100 + (rand() - 0.5) * 20) * 100) / 100 };
      const ok = rand() < 0.9;
      return { ref: `s${i}`, at, compatible: ok, ...(ok ? {} : { category: rand() < 0.5 ? 'missing field' : 'type mismatch' }) };
    });
    for (let i = 0; i < results.length; i += 400) {
      expect((await push('comparisons', r.key, engineer, { results: results.slice(i, i + 400).map((x) => ({ ...x, at: x.at.toISOString() })) })).status).toBe(201);
    }
    const minutes = await prisma().comparisonBucket.findMany({ where: { rolloutId: r.id, resolution: 60 } });
    const want = rollUpComparisons(results);
    expect(minutes.length).toBe(want.length);
    for (const w of want) {
      const b = minutes.find((x) => x.start.getTime() === w.start.getTime())!;
      expect({ n: b.n, t: b.compatibleTrue, f: b.compatibleFalse, c: b.categories, num: b.numeric }).toEqual({ n: w.n, t: w.compatibleTrue, f: w.compatibleFalse, c: w.categories, num: w.numeric });
    }
    const all = await comparisonWindow(prisma(), { rolloutId: r.id, from: new Date(now - 3 * 3600_000), to: new Date(now) });
    const numeric = results.filter((x) => 'baseline' in x) as { baseline: number; candidate: number }[];
    const within5 = numeric.filter((x) => (Math.abs(x.candidate - x.baseline) / 100) * 100 <= 5).length;
    expect(all!.n).toBe(results.length);
    expect(all!.compatibleTrue).toBe(results.filter((x) => 'compatible' in x && x.compatible).length);
    expect(all!.categories).toEqual({
      'missing field': results.filter((x) => 'category' in x && x.category === 'missing field').length,
      'type mismatch': results.filter((x) => 'category' in x && x.category === 'type mismatch').length,
    });
    // the tolerance is read off the sketch at its bins' values: within 1 % of 5 %
    const approx = countAtMost(all!.numeric, 5);
    const lo = numeric.filter((x) => Math.abs(x.candidate - x.baseline) <= 5 * (1 - SKETCH_ALPHA)).length;
    const hi = numeric.filter((x) => Math.abs(x.candidate - x.baseline) <= 5 * (1 + SKETCH_ALPHA)).length;
    expect(approx).toBeGreaterThanOrEqual(lo);
    expect(approx).toBeLessThanOrEqual(hi);
    expect(within5).toBeGreaterThan(0);
    const hourly = await comparisonSeries(prisma(), { rolloutId: r.id, from: new Date(now - 3 * 3600_000), to: new Date(now) }, 3600);
    expect(hourly.reduce((a, b) => a + b.n, 0)).toBe(results.length);
  });
});
