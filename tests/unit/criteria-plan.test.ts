// The plan's evidence fields: the issue's YAML validates as written; every bad criterion, red
// flag or metric is a problem listed by path.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { validatePlan, type PlanProblem } from '../../lib/domain/plan';
import { armsOf } from '../../lib/domain/criteria';

const ISSUE_YAML = `
key: scan
name: Scan
flags: [{ key: ENGINE, type: string, variants: [v1, dual], baseline: v1 }]
metrics:
  - { key: error_rate, unit: "%", better: lower, label: Error rate }
  - { key: scan_time, unit: s, better: lower }
phases:
  - key: dual
    name: Dual
    minDuration: 24h
    flags: { ENGINE: dual }
    criteria:
      - { kind: compatibility, min: 95, minSamples: 500, window: 24h, for: 24h }
      - { kind: metric, metric: error_rate, arm: candidate, stat: mean, op: "<", value: 1, window: 1h, for: 24h }
      - { kind: relative, metric: scan_time, stat: mean, op: "<=", ratio: 1.10, window: 1h }
    redFlags:
      - when: { kind: metric, metric: error_rate, arm: candidate, op: ">", value: 5, window: 15m }
        severity: critical
        action: rollback
        after: 3
        interval: 1m
`;

function base(): Record<string, unknown> {
  return parseYaml(ISSUE_YAML);
}
function problemsOf(doc: unknown): PlanProblem[] {
  const r = validatePlan(doc);
  return r.ok ? [] : r.problems;
}
function withPhase(patch: Record<string, unknown>, top: Record<string, unknown> = {}) {
  const doc = base() as { phases: Record<string, unknown>[] };
  Object.assign(doc.phases[0], patch);
  return { ...doc, ...top };
}

