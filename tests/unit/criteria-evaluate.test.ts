// Criteria over evidence windows: compatibility, metric and relative criteria pass, fail or are
// inconclusive — never pass — on no data, too few samples, NaN or a source error; details carry
// the real numbers; the ratio's interval matches a hand-computed delta-method CI; the bootstrap
// for percentiles is seeded and reproducible.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rollUp, rollUpComparisons, type Arm, type MetricSample } from '../../lib/domain/evidence';
import { bootstrapRatioInterval, deltaRatioInterval, evaluateCriterion, intervalStatus, prng, type Evidence, type TCondition, type TMetric } from '../../lib/domain/criteria';
import { sketchOf } from '../../lib/domain/sketch';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000);
const NOW = at(3600);
const METRICS: TMetric[] = [
  { key: 'error_rate', unit: '%', better: 'lower', label: 'error rate' },
  { key: 'scan_time', unit: 's', better: 'lower' },
];
const samples = (arm: Arm, values: number[], from = 0, step = 60, metric = 'error_rate'): MetricSample[] => values.map((value, i) => ({ metric, arm, value, at: at(from + i * step) }));
const ev = (metric: string, arms: Partial<Record<Arm, MetricSample[]>>, extra: Partial<Evidence> = {}): Evidence => ({
  metrics: { [metric]: Object.fromEntries(Object.entries(arms).map(([a, s]) => [a, { buckets: rollUp(s) }])) },
  ...extra,
});

describe('compatibility', () => {
  const c: TCondition = { kind: 'compatibility', min: 95, minSamples: 500, window: '1h' };
  const results = (ok: number, bad: number) => [
    ...Array.from({ length: ok }, (_, i) => ({ at: at(60 + (i % 3000)), compatible: true })),
    ...Array.from({ length: bad }, (_, i) => ({ at: at(60 + (i % 3000)), compatible: false, category: 'missing field' })),
  ];

  it('passes and fails on the compatible share, with n in the detail', () => {
    const fail = evaluateCriterion(c, { comparisons: rollUpComparisons(results(3920, 290)) }, NOW);
    expect(fail).toMatchObject({ status: 'fail', n: 4210 });
    expect(fail.detail).toBe('compatible 93.11 % < 95 % (n = 4,210)');
    const pass = evaluateCriterion(c, { comparisons: rollUpComparisons(results(980, 20)) }, NOW);
    expect(pass).toMatchObject({ status: 'pass', value: 98, detail: 'compatible 98 % ≥ 95 % (n = 1,000)' });
  });

  it('fewer than minSamples, none, or a source error: inconclusive', () => {
    expect(evaluateCriterion(c, { comparisons: rollUpComparisons(results(120, 0)) }, NOW)).toMatchObject({ status: 'inconclusive', reason: 'min-samples', detail: 'waiting for data: 120 of 500 comparisons' });
    expect(evaluateCriterion(c, { comparisons: [] }, NOW)).toMatchObject({ status: 'inconclusive', reason: 'no-data' });
    expect(evaluateCriterion(c, {}, NOW)).toMatchObject({ status: 'inconclusive' });
    expect(evaluateCriterion(c, { comparisons: { error: 'database unreachable' } }, NOW)).toMatchObject({ status: 'inconclusive', reason: 'source-error' });
  });

  it('reads only the window: old incompatible results do not count', () => {
    const rs = [...Array.from({ length: 600 }, () => ({ at: at(3000), compatible: true })), ...Array.from({ length: 600 }, () => ({ at: at(-7200), compatible: false }))];
    expect(evaluateCriterion(c, { comparisons: rollUpComparisons(rs) }, NOW)).toMatchObject({ status: 'pass', n: 600 });
    expect(evaluateCriterion({ ...c, window: '3h' }, { comparisons: rollUpComparisons(rs) }, NOW)).toMatchObject({ status: 'fail', n: 1200 });
  });

  it('numeric pairs are compatible within the tolerance (%)', () => {
    const rs = [
      { at: at(100), baseline: 100, candidate: 103 }, // 3 %
      { at: at(100), baseline: 100, candidate: 96 }, // 4 %
      { at: at(100), baseline: 200, candidate: 220 }, // 10 %
      { at: at(100), baseline: 5, candidate: 5 }, // 0 %
    ];
    const cmp = { comparisons: rollUpComparisons(rs) };
    expect(evaluateCriterion({ kind: 'compatibility', min: 75, tolerance: 5, window: '1h' }, cmp, NOW)).toMatchObject({ status: 'pass', value: 75 });
    expect(evaluateCriterion({ kind: 'compatibility', min: 75, tolerance: 3.5, window: '1h' }, cmp, NOW)).toMatchObject({ status: 'fail', value: 50 });
    expect(evaluateCriterion({ kind: 'compatibility', min: 75, window: '1h' }, cmp, NOW)).toMatchObject({ status: 'fail', value: 25 });
  });
});

