// A mergeable quantile sketch (DDSketch, Masson et al., VLDB 2019): values are counted in
// logarithmic bins so that any quantile comes back within ALPHA (1 %) of the true value,
// relative. Two sketches merge by adding their bins — exact, associative and commutative — so
// minute rollups add up to any window without keeping the samples. Plain JSON (a jsonb column):
//   { "zero": 2, "pos": { "230": 5, "231": 1 }, "neg": {} }
// `pos[i]` counts values v with γ^(i-1) < v ≤ γ^i, `neg[i]` the same for -v, `zero` the values
// with |v| below MIN_VALUE. Weights are counts (a sample with count 10 adds 10), not necessarily
// whole numbers. Pure.

export const SKETCH_ALPHA = 0.01;
const GAMMA = (1 + SKETCH_ALPHA) / (1 - SKETCH_ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
/** |v| below this counts as zero (the sketch's relative guarantee starts here) */
export const SKETCH_MIN_VALUE = 1e-9;

export interface SketchData {
  zero: number;
  pos: Record<string, number>;
  neg: Record<string, number>;
}

export function emptySketch(): SketchData {
  return { zero: 0, pos: {}, neg: {} };
}

function indexOf(abs: number): number {
  return Math.ceil(Math.log(abs) / LOG_GAMMA);
}

/** The value a bin stands for: within ALPHA of every value the bin holds. */
export function binValue(index: number): number {
  return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
}

/** Adds `value` with weight `count` (mutates and returns the sketch). Non-finite values are refused. */
export function addToSketch(s: SketchData, value: number, count = 1): SketchData {
  if (!Number.isFinite(value)) throw new RangeError(`sketch: value must be finite, got ${value}`);
  if (!Number.isFinite(count) || count <= 0) throw new RangeError(`sketch: count must be positive, got ${count}`);
  const abs = Math.abs(value);
  if (abs < SKETCH_MIN_VALUE) s.zero += count;
  else {
    const store = value > 0 ? s.pos : s.neg;
    const k = String(indexOf(abs));
    store[k] = (store[k] ?? 0) + count;
  }
  return s;
}

export function sketchOf(values: readonly number[]): SketchData {
  const s = emptySketch();
  for (const v of values) addToSketch(s, v);
  return s;
}

/** A new sketch holding both (bins added). */
export function mergeSketches(a: SketchData, b: SketchData): SketchData {
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const out: Record<string, number> = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return { zero: a.zero + b.zero, pos: add(a.pos, b.pos), neg: add(a.neg, b.neg) };
}

/** Total weight in the sketch. */
export function sketchCount(s: SketchData): number {
  let n = s.zero;
  for (const v of Object.values(s.pos)) n += v;
  for (const v of Object.values(s.neg)) n += v;
  return n;
}

/** The bins in value order: [representative value, weight]. */
export function sketchBins(s: SketchData): [number, number][] {
  const neg = Object.entries(s.neg)
    .map(([k, w]) => [-binValue(Number(k)), w] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const pos = Object.entries(s.pos)
    .map(([k, w]) => [binValue(Number(k)), w] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  return [...neg, ...(s.zero > 0 ? [[0, s.zero] as [number, number]] : []), ...pos].filter(([, w]) => w > 0);
}

/**
 * The q-quantile (0 ≤ q ≤ 1), or NaN for an empty sketch. Lower quantile: the value of rank
 * ⌊q·(n−1)⌋ (0-based) in sorted order, within ALPHA relative — the same rank rule as DDSketch.
 */
export function quantile(s: SketchData, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const bins = sketchBins(s);
  const total = bins.reduce((t, [, w]) => t + w, 0);
  if (total <= 0) return NaN;
  const rank = q * (total - 1);
  let seen = 0;
  for (const [v, w] of bins) {
    seen += w;
    if (seen > rank) return v;
  }
  return bins[bins.length - 1][0];
}

/** Weight of the values ≤ x, reading each bin at its representative value (so within ALPHA of x). */
export function countAtMost(s: SketchData, x: number): number {
  let n = 0;
  for (const [v, w] of sketchBins(s)) if (v <= x) n += w;
  return n;
}
