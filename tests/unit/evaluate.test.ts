// Flag evaluation: static values, allow-lists, attribute rules, sticky splits.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { armFor, bucketOf, contextFreeValue, evaluate, isEvaluationError, murmur3_32, type EvaluableFlag, type EvaluationResult } from '../../lib/domain/evaluate';

const str: EvaluableFlag = { key: 'MARKET_SCAN_ENGINE', type: 'string', variants: ['v1', 'dual', 'v2'] };
const bool: EvaluableFlag = { key: 'MATCH_ENGINE_V1', type: 'boolean' };
const num: EvaluableFlag = { key: 'MAX_PARALLEL', type: 'number' };
const obj: EvaluableFlag = { key: 'LIMITS', type: 'json' };

const value = (r: EvaluationResult) => {
  if (isEvaluationError(r)) throw new Error(`unexpected error ${r.errorCode}: ${r.errorDetails}`);
  return r.value;
};

describe('the split hash', () => {
  it('is MurmurHash3 x86_32 (reference test vectors)', () => {
    const enc = new TextEncoder();
    expect(murmur3_32(enc.encode(''), 0)).toBe(0);
    expect(murmur3_32(enc.encode(''), 1)).toBe(0x514e28b7);
    expect(murmur3_32(enc.encode('hello'), 0)).toBe(0x248bfa47);
    expect(murmur3_32(enc.encode('Hello, world!'), 0)).toBe(0xc0363e43);
    expect(murmur3_32(enc.encode('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
  });

  it('buckets `${flagKey}:${targetingKey}` into 0..9999', () => {
    expect(bucketOf('hello', 'world')).toBe(murmur3_32(new TextEncoder().encode('hello:world'), 0) % 10000);
    fc.assert(
      fc.property(fc.string(), fc.string(), (f, k) => {
        const b = bucketOf(f, k);
        return Number.isInteger(b) && b >= 0 && b < 10000;
      }),
    );
  });
});

describe('evaluate', () => {
  it('serves a plain value as STATIC without a targetingKey', () => {
    expect(evaluate(str, 'dual', {})).toEqual({ value: 'dual', reason: 'STATIC', variant: 'dual' });
    expect(evaluate(bool, true, {})).toEqual({ value: true, reason: 'STATIC', variant: 'on' });
    expect(evaluate(bool, false)).toEqual({ value: false, reason: 'STATIC', variant: 'off' });
    expect(evaluate(num, 4, {})).toEqual({ value: 4, reason: 'STATIC', variant: '4' });
    expect(evaluate(obj, { batch: 50, retries: [1, 2] }, {})).toEqual({ value: { batch: 50, retries: [1, 2] }, reason: 'STATIC', variant: 'static' });
  });

  it('reports a value of the wrong type as GENERAL instead of serving it', () => {
    expect(evaluate(bool, 'yes', {})).toMatchObject({ errorCode: 'GENERAL' });
    expect(evaluate(num, '4', {})).toMatchObject({ errorCode: 'GENERAL' });
    expect(evaluate(str, null, {})).toMatchObject({ errorCode: 'GENERAL' });
  });

  it('refuses a context that is not an object or a non-string targetingKey (INVALID_CONTEXT)', () => {
    expect(evaluate(str, 'v1', 'x' as never)).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
    expect(evaluate(str, 'v1', { targetingKey: 42 })).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
  });

  const allowList = {
    rules: [{ name: 'Internal beta', when: [{ attribute: 'targetingKey', op: 'in' as const, values: ['andy@hotmatch.com', 'bea@hotmatch.com'] }], value: true }],
    default: false,
  };

  it('allow-list: listed users match, everyone else gets the default', () => {
    expect(evaluate(bool, allowList, { targetingKey: 'andy@hotmatch.com' })).toEqual({ value: true, reason: 'TARGETING_MATCH', variant: 'on' });
    expect(evaluate(bool, allowList, { targetingKey: 'zed@example.com' })).toEqual({ value: false, reason: 'DEFAULT', variant: 'off' });
    // a rule set without a split needs no targetingKey
    expect(evaluate(bool, allowList, {})).toEqual({ value: false, reason: 'DEFAULT', variant: 'off' });
  });

  it('attribute rules: in, eq, comparisons, string ops, nested and array attributes', () => {
    const rs = {
      rules: [
        { when: [{ attribute: 'plan', op: 'in' as const, values: ['enterprise'] }, { attribute: 'region', op: 'eq' as const, values: ['eu'] }], value: 'v2' },
        { when: [{ attribute: 'seats', op: 'gte' as const, values: [100] }], value: 'dual' },
        { when: [{ attribute: 'email', op: 'ends_with' as const, values: ['@hotmatch.com'] }], value: 'dual' },
        { when: [{ attribute: 'account.tier', op: 'eq' as const, values: [3] }], value: 'v2' },
        { when: [{ attribute: 'groups', op: 'contains' as const, values: ['beta'] }], value: 'v2' },
      ],
      default: 'v1',
    };
    const r = (ctx: Record<string, unknown>) => evaluate(str, rs, ctx);
    expect(r({ plan: 'enterprise', region: 'eu' })).toEqual({ value: 'v2', reason: 'TARGETING_MATCH', variant: 'v2' });
    expect(r({ plan: 'enterprise', region: 'us' })).toEqual({ value: 'v1', reason: 'DEFAULT', variant: 'v1' });
    expect(value(r({ seats: 150 }))).toBe('dual');
    expect(value(r({ seats: '150' }))).toBe('dual');
    expect(value(r({ seats: 99 }))).toBe('v1');
    expect(value(r({ seats: 'lots' }))).toBe('v1');
    expect(value(r({ email: 'andy@hotmatch.com' }))).toBe('dual');
    expect(value(r({ account: { tier: '3' } }))).toBe('v2');
    expect(value(r({ groups: ['alpha', 'beta-testers'] }))).toBe('v2');
    expect(value(r({}))).toBe('v1');
  });

  it('a missing attribute never matches, not even not_in', () => {
    const rs = { rules: [{ when: [{ attribute: 'country', op: 'not_in' as const, values: ['fr'] }], value: true }], default: false };
    expect(value(evaluate(bool, rs, { country: 'de' }))).toBe(true);
    expect(value(evaluate(bool, rs, { country: 'fr' }))).toBe(false);
    expect(value(evaluate(bool, rs, {}))).toBe(false);
    expect(value(evaluate(bool, rs, { country: null }))).toBe(false);
  });

  const fifty = { split: [{ value: 'v1', weight: 50 }, { value: 'v2', weight: 50 }] };

  it('a split without a targetingKey is TARGETING_KEY_MISSING', () => {
    expect(evaluate(str, fifty, {})).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
    expect(evaluate(str, fifty, { targetingKey: '' })).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
  });

  it('only the split that is reached needs a targetingKey', () => {
    const rs = {
      rules: [
        { when: [{ attribute: 'internal', op: 'eq' as const, values: [true] }], value: 'v2' },
        { when: [{ attribute: 'plan', op: 'eq' as const, values: ['free'] }], split: fifty.split },
      ],
      default: 'v1',
    };
    expect(evaluate(str, rs, { internal: true })).toEqual({ value: 'v2', reason: 'TARGETING_MATCH', variant: 'v2' });
    expect(evaluate(str, rs, { plan: 'pro' })).toEqual({ value: 'v1', reason: 'DEFAULT', variant: 'v1' });
    expect(evaluate(str, rs, { plan: 'free' })).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
    expect(evaluate(str, rs, { plan: 'free', targetingKey: 'u1' })).toMatchObject({ reason: 'SPLIT' });
  });

  it('50/50 split: 10,000 keys land within ±2 % of half each', () => {
    const counts: Record<string, number> = { v1: 0, v2: 0 };
    for (let i = 0; i < 10_000; i++) {
      const r = evaluate(str, fifty, { targetingKey: `user-${i}@example.com` });
      expect(r).toMatchObject({ reason: 'SPLIT' });
      counts[value(r) as string]++;
    }
    expect(counts.v1 + counts.v2).toBe(10_000);
    expect(Math.abs(counts.v1 / 10_000 - 0.5)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(counts.v2 / 10_000 - 0.5)).toBeLessThanOrEqual(0.02);
  });

  it('uneven splits land near their weights (json flag variants name the arm)', () => {
    const rs = { split: [{ value: { batch: 10 }, weight: 10 }, { value: { batch: 20 }, weight: 30 }, { value: { batch: 30 }, weight: 60 }] };
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) {
      const r = evaluate(obj, rs, { targetingKey: `acct-${i}` });
      if (isEvaluationError(r)) throw new Error(r.errorDetails);
      counts[Number(r.variant!.split('-').pop())]++;
      expect(r.variant).toMatch(/^default-split-[012]$/);
    }
    expect(counts[0] / 20_000).toBeCloseTo(0.1, 1);
    expect(counts[1] / 20_000).toBeCloseTo(0.3, 1);
    expect(counts[2] / 20_000).toBeCloseTo(0.6, 1);
  });

  it('is sticky: the same key gets the same variant every time, independent of other attributes', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (key, region) => {
        const a = evaluate(str, fifty, { targetingKey: key });
        const b = evaluate(str, fifty, { targetingKey: key, region });
        return JSON.stringify(a) === JSON.stringify(b);
      }),
    );
    // and different flags bucket independently (the flag key is part of the hash)
    let same = 0;
    for (let i = 0; i < 2000; i++) {
      const k = `u${i}`;
      if (value(evaluate(str, fifty, { targetingKey: k })) === value(evaluate({ ...str, key: 'OTHER' }, fifty, { targetingKey: k }))) same++;
    }
    expect(same / 2000).toBeGreaterThan(0.4);
    expect(same / 2000).toBeLessThan(0.6);
  });

  it('growing an arm 25 → 50 → 100 only ever moves users onto it, never off it', () => {
    const step = (pct: number) => ({
      split: [
        { value: true, weight: pct },
        { value: false, weight: 100 - pct },
      ],
    });
    const keys = Array.from({ length: 5000 }, (_, i) => `member-${i}`);
    const on = (pct: number) => new Set(keys.filter((k) => value(evaluate(bool, step(pct), { targetingKey: k })) === true));
    const s25 = on(25);
    const s50 = on(50);
    const s100 = on(100);
    for (const k of s25) expect(s50.has(k)).toBe(true);
    for (const k of s50) expect(s100.has(k)).toBe(true);
    expect(s100.size).toBe(keys.length);
    expect(Math.abs(s25.size / keys.length - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(s50.size / keys.length - 0.5)).toBeLessThan(0.02);
  });

  it('property: if no cumulative boundary shrinks, no bucket moves to a later arm', () => {
    const weights = fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 2, maxLength: 4 }).map((ws) => {
      const total = ws.reduce((a, b) => a + b, 0) || 1;
      const scaled = ws.map((w) => Math.floor((w / total) * 100));
      scaled[scaled.length - 1] += 100 - scaled.reduce((a, b) => a + b, 0);
      return scaled;
    });
    fc.assert(
      fc.property(weights, fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 9999 }), (ws, grow, bucket) => {
        // move weight from the last arm to earlier arms: every cumulative boundary grows
        const next = [...ws];
        for (let i = 0; i < next.length - 1; i++) {
          const take = Math.min(grow[i], next[next.length - 1]);
          next[i] += take;
          next[next.length - 1] -= take;
        }
        const arms = (w: number[]) => w.map((weight) => ({ weight }));
        return armFor(arms(next), bucket) <= armFor(arms(ws), bucket);
      }),
    );
  });

  it('weights 0 and 100 are exact', () => {
    const rs = { split: [{ value: 'v2', weight: 0 }, { value: 'v1', weight: 100 }] };
    for (let i = 0; i < 1000; i++) expect(value(evaluate(str, rs, { targetingKey: `k${i}` }))).toBe('v1');
    const all = { split: [{ value: 'v2', weight: 100 }, { value: 'v1', weight: 0 }] };
    for (let i = 0; i < 1000; i++) expect(value(evaluate(str, all, { targetingKey: `k${i}` }))).toBe('v2');
  });
});

describe('contextFreeValue (the .env / .json export)', () => {
  it('is the plain value, the default, or the largest split arm', () => {
    expect(contextFreeValue('v2')).toBe('v2');
    expect(contextFreeValue({ rules: [{ when: [{ attribute: 'targetingKey', op: 'in', values: ['a'] }], value: true }], default: false })).toBe(false);
    expect(contextFreeValue({ split: [{ value: 'v2', weight: 25 }, { value: 'v1', weight: 75 }] })).toBe('v1');
    expect(contextFreeValue({ split: [{ value: 'v2', weight: 50 }, { value: 'v1', weight: 50 }] })).toBe('v2');
  });
});

describe('bucketOf with non-ASCII keys', () => {
  it('hashes the UTF-8 bytes', () => {
    const k = 'zoë@exämple.com';
    expect(bucketOf('FLAG', k)).toBe(murmur3_32(new TextEncoder().encode(`FLAG:${k}`), 0) % 10000);
    expect(bucketOf('FLAG', 'plain')).toBe(murmur3_32(new TextEncoder().encode('FLAG:plain'), 0) % 10000);
  });
});
