// Dashboards (issue 8) over real Postgres: the Evidence view's series equal what was pushed per
// bucket, with the criteria's thresholds, the ratio band, soak, the phase transitions and red-flag
// trips; the mismatch drill-down pages through the raw rows; the portfolio shows readiness at a
// glance. Everything goes through the REST route handlers (push and read), as the UI does.
import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { createRollout } from '../../lib/services/create-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import type { ComparisonRowView, EvidenceDashboard, PortfolioEntry } from '../../lib/queries/dashboards';
import { ensureEnvironments, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { push } from '../helpers/evidence';
import { metricSeries } from '../../lib/queries/evidence';
import * as evidenceRoute from '../../app/api/v1/rollouts/[key]/evidence/route';
import * as rowsRoute from '../../app/api/v1/rollouts/[key]/evidence/comparisons/route';
import * as portfolioRoute from '../../app/api/v1/portfolio/route';

let engineer: string;
let viewer: string;

const FIVE_MIN = 300_000;

function evidencePlan(key = uniq('dash')) {
  const flag = `DASH_${key.replace(/-/g, '_').toUpperCase()}`;
  return {
    key,
    name: 'Dashboard rollout',
    flags: [{ key: flag, type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' }],
    metrics: [
      { key: 'error_rate', unit: '%', better: 'lower', label: 'Error rate' },
      { key: 'scan_time', unit: 's', better: 'lower' },
    ],
    phases: [
      {
        key: 'dual',
        name: 'Dual',
        minDuration: '1h',
        flags: { [flag]: 'dual' },
        criteria: [
          { kind: 'compatibility', min: 95, window: '1h' },
          { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 1, window: '1h', for: '2h' },
          { kind: 'relative', metric: 'scan_time', op: '<=', ratio: 1.1, window: '15m' },
        ],
        redFlags: [{ when: { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 5, window: '15m' }, severity: 'critical', action: 'pause', after: 3 }],
      },
      { key: 'v2', name: 'V2', flags: { [flag]: 'v2' } },
    ],
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- route handlers differ in their params type
async function get<T>(handler: (req: Request, ctx: { params: Promise<any> }) => Promise<Response>, url: string, token: string, params: Record<string, string> = {}) {
  const res = await handler(new Request(`http://localhost:3000${url}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as T & { detail?: string; errors?: { path: string; message: string }[] } };
}
const dashboard = (key: string, query = '', token = viewer) => get<EvidenceDashboard>(evidenceRoute.GET, `/api/v1/rollouts/${key}/evidence${query}`, token, { key });
const rows = (key: string, query = '') => get<{ rows: ComparisonRowView[]; nextCursor: string | null }>(rowsRoute.GET, `/api/v1/rollouts/${key}/evidence/comparisons${query}`, viewer, { key });

async function startedRollout(enteredMsAgo = 0) {
  const plan = evidencePlan();
  await createRollout(SYSTEM_ACTOR, plan, { requestId: 'dash-test' });
  await transitionRollout(SYSTEM_ACTOR, { key: plan.key, action: 'start', expectedVersion: 1, reason: 'dashboards test' });
  // the phase was entered before the evidence below (criteria count evidence from the phase's start)
  if (enteredMsAgo) await prisma().rollout.update({ where: { key: plan.key }, data: { phaseEnteredAt: new Date(Date.now() - enteredMsAgo) } });
  return plan.key;
}

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  engineer = await tokenFor('engineer');
  viewer = await tokenFor('viewer');
});

describe('GET /api/v1/rollouts/{key}/evidence', () => {
  it('charts both arms per bucket exactly as pushed, with the thresholds, the ratio band, soak and the start transition', async () => {
    const key = await startedRollout(2 * 3600_000);
    // four 5-minute slots ending before now; in each, a few samples of both arms
    const slot0 = Math.floor(Date.now() / FIVE_MIN) * FIVE_MIN - 4 * FIVE_MIN;
    const samples: { metric: string; arm: string; value: number; at: string; count?: number }[] = [];
    const expected: { at: string; baseline: number; candidate: number }[] = [];
    for (let s = 0; s < 4; s++) {
      const at = (k: number) => new Date(slot0 + s * FIVE_MIN + k * 61_000).toISOString();
      const cand = [0.2 + s * 0.1, 0.4 + s * 0.1, 0.9];
      const base = [0.5, 0.7 + s];
      cand.forEach((v, k) => samples.push({ metric: 'error_rate', arm: 'candidate', value: v, at: at(k) }));
      // a weighted sample: count 3 weighs the mean
      base.forEach((v, k) => samples.push({ metric: 'error_rate', arm: 'baseline', value: v, at: at(k), count: k === 1 ? 3 : 1 }));
      expected.push({ at: new Date(slot0 + s * FIVE_MIN).toISOString(), candidate: (cand[0] + cand[1] + cand[2]) / 3, baseline: (base[0] + base[1] * 3) / 4 });
      for (let k = 0; k < 4; k++) {
        samples.push({ metric: 'scan_time', arm: 'baseline', value: 2 + k * 0.01, at: at(k) });
        samples.push({ metric: 'scan_time', arm: 'candidate', value: 2.1 + k * 0.01, at: at(k) });
      }
    }
    expect((await push('metrics', key, engineer, { samples })).status).toBe(201);

    const res = await dashboard(key, '?window=1h&resolution=5m');
    expect(res.status).toBe(200);
    const d = res.body;
    expect(d.resolutionSeconds).toBe(300);
    expect(d.phase).toMatchObject({ key: 'dual', name: 'Dual' });

    const err = d.metrics.find((m) => m.metric === 'error_rate')!;
    expect(err).toMatchObject({ label: 'Error rate', unit: '%', stat: 'mean', source: 'pushed' });
    expect(err.points.map((p) => p.at)).toEqual(expected.map((e) => e.at));
    err.points.forEach((p, i) => {
      expect(p.candidate).toBeCloseTo(expected[i].candidate, 10);
      expect(p.baseline).toBeCloseTo(expected[i].baseline, 10);
      expect(p.candidateCount).toBe(3);
      expect(p.baselineCount).toBe(4);
    });
    // the criterion's threshold and the red flag's
    expect(err.thresholds).toEqual([
      expect.objectContaining({ source: 'criterion', index: 1, arm: 'candidate', op: '<', value: 1, window: '1h' }),
      expect.objectContaining({ source: 'redFlag', index: 0, arm: 'candidate', op: '>', value: 5, severity: 'critical', action: 'pause' }),
    ]);
    // scan_time has no metric criterion: charted by its mean, no threshold
    expect(d.metrics.find((m) => m.metric === 'scan_time')).toMatchObject({ stat: 'mean', thresholds: [] });
    // the sketch-free series a mean chart reads equals the full series (lib/queries/evidence.ts metricSeries)
    const id = (await prisma().rollout.findUniqueOrThrow({ where: { key } })).id;
    const full = await metricSeries(prisma(), { rolloutId: id, metric: 'scan_time', from: new Date(d.from), to: new Date(d.to) }, 300);
    expect(d.metrics.find((m) => m.metric === 'scan_time')!.points).toEqual(
      full.baseline.map((b, i) => ({ at: b.start.toISOString(), baseline: b.sum / b.weight, candidate: full.candidate[i].sum / full.candidate[i].weight, baselineCount: b.weight, candidateCount: full.candidate[i].weight })),
    );

    // the relative criterion: one ratio point per slot, candidate/baseline ≈ 2.115/2.015, band around it
    const ratio = d.ratios[0];
    expect(ratio).toMatchObject({ index: 2, metric: 'scan_time', op: '<=', bound: 1.1, window: '15m' });
    expect(ratio.points).toHaveLength(4);
    for (const p of ratio.points) {
      expect(p.low).toBeLessThan(p.ratio);
      expect(p.high).toBeGreaterThan(p.ratio);
      expect(p.low).toBeGreaterThan(1.03);
      expect(p.high).toBeLessThan(1.07);
      expect(p.status).toBe('pass');
    }
    expect(ratio.points[0].ratio).toBeCloseTo(2.115 / 2.015, 10);

    // criteria with their verdicts; the soaking one has its progress
    expect(d.criteria.map((c) => [c.kind, c.status])).toEqual([
      ['compatibility', 'inconclusive'],
      ['metric', 'fail'],
      ['relative', 'pass'],
    ]);
    expect(d.criteria[1]).toMatchObject({ forSeconds: 7200, soak: expect.objectContaining({ requiredSeconds: 7200 }) });
    expect(d.criteria[1].soak!.leftSeconds).toBeGreaterThan(0);
    expect(d.criteria[0].soak).toBeNull();
    expect(d.evaluations).toEqual({ recorded: 0, last: null });

    expect(d.transitions).toEqual([expect.objectContaining({ action: 'start', toPhase: 'dual', label: 'Start → dual' })]);
    expect(d.redFlags.configured).toEqual([expect.objectContaining({ severity: 'critical', action: 'pause', after: 3 })]);
    expect(d.redFlags.trips).toEqual([]);
  });

  it('shows the compatible rate per bucket and the categories of the range; red-flag trips in range', async () => {
    const key = await startedRollout();
    const slot0 = Math.floor(Date.now() / FIVE_MIN) * FIVE_MIN - 2 * FIVE_MIN;
    const at = (s: number, k: number) => new Date(slot0 + s * FIVE_MIN + k * 1000).toISOString();
    const results = [
      // slot 0: 3 of 4 compatible
      { at: at(0, 1), compatible: true, ref: 'scan-1' },
      { at: at(0, 2), compatible: true, ref: 'scan-2' },
      { at: at(0, 3), compatible: true, ref: 'scan-3' },
      { at: at(0, 4), compatible: false, ref: 'scan-4', category: 'missing field', fields: { missing: ['price'] } },
      // slot 1: 1 of 2
      { at: at(1, 1), compatible: false, ref: 'scan-5', category: 'type mismatch', fields: { price: ['number', 'string'] } },
      { at: at(1, 2), compatible: false, ref: 'scan-6', category: 'missing field', fields: { missing: ['currency'] } },
      { at: at(1, 3), baseline: 100, candidate: 100, ref: 'scan-7' },
    ];
    expect((await push('comparisons', key, engineer, { results })).status).toBe(201);
    const id = (await prisma().rollout.findUniqueOrThrow({ where: { key } })).id;
    await prisma().redFlagTrip.create({
      data: { rolloutId: id, phaseKey: 'dual', criterionKey: 'abcd1234', effectKey: uniq('effect'), severity: 'critical', action: 'pause', outcome: 'applied', detail: 'red flag (critical, pause): error rate 7 % > 5 % for 3 evaluations', consecutive: 3, evidence: [] },
    });

    const d = (await dashboard(key, '?window=1h&resolution=5m')).body;
    expect(d.compatibility.min).toBe(95);
    expect(d.compatibility.points).toEqual([
      { at: new Date(slot0).toISOString(), n: 4, compatible: 3, rate: 75 },
      { at: new Date(slot0 + FIVE_MIN).toISOString(), n: 3, compatible: 1, rate: (1 / 3) * 100 },
    ]);
    expect(d.compatibility.total).toEqual({ n: 7, compatible: 4, mismatches: 3, rate: (4 / 7) * 100 });
    expect(d.compatibility.categories).toEqual([
      { category: 'missing field', count: 2 },
      { category: 'type mismatch', count: 1 },
    ]);
    expect(d.redFlags.trips).toEqual([expect.objectContaining({ severity: 'critical', action: 'pause', outcome: 'applied', detail: expect.stringContaining('7 % > 5 %') })]);

    // the drill-down: the refs and fields of a category, newest first, paged without overlap
    const first = await rows(key, `?category=${encodeURIComponent('missing field')}&limit=1`);
    expect(first.status).toBe(200);
    expect(first.body.rows.map((r) => [r.ref, r.fields])).toEqual([['scan-6', { missing: ['currency'] }]]);
    expect(first.body.nextCursor).toBeTruthy();
    const second = await rows(key, `?category=${encodeURIComponent('missing field')}&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.rows.map((r) => r.ref)).toEqual(['scan-4']);
    expect(second.body.nextCursor).toBeNull();
    // every mismatch, and the results without a category
    expect((await rows(key, '?outcome=mismatch')).body.rows.map((r) => r.ref)).toEqual(['scan-6', 'scan-5', 'scan-4']);
    const uncategorised = (await rows(key, '?category=(none)&outcome=compatible')).body.rows;
    expect(uncategorised.map((r) => [r.ref, r.diffPercent])).toEqual([['scan-7', 0], ['scan-3', null], ['scan-2', null], ['scan-1', null]]);
  });

  it('refuses bad queries naming the parameter; an unknown rollout is a 404; a flags token is refused', async () => {
    const key = await startedRollout();
    const bad = async (q: string, path: string) => {
      const r = await dashboard(key, q);
      expect(r.status, q).toBe(400);
      expect(r.body.errors?.map((e) => e.path), q).toContain(path);
    };
    await bad('?window=soon', 'window');
    await bad('?window=400d', 'window');
    await bad('?window=7d&resolution=1m', 'resolution');
    await bad('?resolution=90s', 'resolution');
    await bad('?to=yesterday', 'to');
    await bad('?colour=red', 'colour');
    await bad('?window=1h&window=2h', 'window');
    const r = await rows(key, '?cursor=abc&limit=0&outcome=odd');
    expect(r.status).toBe(400);
    expect(r.body.errors?.map((e) => e.path).sort()).toEqual(['cursor', 'limit', 'outcome']);
    expect((await dashboard('no-such-rollout')).status).toBe(404);
    expect((await dashboard(key, '', await tokenFor('flags', 'production'))).status).toBe(403);
  });
});

describe('GET /api/v1/portfolio', () => {
  it('lists active and paused rollouts with readiness at a glance, time in phase vs planned and the last red flag', async () => {
    const active = await startedRollout();
    const paused = await startedRollout();
    await transitionRollout(SYSTEM_ACTOR, { key: paused, action: 'pause', expectedVersion: 2, reason: 'hold' });
    const draft = evidencePlan();
    await createRollout(SYSTEM_ACTOR, draft, { requestId: 'dash-test' });
    const id = (await prisma().rollout.findUniqueOrThrow({ where: { key: paused } })).id;
    for (const [detail, ago] of [['older trip', 120_000], ['newest trip', 1_000]] as const) {
      await prisma().redFlagTrip.create({
        data: { rolloutId: id, phaseKey: 'dual', criterionKey: 'abcd1234', effectKey: uniq('effect'), severity: 'warning', action: 'notify', outcome: 'applied', detail, consecutive: 1, evidence: [], createdAt: new Date(Date.now() - ago) },
      });
    }

    const res = await get<{ rollouts: PortfolioEntry[] }>(portfolioRoute.GET, '/api/v1/portfolio', viewer);
    expect(res.status).toBe(200);
    const byKey = new Map(res.body.rollouts.map((r) => [r.key, r]));
    expect(byKey.has(draft.key)).toBe(false);
    const a = byKey.get(active)!;
    expect(a).toMatchObject({ status: 'active', phase: { key: 'dual', index: 0 }, phaseCount: 2, plannedSeconds: 3600, ready: false, action: 'promote', lastRedFlag: null });
    expect(a.inPhaseSeconds).toBeGreaterThanOrEqual(0);
    expect(a.inPhaseSeconds).toBeLessThan(120);
    // the first failing reason is what blocks; here the minimum duration of 1h comes first or an evidence criterion
    expect(a.firstFailing).not.toBeNull();
    expect(a.failingCount).toBeGreaterThanOrEqual(2);
    expect(byKey.get(paused)).toMatchObject({ status: 'paused', lastRedFlag: { detail: 'newest trip', severity: 'warning', action: 'notify' } });

    const bad = await get(portfolioRoute.GET, '/api/v1/portfolio?status=all', viewer);
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.path)).toEqual(['status']);
  });
});
