// The dashboards' ratio band (pure parts of lib/queries/dashboards.ts, no database): the sliding
// window gives what merging every bucket of each window gives; the percentile band is the
// order-statistic interval; a gap stays a gap.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deltaRatioInterval, intervalStatus, statOf } from '../../lib/domain/criteria';
import { bucketOf, mergeBuckets, type MetricBucket } from '../../lib/domain/evidence';
import { addToSketch, emptySketch, quantile } from '../../lib/domain/sketch';
import { quantileInterval, quantileRatioInterval, ratioSeries } from '../../lib/queries/dashboards';

const RES = 300;
const T0 = Date.UTC(2026, 11, 1);

/** one bucket per slot with data: the merge of its samples */
function buckets(slots: { slot: number; values: number[] }[]): MetricBucket[] {
  return slots
    .filter((s) => s.values.length)
    .sort((a, b) => a.slot - b.slot)
    .map((s) => ({ ...s.values.map((value) => bucketOf({ metric: 'm', arm: 'baseline', value, at: new Date(T0 + s.slot * RES * 1000) })).reduce(mergeBuckets), start: new Date(T0 + s.slot * RES * 1000) }));
}

/** the plain definition: merge every bucket overlapping the window ending with each point */
function naive(c: MetricBucket[], b: MetricBucket[], windowSeconds: number, stat: 'mean' | 'max' | 'sum') {
  const span = Math.max(windowSeconds, RES) * 1000;
  const slots = [...new Set([...c, ...b].map((x) => x.start.getTime()))].sort((x, y) => x - y);
  return slots.flatMap((t) => {
    const end = t + RES * 1000;
    const pick = (bs: MetricBucket[]) => bs.filter((x) => x.start.getTime() + RES * 1000 > end - span && x.start.getTime() < end);
    const pc = pick(c);
    const pb = pick(b);
    if (!pc.length || !pb.length) return [];
    const mc = pc.reduce(mergeBuckets);
    const mb = pb.reduce(mergeBuckets);
    if (stat === 'mean') {
      if (mc.n < 2 || mb.n < 2) return [];
      const r = deltaRatioInterval(mc, mb);
      return [{ at: new Date(t).toISOString(), ...r }];
    }
    const ratio = statOf(mc, stat) / statOf(mb, stat);
    return [{ at: new Date(t).toISOString(), ratio, low: ratio, high: ratio }];
  });
}

const slotsArb = fc.array(fc.record({ slot: fc.integer({ min: 0, max: 40 }), values: fc.array(fc.double({ min: 0.5, max: 50, noNaN: true }), { maxLength: 6 }) }), { maxLength: 25 }).map((xs) => {
  // one entry per slot
  const by = new Map<number, number[]>();
  for (const x of xs) by.set(x.slot, [...(by.get(x.slot) ?? []), ...x.values]);
  return [...by.entries()].map(([slot, values]) => ({ slot, values }));
});

describe('ratioSeries', () => {
  it('equals merging each window whole (mean, max, sum; windows shorter, equal and longer than a point)', () => {
    fc.assert(
      fc.property(slotsArb, slotsArb, fc.constantFrom(60, 300, 900, 3600), fc.constantFrom('mean' as const, 'max' as const, 'sum' as const), (cs, bs, window, stat) => {
        const c = buckets(cs);
        const b = buckets(bs);
        const got = ratioSeries({ candidate: c, baseline: b }, stat, '<=', 1.1, window, RES);
        const want = naive(c, b, window, stat).filter((p) => [p.ratio, p.low, p.high].every(Number.isFinite));
        expect(got.map((p) => p.at)).toEqual(want.map((p) => p.at));
        got.forEach((p, i) => {
          expect(p.ratio).toBeCloseTo(want[i].ratio, 6);
          expect(p.low).toBeCloseTo(want[i].low, 6);
          expect(p.high).toBeCloseTo(want[i].high, 6);
          expect(p.status).toBe(intervalStatus(want[i].low, want[i].high, '<=', 1.1));
        });
      }),
      { seed: 8, numRuns: 300 },
    );
  });

  it('leaves a gap where an arm has no data in the window', () => {
    const c = buckets([{ slot: 0, values: [1, 2] }, { slot: 10, values: [1, 2] }]);
    const b = buckets([{ slot: 0, values: [1, 2] }]);
    expect(ratioSeries({ candidate: c, baseline: b }, 'mean', '<=', 1.1, 300, RES).map((p) => p.at)).toEqual([new Date(T0).toISOString()]);
  });

  it('percentiles: the band is the order-statistic interval and narrows with more samples', () => {
    const sketch = (n: number, scale: number) => {
      const s = emptySketch();
      for (let i = 1; i <= n; i++) addToSketch(s, scale * (1 + i / n));
      return s;
    };
    // 1,000 values 1.001 … 2: the 95th percentile's ranks 950 ∓ 1.96·√(1000·0.95·0.05) ≈ 950 ∓ 13.5
    const q = quantileInterval(sketch(1000, 1), 0.95);
    expect(q.value).toBeCloseTo(quantile(sketch(1000, 1), 0.95), 12);
    expect(q.low).toBeCloseTo(1 + 936 / 1000, 1);
    expect(q.high).toBeCloseTo(1 + 964 / 1000, 1);
    const small = quantileRatioInterval(sketch(100, 1.1), sketch(100, 1), 0.95);
    const large = quantileRatioInterval(sketch(10_000, 1.1), sketch(10_000, 1), 0.95);
    for (const r of [small, large]) {
      expect(r.ratio).toBeCloseTo(1.1, 1);
      expect(r.low).toBeLessThanOrEqual(r.ratio);
      expect(r.high).toBeGreaterThanOrEqual(r.ratio);
    }
    expect(small.low).toBeLessThan(small.ratio);
    expect(small.high).toBeGreaterThan(small.ratio);
    // (at 10,000 the ranks fall within a sketch bin or two: as narrow as the sketch can tell, like the criterion's bootstrap)
    expect(large.high - large.low).toBeLessThan((small.high - small.low) / 3);
  });
});