describe('plan: metrics, criteria, red flags', () => {
  it("the issue's example validates, with red-flag defaults filled in", () => {
    const r = validatePlan(base());
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.plan.metrics).toHaveLength(2);
    expect(r.plan.phases[0].criteria).toHaveLength(3);
    const doc = base() as { phases: { redFlags: Record<string, unknown>[] }[] };
    delete doc.phases[0].redFlags[0].after;
    delete doc.phases[0].redFlags[0].interval;
    const r2 = validatePlan(doc);
    expect(r2.ok && r2.plan.phases[0].redFlags?.[0]).toMatchObject({ after: 1, interval: '1m' });
  });

  it('count < 1 per hour (seed 002) is a valid red flag', () => {
    const doc = withPhase({ redFlags: [{ when: { kind: 'metric', metric: 'error_rate', arm: 'candidate', stat: 'count', op: '<', value: 1, window: '1h' }, severity: 'critical', action: 'notify' }] });
    expect(problemsOf(doc)).toEqual([]);
  });

  it('unknown metric, arm, stat, op and kind are listed by path', () => {
    const doc = withPhase({
      criteria: [
        { kind: 'metric', metric: 'nope', arm: 'candidate', op: '<', value: 1, window: '1h' },
        { kind: 'metric', metric: 'error_rate', arm: 'v3', op: '<', value: 1, window: '1h' },
        { kind: 'metric', metric: 'error_rate', arm: 'candidate', stat: 'p42', op: '<', value: 1, window: '1h' },
        { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '=<', value: 1, window: '1h' },
        { kind: 'vibes', window: '1h' },
      ],
    });
    const ps = problemsOf(doc);
    const paths = ps.map((p) => p.path);
    expect(ps.find((p) => p.path === 'phases[0].criteria[0].metric')?.message).toMatch(/unknown metric nope \(the plan's metrics: error_rate, scan_time\)/);
    expect(paths).toContain('phases[0].criteria[1].arm');
    expect(paths).toContain('phases[0].criteria[2].stat');
    expect(paths).toContain('phases[0].criteria[3].op');
    expect(paths).toContain('phases[0].criteria[4].kind');
  });

  it('a window shorter than the interval, an interval under 1s, a window under 1m, bad durations', () => {
    const doc = withPhase({
      criteria: [
        { kind: 'compatibility', min: 95, window: '5m', interval: '10m' },
        { kind: 'compatibility', min: 95, window: '1h', interval: '0s' },
        { kind: 'compatibility', min: 95, window: '30s', interval: '1s' },
        { kind: 'compatibility', min: 95, window: 'a day', for: 'ever' },
      ],
      redFlags: [{ when: { kind: 'compatibility', min: 50, window: '2m' }, severity: 'warning', action: 'notify', interval: '5m' }],
    });
    const ps = problemsOf(doc);
    const msg = (path: string) => ps.filter((p) => p.path === path).map((p) => p.message).join(' | ');
    expect(msg('phases[0].criteria[0].window')).toMatch(/shorter than the interval \(10m\)/);
    expect(msg('phases[0].criteria[1].interval')).toMatch(/shorter than 1s/);
    expect(msg('phases[0].criteria[2].window')).toMatch(/shorter than 1m/);
    expect(msg('phases[0].criteria[3].window')).toMatch(/not a duration/);
    expect(msg('phases[0].criteria[3].for')).toMatch(/not a duration/);
    expect(msg('phases[0].redFlags[0].when.window')).toMatch(/shorter than the interval \(5m\)/);
  });

  it('a ratio on a metric without both arms; an arm the metric lacks', () => {
    const doc = withPhase(
      {
        criteria: [
          { kind: 'relative', metric: 'uptime', op: '>=', ratio: 1, window: '1h' },
          { kind: 'metric', metric: 'uptime', arm: 'baseline', op: '>=', value: 99, window: '1h' },
          { kind: 'relative', metric: 'prom', op: '<=', ratio: 1.1, window: '1h' },
        ],
      },
      {
        metrics: [
          { key: 'uptime', better: 'higher', arms: ['candidate'] },
          { key: 'prom', better: 'lower', source: { prometheus: { candidate: 'rate(x[5m])' } } },
        ],
      },
    );
    const ps = problemsOf(doc);
    expect(ps).toContainEqual({ path: 'phases[0].criteria[0].metric', message: 'a ratio needs both arms: metric uptime has only candidate' });
    expect(ps).toContainEqual({ path: 'phases[0].criteria[1].arm', message: 'metric uptime has no baseline arm (it has candidate)' });
    expect(ps).toContainEqual({ path: 'phases[0].criteria[2].metric', message: 'a ratio needs both arms: metric prom has only candidate' });
    expect(armsOf({ source: { prometheus: { baseline: 'a', candidate: 'b' } } })).toEqual(['baseline', 'candidate']);
    expect(armsOf({})).toEqual(['baseline', 'candidate']);
  });

  it('Prometheus metrics: no stat, no minSamples; duplicate metric keys; a ratio compared with ==', () => {
    const doc = withPhase(
      {
        criteria: [
          { kind: 'metric', metric: 'lat', arm: 'candidate', stat: 'p95', minSamples: 10, op: '<', value: 0.2, window: '5m' },
          { kind: 'relative', metric: 'lat', op: '==', ratio: 1, window: '5m' },
        ],
      },
      {
        metrics: [
          { key: 'lat', better: 'lower', source: { prometheus: { baseline: 'a', candidate: 'b' } } },
          { key: 'lat', better: 'lower' },
        ],
      },
    );
    const paths = problemsOf(doc).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['phases[0].criteria[0].stat', 'phases[0].criteria[0].minSamples', 'phases[0].criteria[1].op', 'metrics[1].key']));
  });

  it('bad numbers: min over 100, non-positive ratio, after 0, unknown severity and action', () => {
    const doc = withPhase({
      criteria: [
        { kind: 'compatibility', min: 101, window: '1h' },
        { kind: 'relative', metric: 'scan_time', op: '<', ratio: 0, window: '1h' },
      ],
      redFlags: [{ when: { kind: 'compatibility', min: 50, window: '1h' }, severity: 'bad', action: 'explode', after: 0 }],
    });
    const paths = problemsOf(doc).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['phases[0].criteria[0].min', 'phases[0].criteria[1].ratio', 'phases[0].redFlags[0].severity', 'phases[0].redFlags[0].action', 'phases[0].redFlags[0].after']),
    );
  });

  it('semantic evidence problems are listed even when another part of the plan is structurally bad', () => {
    const doc = withPhase({ criteria: [{ kind: 'metric', metric: 'nope', arm: 'candidate', op: '<', value: 1, window: '1h' }] }, { name: '' });
    const paths = problemsOf(doc).map((p) => p.path);
    expect(paths).toContain('name');
    expect(paths).toContain('phases[0].criteria[0].metric');
  });
});
