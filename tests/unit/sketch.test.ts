// The quantile sketch: every quantile within 1 % (relative) of the exact one on random data,
// zero and negatives included; merging is exact addition (associative, commutative, equal to
// sketching everything at once); it survives a JSON round trip (a jsonb column).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addToSketch, countAtMost, emptySketch, mergeSketches, quantile, SKETCH_ALPHA, sketchCount, sketchOf } from '../../lib/domain/sketch';

/** the value of rank ⌊q·(n−1)⌋ in sorted order: the quantile the sketch approximates */
function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 1e-3, max: 10, noNaN: true }),
  fc.constant(0),
);
const QS = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

describe('sketch', () => {
  it('an empty sketch has no quantile (NaN), and counts nothing', () => {
    expect(quantile(emptySketch(), 0.5)).toBeNaN();
    expect(sketchCount(emptySketch())).toBe(0);
  });

  it('quantiles are within 1 % relative of the exact ones on random data', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 400 }), (values) => {
        const s = sketchOf(values);
        for (const q of QS) {
          const exact = exactQuantile(values, q);
          const est = quantile(s, q);
          if (Math.abs(exact) < 1e-9) expect(Math.abs(est)).toBeLessThan(1e-9);
          else expect(Math.abs(est - exact) / Math.abs(exact)).toBeLessThanOrEqual(SKETCH_ALPHA + 1e-12);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('on a known series: p50, p95 and p99 of 1..1000 within 1 %', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const s = sketchOf(values);
    expect(Math.abs(quantile(s, 0.5) - 500) / 500).toBeLessThanOrEqual(0.01);
    expect(Math.abs(quantile(s, 0.95) - 950) / 950).toBeLessThanOrEqual(0.01);
    expect(Math.abs(quantile(s, 0.99) - 990) / 990).toBeLessThanOrEqual(0.01);
    expect(quantile(s, 0)).toBeCloseTo(1, 1);
  });

  it('weights count like repeated values', () => {
    const a = addToSketch(addToSketch(emptySketch(), 10, 3), 20, 1);
    expect(a).toEqual(sketchOf([10, 10, 10, 20]));
    expect(quantile(a, 0.5)).toBeCloseTo(10, 0);
  });

  it('merge is exact: associative, commutative, and the same as one sketch of all values', () => {
    const arr = fc.array(value, { maxLength: 60 });
    fc.assert(
      fc.property(arr, arr, arr, (x, y, z) => {
        const [a, b, c] = [sketchOf(x), sketchOf(y), sketchOf(z)];
        const left = mergeSketches(mergeSketches(a, b), c);
        const right = mergeSketches(a, mergeSketches(b, c));
        expect(left).toEqual(right);
        expect(mergeSketches(a, b)).toEqual(mergeSketches(b, a));
        expect(left).toEqual(sketchOf([...x, ...y, ...z]));
        expect(sketchCount(left)).toBe(x.length + y.length + z.length);
      }),
    );
  });

  it('is plain JSON: a round trip changes nothing', () => {
    const s = sketchOf([-3, 0, 0.5, 2, 2, 1e5]);
    const back = JSON.parse(JSON.stringify(s));
    expect(back).toEqual(s);
    expect(quantile(back, 0.5)).toBe(quantile(s, 0.5));
  });

  it('refuses non-finite values and non-positive counts', () => {
    expect(() => addToSketch(emptySketch(), NaN)).toThrow(/finite/);
    expect(() => addToSketch(emptySketch(), Infinity)).toThrow(/finite/);
    expect(() => addToSketch(emptySketch(), 1, 0)).toThrow(/positive/);
  });

  it('countAtMost counts the values up to x (within 1 % at the edge)', () => {
    const s = sketchOf([0, 1, 2, 4.9, 5.2, 10]);
    expect(countAtMost(s, 5)).toBe(4);
    expect(countAtMost(s, -1)).toBe(0);
    expect(countAtMost(s, 100)).toBe(6);
  });
});
