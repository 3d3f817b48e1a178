// Rollups: a sample makes a one-minute bucket; buckets merge exactly (any order, any grouping,
// same as rolling up everything at once); comparisons map into compatible counts or, for
// numeric pairs, a sketch of their difference in percent; windows pick whole minutes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bucketOf,
  bucketStart,
  comparisonBucketOf,
  diffPercent,
  inWindow,
  mergeBuckets,
  mergeComparisonBuckets,
  rollUp,
  rollUpComparisons,
  type MetricBucket,
  type MetricSample,
} from '../../lib/domain/evidence';
import { quantile, sketchCount } from '../../lib/domain/sketch';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000);

describe('metric buckets', () => {
  it('a sample is a bucket of its minute: weight = count, sum and sumSq weighted', () => {
    const b = bucketOf({ metric: 'm', arm: 'candidate', value: 3, count: 4, at: at(95) });
    expect(b.start).toEqual(at(60));
    expect(b).toMatchObject({ weight: 4, n: 1, sum: 12, sumSq: 36, min: 3, max: 3 });
    expect(sketchCount(b.sketch)).toBe(4);
    expect(bucketStart(at(119.999))).toEqual(at(60));
  });

  it('refuses non-finite values and non-positive counts', () => {
    expect(() => bucketOf({ metric: 'm', arm: 'baseline', value: NaN, at: at(0) })).toThrow(/finite/);
    expect(() => bucketOf({ metric: 'm', arm: 'baseline', value: 1, count: 0, at: at(0) })).toThrow(/positive/);
  });

  const sample = fc.record({
    metric: fc.constant('m'),
    arm: fc.constant('baseline' as const),
    value: fc.integer({ min: -1000, max: 1000 }),
    count: fc.integer({ min: 1, max: 5 }),
    at: fc.integer({ min: 0, max: 600 }).map(at),
  });
  const norm = (b: MetricBucket) => ({ ...b, start: b.start.getTime() });

  it('merging is associative and commutative, and equals rolling up all samples at once', () => {
    fc.assert(
      fc.property(sample, sample, sample, (x, y, z) => {
        const [a, b, c] = [x, y, z].map(bucketOf);
        expect(norm(mergeBuckets(mergeBuckets(a, b), c))).toEqual(norm(mergeBuckets(a, mergeBuckets(b, c))));
        expect(norm(mergeBuckets(a, b))).toEqual(norm(mergeBuckets(b, a)));
      }),
    );
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 50 }), (xs: MetricSample[]) => {
        const buckets = rollUp(xs);
        const all = buckets.reduce(mergeBuckets);
        expect(all.weight).toBe(xs.reduce((t, s) => t + (s.count ?? 1), 0));
        expect(all.n).toBe(xs.length);
        expect(all.sum).toBe(xs.reduce((t, s) => t + s.value * (s.count ?? 1), 0));
        expect(all.min).toBe(Math.min(...xs.map((s) => s.value)));
        expect(all.max).toBe(Math.max(...xs.map((s) => s.value)));
        // one bucket per distinct minute, in order
        expect(buckets.map((b) => b.start.getTime())).toEqual([...new Set(xs.map((s) => bucketStart(s.at).getTime()))].sort((p, q) => p - q));
      }),
    );
  });
});

describe('comparison buckets', () => {
  it('compatible given: it decides, numbers or not', () => {
    expect(comparisonBucketOf({ at: at(0), compatible: true, baseline: 1, candidate: 100 })).toMatchObject({ n: 1, compatibleTrue: 1, compatibleFalse: 0 });
    const f = comparisonBucketOf({ at: at(0), compatible: false, category: 'missing field' });
    expect(f).toMatchObject({ n: 1, compatibleTrue: 0, compatibleFalse: 1, categories: { 'missing field': 1 } });
    expect(sketchCount(f.numeric)).toBe(0);
  });

  it('numbers only: the difference in % goes into the sketch', () => {
    const b = comparisonBucketOf({ at: at(0), baseline: 200, candidate: 210 });
    expect(b).toMatchObject({ n: 1, compatibleTrue: 0, compatibleFalse: 0 });
    expect(quantile(b.numeric, 0.5)).toBeCloseTo(5, 1);
    expect(diffPercent(200, 190)).toBe(5);
    expect(diffPercent(0, 0)).toBe(0);
    expect(diffPercent(-10, -11)).toBeCloseTo(10, 10);
  });

  it('baseline 0 and candidate not: infinitely different, counted incompatible', () => {
    expect(comparisonBucketOf({ at: at(0), baseline: 0, candidate: 3 })).toMatchObject({ compatibleFalse: 1 });
  });

  it('a result with neither compatible nor both numbers is refused', () => {
    expect(() => comparisonBucketOf({ at: at(0), baseline: 1 })).toThrow(/compatible/);
    expect(() => comparisonBucketOf({ at: at(0), baseline: 1, candidate: NaN })).toThrow(/finite/);
  });

  it('merging adds counts and categories', () => {
    const rs = [
      { at: at(0), compatible: true },
      { at: at(10), compatible: false, category: 'type mismatch' },
      { at: at(20), compatible: false, category: 'type mismatch' },
      { at: at(70), baseline: 10, candidate: 10 },
    ];
    const bs = rollUpComparisons(rs);
    expect(bs).toHaveLength(2);
    const all = bs.reduce(mergeComparisonBuckets);
    expect(all).toMatchObject({ n: 4, compatibleTrue: 1, compatibleFalse: 2, categories: { 'type mismatch': 2 } });
    expect(sketchCount(all.numeric)).toBe(1);
  });
});

describe('windows', () => {
  it('take the buckets starting in [now − window, now]', () => {
    const bs = [0, 60, 120, 180, 240].map((s) => bucketOf({ metric: 'm', arm: 'baseline', value: 1, at: at(s) }));
    expect(inWindow(bs, 120, at(250)).map((b) => b.start)).toEqual([at(180), at(240)]);
    expect(inWindow(bs, 120, at(240)).map((b) => b.start)).toEqual([at(120), at(180), at(240)]);
    expect(inWindow(bs, 60, at(100))).toHaveLength(1);
  });
});
