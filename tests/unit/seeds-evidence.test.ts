// The evidence of the five seed plans (issue 8, "Seeds and demo"): each runbook's numbers are in
// the plan as metrics, criteria and red flags, and they mean what the runbook says — a value on
// the wrong side of a runbook threshold fails the criterion or trips the red flag, one on the
// right side does not. The quoted lines and numbers below are copied from the runbooks
// (shared/seeds/*.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { evaluateCriterion, type Evidence, type TCondition, type TMetric } from '../../lib/domain/criteria';
import { rollUp, rollUpComparisons, type Arm, type ComparisonResult } from '../../lib/domain/evidence';
import { validatePlan, type TPlan } from '../../lib/domain/plan';

const PLANS_DIR = new URL('../../prisma/plans/', import.meta.url);

function loadPlan(key: string): TPlan {
  const r = validatePlan(parseYaml(readFileSync(new URL(`${key}.yaml`, PLANS_DIR), 'utf8')));
  if (!r.ok) throw new Error(`${key}: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return r.plan;
}
function phaseOf(plan: TPlan, key: string) {
  const p = plan.phases.find((x) => x.key === key);
  if (!p) throw new Error(`no phase ${key} in ${plan.key}`);
  return p;
}
const criteria = (plan: TPlan, key: string) => phaseOf(plan, key).criteria ?? [];
const redFlags = (plan: TPlan, key: string) => phaseOf(plan, key).redFlags ?? [];
/** a red flag as written in the plan (defaults filled by the schema: after 1, interval 1m) */
const flag = (when: Record<string, unknown>, severity: string, action: string, after = 1) => ({ when, severity, action, after, interval: '1m' });

const NOW = new Date('2026-06-01T12:00:00Z');
const SINCE = new Date('2026-05-01T00:00:00Z');

/** evidence: every minute of the last `minutes`, each arm's constant value, `count` events a minute */
function steady(metric: string, arms: Partial<Record<Arm, number>>, minutes = 60, count = 10): Evidence {
  const out: Partial<Record<Arm, { buckets: ReturnType<typeof rollUp> }>> = {};
  for (const [arm, value] of Object.entries(arms) as [Arm, number][]) {
    const samples = Array.from({ length: minutes }, (_, i) => ({ metric, arm, value, count, at: new Date(NOW.getTime() - i * 60_000) }));
    out[arm] = { buckets: rollUp(samples) };
  }
  return { metrics: { [metric]: out }, since: SINCE };
}
/** evidence: latency-like observations spread evenly between lo and hi (so p95 ≈ lo + 0.95·(hi − lo)) */
function spread(metric: string, arm: Arm, lo: number, hi: number, n = 400): Evidence {
  const samples = Array.from({ length: n }, (_, i) => ({ metric, arm, value: lo + ((hi - lo) * i) / (n - 1), at: new Date(NOW.getTime() - (i % 4) * 60_000) }));
  return { metrics: { [metric]: { [arm]: { buckets: rollUp(samples) } } }, since: SINCE };
}
function comparisons(results: Omit<ComparisonResult, 'at'>[]): Evidence {
  return { comparisons: rollUpComparisons(results.map((r, i) => ({ ...r, at: new Date(NOW.getTime() - (i % 30) * 60_000) }))), since: SINCE };
}
const status = (plan: TPlan, c: TCondition, ev: Evidence) => evaluateCriterion(c, ev, NOW, { metrics: plan.metrics as TMetric[] }).status;
const withoutTiming = <T extends { for?: string; interval?: string }>(c: T): TCondition => {
  const { for: _f, interval: _i, ...rest } = c;
  return rest as unknown as TCondition;
};

describe('seed evidence: the runbooks as data', () => {
  it('market-scan-v2 (seed 000): the "Key Metrics to Track" table is the metrics list', () => {
    const plan = loadPlan('market-scan-v2');
    // | Success Rate | Avg Scan Time | Error Rate | Missing Fields | Worker Uptime |
    expect(plan.metrics).toEqual([
      { key: 'success_rate', unit: '%', better: 'higher', label: 'Success rate' },
      { key: 'scan_time', unit: 's', better: 'lower', label: 'Avg scan time' },
      { key: 'error_rate', unit: '%', better: 'lower', label: 'Error rate' },
      { key: 'missing_fields', unit: 'fields', better: 'lower', label: 'Missing fields' },
      { key: 'worker_uptime', unit: '%', better: 'higher', label: 'Worker uptime' },
    ]);
  });

  it('market-scan-v2 (seed 000): dual — "95%+ scans show compatible=true" for 24 h, "Error rate < 1%" for 24 h, "Average scan time ≤ V1 baseline"', () => {
    const plan = loadPlan('market-scan-v2');
    const [compat, errors, scanTime] = criteria(plan, 'dual');
    expect(criteria(plan, 'dual')).toHaveLength(3);
    expect(compat).toEqual({ kind: 'compatibility', min: 95, minSamples: 500, window: '24h', for: '24h' });
    expect(errors).toEqual({ kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 1, window: '1h', for: '24h' });
    expect(scanTime).toEqual({ kind: 'relative', metric: 'scan_time', op: '<=', ratio: 1, window: '1h' });

    const scans = (compatible: number, total: number) => comparisons(Array.from({ length: total }, (_, i) => ({ compatible: i < compatible, category: i < compatible ? undefined : 'type_mismatch' })));
    expect(status(plan, withoutTiming(compat), scans(951, 1000))).toBe('pass');
    expect(status(plan, withoutTiming(compat), scans(949, 1000))).toBe('fail');
    expect(status(plan, withoutTiming(compat), scans(480, 480))).toBe('inconclusive'); // fewer than 500 comparisons
    expect(status(plan, withoutTiming(errors), steady('error_rate', { candidate: 0.9 }))).toBe('pass');
    expect(status(plan, withoutTiming(errors), steady('error_rate', { candidate: 1.1 }))).toBe('fail');
  });

  it('market-scan-v2 (seed 000): V2-only — "Error rate < 1%", "< 2% for 72 hours", "Scan times 10-20% faster than V1" (≤ 4.5 s of the 5.0 s baseline); V2 default — a week at the V2 targets', () => {
    const plan = loadPlan('market-scan-v2');
    expect(criteria(plan, 'v2-only')).toEqual([
      { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 1, window: '1h' },
      { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 2, window: '1h', for: '72h' },
      { kind: 'metric', metric: 'scan_time', arm: 'candidate', op: '<=', value: 4.5, window: '1h' },
    ]);
    // | Success Rate | ≥ 98% | · | Error Rate | < 2% | · | Avg Scan Time | ≤ 5.0s |, "V2 stable for 1 week+"
    expect(criteria(plan, 'v2-default')).toEqual([
      { kind: 'metric', metric: 'success_rate', arm: 'candidate', op: '>=', value: 98, window: '1h', for: '7d' },
      { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 2, window: '1h', for: '7d' },
      { kind: 'metric', metric: 'scan_time', arm: 'candidate', op: '<=', value: 5, window: '1h', for: '7d' },
    ]);
    const faster = criteria(plan, 'v2-only')[2];
    expect(status(plan, withoutTiming(faster), steady('scan_time', { candidate: 4.4 }))).toBe('pass');
    expect(status(plan, withoutTiming(faster), steady('scan_time', { candidate: 4.7 }))).toBe('fail');
  });

  it('market-scan-v2 (seed 000): the "Alert If" column is every phase\'s red flags — error > 5% rolls back, success < 95% pauses, scan time > 6.0 s, missing fields > 0 and uptime < 99% notify; "> 2x slower" pauses in dual', () => {
    const plan = loadPlan('market-scan-v2');
    const alerts = [
      flag({ kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 5, window: '15m' }, 'critical', 'rollback', 3),
      flag({ kind: 'metric', metric: 'success_rate', arm: 'candidate', op: '<', value: 95, window: '15m' }, 'critical', 'pause', 3),
      flag({ kind: 'metric', metric: 'scan_time', arm: 'candidate', op: '>', value: 6, window: '15m' }, 'warning', 'notify', 3),
      flag({ kind: 'metric', metric: 'missing_fields', arm: 'candidate', stat: 'max', op: '>', value: 0, window: '15m' }, 'warning', 'notify'),
      flag({ kind: 'metric', metric: 'worker_uptime', arm: 'candidate', op: '<', value: 99, window: '1h' }, 'warning', 'notify'),
    ];
    const slower = flag({ kind: 'relative', metric: 'scan_time', op: '>', ratio: 2, window: '15m' }, 'critical', 'pause', 3);
    expect(redFlags(plan, 'dual')).toEqual([alerts[0], alerts[1], slower, ...alerts.slice(2)]);
    expect(redFlags(plan, 'v2-only')).toEqual(alerts);
    expect(redFlags(plan, 'v2-default')).toEqual(alerts);

    // a red flag's condition holds (status pass) on the bad side of the alert level only
    const [errorFlag, successFlag, , missingFlag] = alerts.map((f) => f.when as TCondition);
    expect(status(plan, errorFlag, steady('error_rate', { candidate: 5.5 }, 15))).toBe('pass');
    expect(status(plan, errorFlag, steady('error_rate', { candidate: 4.5 }, 15))).toBe('fail');
    expect(status(plan, successFlag, steady('success_rate', { candidate: 94 }, 15))).toBe('pass');
    expect(status(plan, successFlag, steady('success_rate', { candidate: 96 }, 15))).toBe('fail');
    expect(status(plan, missingFlag, steady('missing_fields', { candidate: 0 }, 15))).toBe('fail');
    expect(status(plan, slower.when as TCondition, steady('scan_time', { baseline: 5, candidate: 11 }, 15))).toBe('pass');
  });

  it('marketplace-v2 (seed 001): the SLO table — search p95 < 200 ms, lookup p95 < 100 ms, cache hit > 80 %, error < 1 % — on v2 in every phase that serves it, held 24 h in full migration with availability > 99.9 %', () => {
    const plan = loadPlan('marketplace-v2');
    expect(plan.metrics?.map((m) => [m.key, m.unit, m.better])).toEqual([
      ['search_latency', 'ms', 'lower'],
      ['lookup_latency', 'ms', 'lower'],
      ['cache_hit_rate', '%', 'higher'],
      ['error_rate', '%', 'lower'],
      ['availability', '%', 'higher'],
    ]);
    const slos = [
      { kind: 'metric', metric: 'search_latency', arm: 'candidate', stat: 'p95', op: '<', value: 200, window: '1h', minSamples: 100 },
      { kind: 'metric', metric: 'lookup_latency', arm: 'candidate', stat: 'p95', op: '<', value: 100, window: '1h', minSamples: 100 },
      { kind: 'metric', metric: 'cache_hit_rate', arm: 'candidate', op: '>', value: 80, window: '1h' },
      { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 1, window: '1h' },
    ];
    expect(criteria(plan, 'opt-in-beta').slice(0, 4)).toEqual(slos);
    expect(criteria(plan, 'ab-test').slice(0, 4)).toEqual(slos);
    expect(criteria(plan, 'full-migration')).toEqual([...slos.map((c) => ({ ...c, for: '24h' })), { kind: 'metric', metric: 'availability', arm: 'candidate', op: '>', value: 99.9, window: '24h' }]);
    expect(criteria(plan, 'pre-deployment')).toEqual([]);

    const search = slos[0] as TCondition;
    expect(status(plan, search, spread('search_latency', 'candidate', 50, 190))).toBe('pass');
    expect(status(plan, search, spread('search_latency', 'candidate', 50, 260))).toBe('fail'); // p95 ≈ 250 ms
  });

  it('marketplace-v2 (seed 001): A/B — "V2 latency within 10% of V1" (p95 ratio ≤ 1.10) and "V2 error rate ≤ V1"; the beta — "performance equal or better than v1"', () => {
    const plan = loadPlan('marketplace-v2');
    expect(criteria(plan, 'ab-test').slice(4)).toEqual([
      { kind: 'relative', metric: 'search_latency', stat: 'p95', op: '<=', ratio: 1.1, window: '1h', minSamples: 100 },
      { kind: 'relative', metric: 'lookup_latency', stat: 'p95', op: '<=', ratio: 1.1, window: '1h', minSamples: 100 },
      { kind: 'relative', metric: 'error_rate', op: '<=', ratio: 1, window: '24h' },
    ]);
    expect(criteria(plan, 'opt-in-beta').slice(4)).toEqual([
      { kind: 'relative', metric: 'search_latency', stat: 'p95', op: '<=', ratio: 1, window: '1h', minSamples: 100 },
      { kind: 'relative', metric: 'lookup_latency', stat: 'p95', op: '<=', ratio: 1, window: '1h', minSamples: 100 },
    ]);
    const within10 = criteria(plan, 'ab-test')[4] as TCondition;
    const both = (v1Hi: number, v2Hi: number): Evidence => ({
      metrics: { search_latency: { ...spread('search_latency', 'baseline', 40, v1Hi, 2000).metrics!.search_latency, ...spread('search_latency', 'candidate', 40, v2Hi, 2000).metrics!.search_latency } },
      since: SINCE,
    });
    expect(status(plan, within10, both(200, 180))).toBe('pass'); // v2 faster
    expect(status(plan, within10, both(200, 300))).toBe('fail'); // v2 p95 ~1.5× v1
  });

  it('marketplace-v2 (seed 001): "When to Rollback" — error rate > 5 %, p95 latency > 500 ms — rolls back by itself in the beta, A/B and full migration (not in deprecation, which removes v1)', () => {
    const plan = loadPlan('marketplace-v2');
    const triggers = [
      flag({ kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 5, window: '5m' }, 'critical', 'rollback', 3),
      flag({ kind: 'metric', metric: 'search_latency', arm: 'candidate', stat: 'p95', op: '>', value: 500, window: '5m', minSamples: 50 }, 'critical', 'rollback', 3),
      flag({ kind: 'metric', metric: 'lookup_latency', arm: 'candidate', stat: 'p95', op: '>', value: 500, window: '5m', minSamples: 50 }, 'critical', 'rollback', 3),
    ];
    for (const p of ['opt-in-beta', 'ab-test', 'full-migration']) expect(redFlags(plan, p), p).toEqual(triggers);
    expect(redFlags(plan, 'pre-deployment')).toEqual([]);
    expect(redFlags(plan, 'deprecation')).toEqual([]);
    expect(status(plan, triggers[0].when as TCondition, steady('error_rate', { candidate: 6 }, 5))).toBe('pass');
    expect(status(plan, triggers[0].when as TCondition, steady('error_rate', { candidate: 0.5 }, 5))).toBe('fail');
    expect(status(plan, triggers[1].when as TCondition, spread('search_latency', 'candidate', 100, 700))).toBe('pass');
  });

  it('matching-engine-v1 (seed 002): shadow — "100 runs", "Match counts within 5% of existing data" (numbers + tolerance 5); dual path — identical results, V1 no slower and no more errors; cutover — 7 days of error < 2 % and average match time < 5 s', () => {
    const plan = loadPlan('matching-engine-v1');
    expect(plan.metrics?.map((m) => m.key)).toEqual(['runs', 'error_rate', 'duration', 'stuck_runs', 'match_count_diff']);
    expect(criteria(plan, 'shadow')).toEqual([{ kind: 'compatibility', min: 100, tolerance: 5, minSamples: 100, window: '7d' }]);
    expect(criteria(plan, 'dual-path')).toEqual([
      { kind: 'relative', metric: 'duration', op: '<=', ratio: 1, window: '24h' },
      { kind: 'relative', metric: 'error_rate', op: '<=', ratio: 1, window: '24h' },
      { kind: 'compatibility', min: 100, tolerance: 0, window: '24h' },
    ]);
    expect(criteria(plan, 'cutover')).toEqual([
      { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 2, window: '24h', for: '7d' },
      { kind: 'metric', metric: 'duration', arm: 'candidate', op: '<', value: 5, window: '24h', for: '7d' },
    ]);
    const shadow = criteria(plan, 'shadow')[0] as TCondition;
    const pairs = (worst: number) => comparisons(Array.from({ length: 100 }, (_, i) => ({ baseline: 1000, candidate: 1000 + (i === 0 ? worst : i % 30) })));
    expect(status(plan, shadow, pairs(40))).toBe('pass'); // every count within 4 %
    expect(status(plan, shadow, pairs(80))).toBe('fail'); // one run 8 % off
  });

  it('matching-engine-v1 (seed 002): the "Alert Thresholds" table — error 5 / 10 %, duration 10 / 30 s, stuck 5 / 20, zero runs per hour critical — with the decision matrix\'s actions', () => {
    const plan = loadPlan('matching-engine-v1');
    const table = (critical: 'notify' | 'rollback') => [
      flag({ kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 5, window: '1h' }, 'warning', 'notify'),
      flag({ kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 10, window: '1h' }, 'critical', critical),
      flag({ kind: 'metric', metric: 'duration', arm: 'candidate', op: '>', value: 10, window: '1h' }, 'warning', 'notify'),
      flag({ kind: 'metric', metric: 'duration', arm: 'candidate', op: '>', value: 30, window: '1h' }, 'critical', critical),
      flag({ kind: 'metric', metric: 'stuck_runs', arm: 'candidate', stat: 'max', op: '>', value: 5, window: '15m' }, 'warning', 'notify'),
      flag({ kind: 'metric', metric: 'stuck_runs', arm: 'candidate', stat: 'max', op: '>', value: 20, window: '15m' }, 'critical', 'notify'),
    ];
    const zeroRuns = flag({ kind: 'metric', metric: 'runs', arm: 'candidate', stat: 'count', op: '<', value: 1, window: '1h' }, 'critical', 'notify');
    const tenPercentOff = flag({ kind: 'metric', metric: 'match_count_diff', arm: 'candidate', stat: 'max', op: '>', value: 10, window: '1h' }, 'critical', 'pause');
    const slower = flag({ kind: 'relative', metric: 'duration', op: '>', ratio: 1, window: '24h' }, 'warning', 'notify');
    expect(redFlags(plan, 'shadow')).toEqual([...table('notify'), tenPercentOff]);
    expect(redFlags(plan, 'dual-path')).toEqual([...table('rollback'), tenPercentOff, slower]);
    expect(redFlags(plan, 'cutover')).toEqual([...table('rollback'), zeroRuns]);
    expect(redFlags(plan, 'decommission')).toEqual([...table('notify'), zeroRuns]);

    // "Zero runs/hour": no run in the last hour of the phase is a real 0 — the flag holds
    const zero = zeroRuns.when as TCondition;
    expect(status(plan, zero, { metrics: { runs: { candidate: { buckets: [] } } }, since: SINCE })).toBe('pass');
    expect(status(plan, zero, steady('runs', { candidate: 1 }, 60, 1))).toBe('fail');
    expect(status(plan, table('rollback')[1].when as TCondition, steady('error_rate', { candidate: 12 }))).toBe('pass');
    expect(status(plan, table('rollback')[1].when as TCondition, steady('error_rate', { candidate: 7 }))).toBe('fail');
  });

  it('deal-type-awareness (seed 003): "Configurable tolerance (default 5% for costs)" — the post-migration snapshot within 5 % of the pre-migration one', () => {
    const plan = loadPlan('deal-type-awareness');
    expect(criteria(plan, 'validation-cleanup')).toEqual([{ kind: 'compatibility', min: 100, tolerance: 5, window: '24h' }]);
    for (const p of plan.phases.filter((x) => x.key !== 'validation-cleanup')) expect([...(p.criteria ?? []), ...(p.redFlags ?? [])], p.key).toEqual([]);
    const snap = criteria(plan, 'validation-cleanup')[0] as TCondition;
    const costs = (post: number) => comparisons([{ baseline: 100_000, candidate: 100_000 }, { baseline: 250_000, candidate: post }]);
    expect(status(plan, snap, costs(260_000))).toBe('pass'); // 4 %
    expect(status(plan, snap, costs(265_000))).toBe('fail'); // 6 %
  });

  it('assignment-pipeline-v3 (seed 004): "Success rate ≥97% for 48 hours", "Manual review rate <1%"; each concurrency step ≥ 97 % for its 6 hours', () => {
    const plan = loadPlan('assignment-pipeline-v3');
    expect(plan.metrics?.map((m) => [m.key, m.better])).toEqual([
      ['success_rate', 'higher'],
      ['manual_review_rate', 'lower'],
    ]);
    const gate = [
      { kind: 'metric', metric: 'success_rate', arm: 'candidate', op: '>=', value: 97, window: '1h', for: '48h' },
      { kind: 'metric', metric: 'manual_review_rate', arm: 'candidate', op: '<', value: 1, window: '24h' },
    ];
    expect(criteria(plan, 'staging-soak')).toEqual(gate);
    expect(criteria(plan, 'production-full')).toEqual(gate);
    expect(criteria(plan, 'production-shadow')).toEqual([]);
    for (const p of ['concurrency-4', 'concurrency-5']) expect(criteria(plan, p), p).toEqual([{ kind: 'metric', metric: 'success_rate', arm: 'candidate', op: '>=', value: 97, window: '1h', for: '6h' }]);
    expect(status(plan, withoutTiming(gate[0]), steady('success_rate', { candidate: 97.2 }))).toBe('pass');
    expect(status(plan, withoutTiming(gate[0]), steady('success_rate', { candidate: 96.8 }))).toBe('fail');
  });

  it('assignment-pipeline-v3 (seed 004): "Red Flags (immediate rollback if any occur)" — success rate below 90 %, manual review rate above 5 % — roll back in full mode and both concurrency steps', () => {
    const plan = loadPlan('assignment-pipeline-v3');
    const flags = [
      flag({ kind: 'metric', metric: 'success_rate', arm: 'candidate', op: '<', value: 90, window: '15m' }, 'critical', 'rollback', 3),
      flag({ kind: 'metric', metric: 'manual_review_rate', arm: 'candidate', op: '>', value: 5, window: '15m' }, 'critical', 'rollback', 3),
    ];
    for (const p of ['production-full', 'concurrency-4', 'concurrency-5']) expect(redFlags(plan, p), p).toEqual(flags);
    expect(redFlags(plan, 'staging-soak')).toEqual([]);
    expect(redFlags(plan, 'production-shadow')).toEqual([]);
    expect(status(plan, flags[0].when as TCondition, steady('success_rate', { candidate: 89 }, 15))).toBe('pass');
    expect(status(plan, flags[0].when as TCondition, steady('success_rate', { candidate: 91 }, 15))).toBe('fail');
    expect(status(plan, flags[1].when as TCondition, steady('manual_review_rate', { candidate: 6 }, 15))).toBe('pass');
  });
});