describe('metric', () => {
  const c: TCondition = { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 1, window: '1h' };

  it('mean over the window, weighted by count, with the numbers in the detail', () => {
    const s: MetricSample[] = [
      { metric: 'error_rate', arm: 'candidate', value: 0.5, count: 3, at: at(600) },
      { metric: 'error_rate', arm: 'candidate', value: 1.3, count: 1, at: at(1200) },
      { metric: 'error_rate', arm: 'candidate', value: 50, count: 100, at: at(-60) }, // before the window
    ];
    const r = evaluateCriterion(c, ev('error_rate', { candidate: s }), NOW, { metrics: METRICS });
    expect(r).toMatchObject({ status: 'pass', value: 0.7, n: 4, detail: 'error rate candidate 0.7 % < 1 %' });
    const fail = evaluateCriterion({ ...c, value: 0.5 }, ev('error_rate', { candidate: s }), NOW, { metrics: METRICS });
    expect(fail).toMatchObject({ status: 'fail', detail: 'error rate candidate 0.7 % ≥ 0.5 % (must be < 0.5 %)' });
  });

  it.each([
    ['min', 1, '>=', 1, 'pass'],
    ['max', 9, '<=', 8, 'fail'],
    ['sum', 45, '==', 45, 'pass'],
    ['count', 9, '>', 8, 'pass'],
    ['p50', 5, '<', 5.1, 'pass'],
    ['p90', 8, '<', 7, 'fail'],
  ] as const)('stat %s reads %d', (stat, expected, op, value, status) => {
    const r = evaluateCriterion({ ...c, stat, op, value }, ev('error_rate', { candidate: samples('candidate', [1, 2, 3, 4, 5, 6, 7, 8, 9]) }), NOW);
    // percentiles come from the sketch: within 1 % of the exact value
    expect(Math.abs(r.value! - expected) / expected).toBeLessThanOrEqual(0.01);
    expect(r.status).toBe(status);
  });

  it('no samples, fewer than minSamples, NaN, or a source error: inconclusive, never pass', () => {
    expect(evaluateCriterion(c, ev('error_rate', {}), NOW, { metrics: METRICS })).toMatchObject({ status: 'inconclusive', reason: 'no-data', detail: 'waiting for data: no error rate candidate samples in the last 1h' });
    expect(evaluateCriterion(c, { metrics: { error_rate: { baseline: { buckets: rollUp(samples('baseline', [0.1])) } } } }, NOW)).toMatchObject({ status: 'inconclusive' });
    expect(evaluateCriterion({ ...c, minSamples: 500 }, ev('error_rate', { candidate: samples('candidate', Array(120).fill(0.1), 0, 20) }), NOW, { metrics: METRICS })).toMatchObject({
      status: 'inconclusive',
      reason: 'min-samples',
      detail: 'waiting for data: 120 of 500 error rate candidate samples',
    });
    expect(evaluateCriterion(c, { metrics: { error_rate: { candidate: { value: NaN } } } }, NOW)).toMatchObject({ status: 'inconclusive', reason: 'non-finite' });
    expect(evaluateCriterion(c, { metrics: { error_rate: { candidate: { value: Infinity } } } }, NOW)).toMatchObject({ status: 'inconclusive', reason: 'non-finite' });
    expect(evaluateCriterion(c, { metrics: { error_rate: { candidate: { error: 'empty vector' } } } }, NOW)).toMatchObject({ status: 'inconclusive', reason: 'source-error', detail: 'error_rate candidate: source error: empty vector' });
    // a Prometheus value is the statistic itself
    expect(evaluateCriterion(c, { metrics: { error_rate: { candidate: { value: 0.2 } } } }, NOW)).toMatchObject({ status: 'pass', value: 0.2 });
  });

  it('a count over a whole window with no samples is 0 ("zero runs per hour"); before a whole window has passed it is inconclusive', () => {
    const zero: TCondition = { kind: 'metric', metric: 'runs', arm: 'candidate', stat: 'count', op: '<', value: 1, window: '1h' };
    expect(evaluateCriterion(zero, { metrics: {}, since: at(-7200) }, NOW)).toMatchObject({ status: 'pass', value: 0 });
    expect(evaluateCriterion(zero, { metrics: {}, since: at(1800) }, NOW)).toMatchObject({ status: 'inconclusive', reason: 'no-data' });
    // without knowing when evidence started to count, an empty window is no reading at all
    expect(evaluateCriterion(zero, { metrics: {} }, NOW)).toMatchObject({ status: 'inconclusive', reason: 'no-data' });
    expect(evaluateCriterion(zero, { metrics: { runs: { candidate: { error: 'timeout' } } }, since: at(-7200) }, NOW)).toMatchObject({ status: 'inconclusive' });
    // a mean over an empty window is never 0
    expect(evaluateCriterion({ ...zero, stat: 'mean' }, { metrics: {}, since: at(-7200) }, NOW)).toMatchObject({ status: 'inconclusive' });
  });

  it('since: evidence from before the phase was entered does not count', () => {
    const e = ev('error_rate', { candidate: [...samples('candidate', [9, 9], 600), ...samples('candidate', [0.2, 0.2], 2400)] });
    expect(evaluateCriterion(c, e, NOW).status).toBe('fail');
    expect(evaluateCriterion(c, { ...e, since: at(2000) }, NOW)).toMatchObject({ status: 'pass', value: 0.2, n: 2 });
  });

  it('property: with no samples in the window, no criterion kind ever passes', () => {
    const cond = fc.oneof(
      fc.record({ kind: fc.constant('compatibility' as const), min: fc.double({ min: 0, max: 100, noNaN: true }), window: fc.constantFrom('1m', '1h', '1d') }),
      fc.record({
        kind: fc.constant('metric' as const),
        metric: fc.constant('error_rate'),
        arm: fc.constantFrom('baseline' as const, 'candidate' as const),
        stat: fc.constantFrom('mean' as const, 'min' as const, 'max' as const, 'p95' as const),
        op: fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const, '==' as const),
        value: fc.double({ min: -10, max: 10, noNaN: true }),
        window: fc.constantFrom('1m', '1h', '1d'),
      }),
      fc.record({
        kind: fc.constant('relative' as const),
        metric: fc.constant('error_rate'),
        op: fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const),
        ratio: fc.double({ min: 0.1, max: 10, noNaN: true }),
        window: fc.constantFrom('1m', '1h', '1d'),
      }),
    );
    // evidence that exists, but only outside every window
    const old = ev('error_rate', { baseline: samples('baseline', [1, 2, 3], -10 * 86400), candidate: samples('candidate', [1, 2, 3], -10 * 86400) }, { comparisons: rollUpComparisons([{ at: at(-10 * 86400), compatible: true }]) });
    fc.assert(
      fc.property(cond, (c) => {
        expect(evaluateCriterion(c, old, NOW).status).toBe('inconclusive');
        expect(evaluateCriterion(c, {}, NOW).status).toBe('inconclusive');
      }),
    );
  });

  it('property: the mean equals the exact weighted mean of the samples in the window', () => {
    const sample = fc.record({ value: fc.integer({ min: -100, max: 100 }), count: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: -3600, max: 3600 }) });
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 40 }), (xs) => {
        const ss: MetricSample[] = xs.map((x) => ({ metric: 'error_rate', arm: 'candidate', value: x.value, count: x.count, at: at(x.s) }));
        const inside = ss.filter((s) => s.at.getTime() >= NOW.getTime() - 3600_000 - 59_999 && Math.floor(s.at.getTime() / 60000) * 60000 >= NOW.getTime() - 3600_000);
        const r = evaluateCriterion({ ...c, op: '<', value: 1e9 }, ev('error_rate', { candidate: ss }), NOW);
        if (!inside.length) {
          expect(r.status).toBe('inconclusive');
          return;
        }
        const w = inside.reduce((t, s) => t + s.count!, 0);
        expect(r.value).toBeCloseTo(inside.reduce((t, s) => t + s.value * s.count!, 0) / w, 9);
        expect(r.n).toBe(w);
      }),
    );
  });
});

