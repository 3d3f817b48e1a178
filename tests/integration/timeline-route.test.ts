// Issue 9, "Timeline": GET /api/v1/rollouts/{key}/timeline and its read model — planned dates
// chained from the last start by the minimum durations, actual dates from the audit trail, the
// forecast end — and the rollout detail carrying each phase's decision matrix from the plan.
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { SYSTEM_ACTOR } from '../../lib/auth/actor';
import { createRollout } from '../../lib/services/create-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { getRollout } from '../../lib/queries/rollouts';
import { getTimeline } from '../../lib/queries/timeline';
import { ensureEnvironments, marketScanPlan, tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import * as timelineRoute from '../../app/api/v1/rollouts/[key]/timeline/route';

const D = 86_400_000;

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
});

function planWithDecisions() {
  const { plan } = marketScanPlan();
  plan.phases[0] = {
    ...plan.phases[0],
    decisions: [
      { issue: 'High error rate', action: 'Roll back to v1', note: 'Alert above 5%' },
      { issue: 'Data corruption', action: 'Stop rollout' },
    ],
  } as (typeof plan.phases)[number];
  return plan;
}

/** when the rollout's (single) audit row of `action` was written: the audit is append-only, so the test reads it */
async function recorded(key: string, action: string): Promise<Date> {
  const r = await prisma().rollout.findUniqueOrThrow({ where: { key } });
  const rows = await prisma().auditEvent.findMany({ where: { rolloutId: r.id, action } });
  expect(rows).toHaveLength(1);
  return rows[0].createdAt;
}

describe('timeline read model', () => {
  it('projects a draft from now: planned bars chained by the minimums, no actuals, forecast = now + every minimum', async () => {
    const plan = planWithDecisions();
    await createRollout(SYSTEM_ACTOR, plan);
    const now = new Date('2026-11-01T00:00:00Z');
    const t = await getTimeline(SYSTEM_ACTOR, plan.key, now);
    expect(t).toMatchObject({ key: plan.key, status: 'draft', plannedFrom: 'now', startedAt: null, completedAt: null, generatedAt: now.toISOString() });
    expect(t.phases.map((p) => [p.key, p.plannedStart, p.plannedEnd, p.actualStart, p.status])).toEqual([
      ['dual', '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z', null, 'pending'],
      ['v2-only', '2026-11-02T00:00:00.000Z', '2026-11-05T00:00:00.000Z', null, 'pending'],
      ['v2-default', '2026-11-05T00:00:00.000Z', '2026-11-12T00:00:00.000Z', null, 'pending'],
    ]);
    expect(t.forecastEnd).toBe('2026-11-12T00:00:00.000Z');
  });

  it('plans from the recorded start, takes actuals from the audit and forecasts from the current phase', async () => {
    const plan = planWithDecisions();
    await createRollout(SYSTEM_ACTOR, plan);
    await transitionRollout(SYSTEM_ACTOR, { key: plan.key, action: 'start', expectedVersion: 1, reason: 'go' });
    await new Promise((ok) => setTimeout(ok, 20));
    await transitionRollout(SYSTEM_ACTOR, { key: plan.key, action: 'promote', expectedVersion: 2, reason: 'dual held', override: true });
    const started = await recorded(plan.key, 'start');
    const promoted = await recorded(plan.key, 'promote');
    expect(promoted.getTime()).toBeGreaterThan(started.getTime());
    // read the timeline a day after the promote
    const now = new Date(promoted.getTime() + D);

    const t = await getTimeline(SYSTEM_ACTOR, plan.key, now);
    expect(t.plannedFrom).toBe('start');
    expect(t.startedAt).toBe(started.toISOString());
    const [dual, v2only, v2default] = t.phases;
    // dual: planned 24h from the start, left early by the overriding promote
    expect(dual).toMatchObject({ status: 'done', plannedStart: started.toISOString(), plannedEnd: new Date(started.getTime() + D).toISOString(), actualStart: started.toISOString(), actualEnd: promoted.toISOString(), actualSeconds: Math.round((promoted.getTime() - started.getTime()) / 1000) });
    // v2-only: planned after dual's planned end (not its actual one); current, running for a day (no actual end yet)
    expect(v2only).toMatchObject({ status: 'current', plannedStart: new Date(started.getTime() + D).toISOString(), plannedEnd: new Date(started.getTime() + 4 * D).toISOString(), actualStart: promoted.toISOString(), actualEnd: null, actualSeconds: 86400 });
    expect(v2default).toMatchObject({ status: 'pending', actualStart: null, actualSeconds: 0 });
    // forecast: the 2 days left of v2-only's 72h, then v2-default's 7d
    expect(t.forecastEnd).toBe(new Date(now.getTime() + 2 * D + 7 * D).toISOString());
    expect(t.completedAt).toBeNull();
  });

  it('carries each phase\'s decision matrix on the rollout detail', async () => {
    const plan = planWithDecisions();
    await createRollout(SYSTEM_ACTOR, plan);
    const r = await getRollout(SYSTEM_ACTOR, plan.key);
    expect(r.phases[0].decisions).toEqual([
      { issue: 'High error rate', action: 'Roll back to v1', note: 'Alert above 5%' },
      { issue: 'Data corruption', action: 'Stop rollout' },
    ]);
    expect(r.phases[1].decisions).toEqual([]);
  });
});

describe('GET /api/v1/rollouts/{key}/timeline', () => {
  const get = (key: string, token?: string) =>
    timelineRoute.GET(new Request(`http://test/api/v1/rollouts/${key}/timeline`, { headers: token ? { authorization: `Bearer ${token}` } : {} }), { params: Promise.resolve({ key }) });

  it('serves the timeline to readers as JSON', async () => {
    const plan = planWithDecisions();
    await createRollout(SYSTEM_ACTOR, plan);
    const res = await get(plan.key, await tokenFor('viewer'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await res.json();
    expect(body).toMatchObject({ key: plan.key, status: 'draft', plannedFrom: 'now', startedAt: null });
    expect(body.phases.map((p: { key: string }) => p.key)).toEqual(['dual', 'v2-only', 'v2-default']);
    expect(new Date(body.forecastEnd).getTime() - new Date(body.generatedAt).getTime()).toBe(11 * D);
  });

  it('answers 404 naming the key for an unknown rollout, 401 without credentials, 403 for a flags token', async () => {
    const missing = await get('no-such-rollout', await tokenFor('viewer'));
    expect(missing.status).toBe(404);
    expect((await missing.json()).detail).toContain('"no-such-rollout"');
    expect((await get('no-such-rollout')).status).toBe(401);
    expect((await get('no-such-rollout', await tokenFor('flags'))).status).toBe(403);
  });
});