describe('relative', () => {
  const c: TCondition = { kind: 'relative', metric: 'scan_time', op: '<=', ratio: 1.1, window: '1h' };
  // candidate 10, 12, 14: mean 12, s² = 4, Var(mean) = 4/3; baseline 9, 10, 11: mean 10, s² = 1, Var(mean) = 1/3
  // R = 1.2; Var(R) = (4/3)/10² + 12²·(1/3)/10⁴ = 0.013333… + 0.0048 = 0.0181333…; sd = 0.134660
  // 95 % CI = 1.2 ± 1.959964 · 0.134660 = [0.93607, 1.46393]
  const e = ev('scan_time', { candidate: samples('candidate', [10, 12, 14], 600, 60, 'scan_time'), baseline: samples('baseline', [9, 10, 11], 600, 60, 'scan_time') });

  it('the delta-method interval matches the hand computation', () => {
    const r = evaluateCriterion(c, e, NOW, { metrics: METRICS });
    expect(r.value).toBeCloseTo(1.2, 12);
    expect(r.interval?.low).toBeCloseTo(0.93607, 4);
    expect(r.interval?.high).toBeCloseTo(1.46393, 4);
    expect(r.interval?.method).toBe('delta');
    expect(r).toMatchObject({ status: 'inconclusive', reason: 'straddles', detail: 'scan_time candidate/baseline ratio 1.2 (95 % CI 0.9361–1.464) straddles 1.1: not yet decided' });
    const d = deltaRatioInterval({ n: 3, weight: 3, sum: 36, sumSq: 100 + 144 + 196 }, { n: 3, weight: 3, sum: 30, sumSq: 81 + 100 + 121 });
    expect(d.high - d.ratio).toBeCloseTo(1.959964 * Math.sqrt(4 / 3 / 100 + (144 * (1 / 3)) / 1e4), 6);
  });

  it('pass when the whole interval satisfies the bound, fail when all of it breaks it', () => {
    expect(evaluateCriterion({ ...c, ratio: 1.5 }, e, NOW)).toMatchObject({ status: 'pass' });
    const f = evaluateCriterion({ ...c, ratio: 0.9 }, e, NOW);
    expect(f).toMatchObject({ status: 'fail' });
    expect(f.detail).toMatch(/ratio 1\.2 \(95 % CI 0\.9361–1\.464\) > 0\.9 \(must be <= 0\.9\)/);
    expect(evaluateCriterion({ ...c, op: '>', ratio: 0.9 }, e, NOW)).toMatchObject({ status: 'pass' });
    expect(evaluateCriterion({ ...c, op: '>=', ratio: 1.5 }, e, NOW)).toMatchObject({ status: 'fail' });
  });

  it('intervalStatus: the three cases for each operator', () => {
    expect(intervalStatus(0.9, 1.05, '<=', 1.1)).toBe('pass');
    expect(intervalStatus(1.2, 1.3, '<=', 1.1)).toBe('fail');
    expect(intervalStatus(1.0, 1.2, '<=', 1.1)).toBe('inconclusive');
    expect(intervalStatus(1.0, 1.1, '<', 1.1)).toBe('inconclusive');
    expect(intervalStatus(1.1, 1.2, '<', 1.1)).toBe('fail');
    expect(intervalStatus(1.2, 1.3, '>=', 1.1)).toBe('pass');
    expect(intervalStatus(0.9, 1.0, '>', 1.1)).toBe('fail');
  });

  it('one arm missing, a baseline mean of 0, a source error or too few samples: inconclusive', () => {
    expect(evaluateCriterion(c, ev('scan_time', { candidate: samples('candidate', [1, 2], 600, 60, 'scan_time') }), NOW)).toMatchObject({ status: 'inconclusive', reason: 'no-data', detail: 'waiting for data: no scan_time baseline samples in the last 1h' });
    const zeroBase = ev('scan_time', { candidate: samples('candidate', [1, 2], 600, 60, 'scan_time'), baseline: samples('baseline', [0, 0], 600, 60, 'scan_time') });
    expect(evaluateCriterion(c, zeroBase, NOW)).toMatchObject({ status: 'inconclusive', reason: 'no-ratio' });
    expect(evaluateCriterion(c, { metrics: { scan_time: { candidate: { error: 'timeout' }, baseline: { value: 1 } } } }, NOW)).toMatchObject({ status: 'inconclusive', reason: 'source-error' });
    expect(evaluateCriterion({ ...c, minSamples: 10 }, e, NOW)).toMatchObject({ status: 'inconclusive', reason: 'min-samples' });
    const one = ev('scan_time', { candidate: samples('candidate', [1], 600, 60, 'scan_time'), baseline: samples('baseline', [1], 600, 60, 'scan_time') });
    expect(evaluateCriterion(c, one, NOW)).toMatchObject({ status: 'inconclusive' });
  });

  it('Prometheus values: a point ratio, NaN inconclusive', () => {
    expect(evaluateCriterion(c, { metrics: { scan_time: { candidate: { value: 1.05 }, baseline: { value: 1 } } } }, NOW)).toMatchObject({ status: 'pass', interval: { method: 'point' } });
    expect(evaluateCriterion(c, { metrics: { scan_time: { candidate: { value: NaN }, baseline: { value: 1 } } } }, NOW)).toMatchObject({ status: 'inconclusive' });
  });

  describe('percentiles: seeded bootstrap', () => {
    const rand = prng(42);
    const lat = (scale: number, n: number) => Array.from({ length: n }, () => scale * Math.exp(0.5 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())));
    const base = lat(100, 2000);
    const twice = lat(200, 2000);
    const same = lat(100, 2000);

    it('is reproducible: the same evidence and seed give the same interval; another seed a close one', () => {
      const a = bootstrapRatioInterval(sketchOf(twice), sketchOf(base), 0.95, 7, 300);
      const b = bootstrapRatioInterval(sketchOf(twice), sketchOf(base), 0.95, 7, 300);
      const other = bootstrapRatioInterval(sketchOf(twice), sketchOf(base), 0.95, 8, 300);
      expect(a).toEqual(b);
      expect(a.low).toBeLessThanOrEqual(a.ratio);
      expect(a.high).toBeGreaterThanOrEqual(a.ratio);
      expect(a.ratio).toBeGreaterThan(1.7);
      expect(a.ratio).toBeLessThan(2.3);
      expect(Math.abs(other.low - a.low)).toBeLessThan(0.1);
    });

    it('separates a doubled p95, and straddles for equal arms', () => {
      const pc: TCondition = { kind: 'relative', metric: 'scan_time', stat: 'p95', op: '<=', ratio: 1.1, window: '1h' };
      const mk = (cand: number[]) => ev('scan_time', { candidate: samples('candidate', cand, 600, 1, 'scan_time'), baseline: samples('baseline', base, 600, 1, 'scan_time') });
      const slow = evaluateCriterion(pc, mk(twice), NOW, { resamples: 300 });
      expect(slow).toMatchObject({ status: 'fail', interval: { method: 'bootstrap' } });
      expect(slow.detail).toMatch(/^scan_time p95 candidate\/baseline ratio \d\.\d+ \(95 % CI \d\.\d+–\d\.\d+\) > 1\.1/);
      expect(evaluateCriterion({ ...pc, ratio: 3 }, mk(twice), NOW, { resamples: 300 }).status).toBe('pass');
      expect(evaluateCriterion({ ...pc, ratio: 1 }, mk(same), NOW, { resamples: 300 }).status).toBe('inconclusive');
    });
  });
});
