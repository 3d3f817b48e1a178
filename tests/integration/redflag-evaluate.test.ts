// The evaluator service against a real Postgres, in-process (issue 8): readiness blocks a promote
// with the evidence reasons and passes once the evidence holds and the stored evaluations cover
// the soak; red flags act on their own — once, through the transition path, audited with their
// evidence — keep evaluating while paused; pause, rollback and abort never wait for evidence.
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { evaluateRollout } from '../../lib/services/evaluate-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { ensureEnvironments, tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { push } from '../helpers/evidence';
import { ago, ENGINEER, getReadinessRoute, postAction, rollout, startedRollout } from '../helpers/evaluator';

let engineer: string;

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  engineer = await tokenFor('engineer');
});

const errorRate = (key: string, value: number, atMsAgo: number, count = 1) =>
  push('metrics', key, engineer, { samples: [{ metric: 'error_rate', arm: 'candidate', value, at: ago(atMsAgo).toISOString(), count }] });

const SOAKED = { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 1, window: '1h', for: '2m', interval: '1m' };
const ROLLBACK_FLAG = { when: { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 5, window: '15m' }, severity: 'critical', action: 'rollback', after: 2, interval: '1m' };

describe('readiness from evidence', () => {
  it('refuses a promote while a metric criterion is inconclusive or failing (409 with kind "metric"), and allows it once the evidence holds and the stored evaluations cover the soak', async () => {
    const r = await startedRollout({ criteria: [SOAKED] });
    const promote = async () => postAction(r.key, 'promote', engineer, { reason: 'go', expectedVersion: (await rollout(r.key)).version });

    let res = await promote();
    expect(res.status).toBe(409);
    expect(res.body.reasonCode).toBe('not_ready');
    expect(res.body.reasons).toEqual([expect.objectContaining({ kind: 'metric', status: 'inconclusive', detail: expect.stringContaining('waiting for data') })]);

    expect((await errorRate(r.key, 3, 10 * 60_000)).status).toBe(201);
    res = await promote();
    expect(res.status).toBe(409);
    expect(res.body.reasons).toEqual([expect.objectContaining({ kind: 'metric', status: 'fail', detail: expect.stringMatching(/error_rate candidate 3 % ≥ 1 %/) })]);

    // the same evidence on a second rollout, healthy this time
    const ok = await startedRollout({ criteria: [SOAKED] });
    expect((await errorRate(ok.key, 0.5, 10 * 60_000, 10)).status).toBe(201);
    // one stored evaluation a minute ago: held 1 min of 2 — still soaking
    expect((await evaluateRollout(ok.id, ago(60_000))).stored).toBe(1);
    const soaking = await getReadinessRoute(ok.key, engineer);
    expect(soaking.body.ready).toBe(false);
    const reason = soaking.body.reasons!.find((x) => x.kind === 'metric')!;
    expect(reason.status).toBe('fail');
    expect(reason.detail).toMatch(/held 1 min of 2 min \((5\d s|1 min) left\)/);
    expect((await postAction(ok.key, 'promote', engineer, { reason: 'go', expectedVersion: (await rollout(ok.key)).version })).status).toBe(409);

    // an earlier stored evaluation (2.5 min ago) completes the run: the soak covers `for`
    expect((await evaluateRollout(ok.id, ago(150_000))).stored).toBe(1);
    const ready = await getReadinessRoute(ok.key, engineer);
    expect(ready.body.reasons!.find((x) => x.kind === 'metric')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/error_rate candidate 0.5 % < 1 %, held 2 min of 2 min/) });
    expect(ready.body.ready).toBe(true);
    const promoted = await postAction(ok.key, 'promote', engineer, { reason: 'go', expectedVersion: (await rollout(ok.key)).version });
    expect(promoted.status).toBe(200);
    expect((await rollout(ok.key)).currentPhaseIndex).toBe(1);
    // the go/no-go record froze the passing metric reason
    const audit = await prisma().auditEvent.findFirstOrThrow({ where: { rolloutId: ok.id, action: 'promote' } });
    expect(JSON.stringify(audit.details)).toContain('held 2 min of 2 min');
  });

  it('stores one evaluation per interval slot however often it is asked (two evaluations in one minute are one row)', async () => {
    const r = await startedRollout({ criteria: [SOAKED] });
    await errorRate(r.key, 0.5, 5 * 60_000);
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const results = await Promise.all([0, 1, 2, 3].map((i) => evaluateRollout(r.id, new Date(at.getTime() + i * 1000))));
    expect(results.reduce((t, s) => t + s.stored, 0)).toBe(1);
    expect(await prisma().criterionEvaluation.count({ where: { rolloutId: r.id } })).toBe(1);
  });

  it('never blocks pause, resume, rollback or abort on failing evidence', async () => {
    const r = await startedRollout({ criteria: [SOAKED] });
    await errorRate(r.key, 50, 5 * 60_000);
    const v = async () => (await rollout(r.key)).version;
    expect((await postAction(r.key, 'promote', engineer, { reason: 'x', expectedVersion: await v() })).status).toBe(409);
    for (const action of ['pause', 'resume', 'rollback']) {
      const res = await postAction(r.key, action, engineer, { reason: `${action} on bad evidence`, expectedVersion: await v() });
      expect(res.status, `${action}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    const s = await startedRollout({ criteria: [SOAKED] });
    await errorRate(s.key, 50, 5 * 60_000);
    expect((await postAction(s.key, 'abort', engineer, { reason: 'abort', expectedVersion: (await rollout(s.key)).version })).status).toBe(200);
  });
});

describe('red flags', () => {
  it('roll back once after `after` failing evaluations — through the transition path, as the red-flag actor, with the evidence — however many evaluators race', async () => {
    const r = await startedRollout({ redFlags: [ROLLBACK_FLAG] });
    expect((await errorRate(r.key, 7.2, 5 * 60_000, 20)).status).toBe(201);
    const first = await evaluateRollout(r.id, ago(120_000));
    expect(first.trips).toEqual([]);
    expect((await rollout(r.key)).status).toBe('active');
    // the second failing evaluation trips it; four evaluators race for it
    const at = ago(60_000);
    const results = await Promise.all([0, 1, 2, 3].map(() => evaluateRollout(r.id, at)));
    expect(results.flatMap((s) => s.trips).filter((t) => t.outcome === 'applied')).toHaveLength(1);
    await evaluateRollout(r.id, new Date());

    const after = await rollout(r.key);
    expect(after.status).toBe('rolled_back');
    expect(after.flags[0].values.every((v) => v.value === 'v1' && v.phaseKey === null)).toBe(true);
    const rollbacks = await prisma().auditEvent.findMany({ where: { rolloutId: r.id, action: 'rollback' } });
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]).toMatchObject({ actorType: 'system', actorName: 'red flag: error_rate', fromStatus: 'active', toStatus: 'rolled_back' });
    expect(rollbacks[0].reason).toBe('red flag (critical, rollback): error_rate candidate 7.2 % > 5 % for 2 evaluations');
    const details = rollbacks[0].details as { to: string; redFlag: { action: string }; evaluations: { value: number }[] };
    expect(details.to).toBe('baseline');
    expect(details.redFlag.action).toBe('rollback');
    expect(details.evaluations.map((e) => e.value)).toEqual([7.2, 7.2]);
    const trips = await prisma().redFlagTrip.findMany({ where: { rolloutId: r.id } });
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ outcome: 'applied', action: 'rollback', auditEventId: rollbacks[0].id });
  });

  it('keep evaluating while paused: a warning pauses, the critical one then rolls back the paused rollout', async () => {
    const pauseFlag = { when: { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 2, window: '15m' }, severity: 'warning', action: 'pause', after: 1, interval: '1m' };
    const r = await startedRollout({ redFlags: [pauseFlag, { ...ROLLBACK_FLAG, after: 3 }] });
    await errorRate(r.key, 9, 5 * 60_000);
    await evaluateRollout(r.id, ago(180_000));
    expect((await rollout(r.key)).status).toBe('paused');
    await evaluateRollout(r.id, ago(120_000));
    // still holding: the pause flag does not trip again; the rollback flag has 2 of 3
    expect((await rollout(r.key)).status).toBe('paused');
    await evaluateRollout(r.id, ago(60_000));
    expect((await rollout(r.key)).status).toBe('rolled_back');
    const audit = await prisma().auditEvent.findMany({ where: { rolloutId: r.id, actorType: 'system' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => `${a.action} ${a.fromStatus}→${a.toStatus}`)).toEqual(['pause active→paused', 'rollback paused→rolled_back']);
    expect(await prisma().redFlagTrip.count({ where: { rolloutId: r.id } })).toBe(2);
  });

  it('notify records an event on the rollout once per run of failures, and a person pausing first leaves a pause flag not applied', async () => {
    const notify = { when: { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 2, window: '15m' }, severity: 'warning', action: 'notify', after: 1, interval: '1m' };
    const pause = { ...notify, when: { ...notify.when, value: 3 }, action: 'pause', after: 2 };
    const r = await startedRollout({ redFlags: [notify, pause] });
    await errorRate(r.key, 4, 5 * 60_000);
    await transitionRollout(ENGINEER, { key: r.key, action: 'pause', expectedVersion: (await rollout(r.key)).version, reason: 'hold on' });
    for (const ms of [180_000, 120_000, 60_000]) await evaluateRollout(r.id, ago(ms));
    const events = await prisma().auditEvent.findMany({ where: { rolloutId: r.id, action: 'red_flag' } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorName: 'red flag: error_rate', reason: 'red flag (warning, notify): error_rate candidate 4 % > 2 % for 1 evaluation' });
    const trips = await prisma().redFlagTrip.findMany({ where: { rolloutId: r.id }, orderBy: { id: 'asc' } });
    expect(trips.map((t) => `${t.action}:${t.outcome}`)).toEqual(['notify:applied', 'pause:not_applied']);
    expect(trips[1].detail).toMatch(/not applied: the rollout is paused/);
    expect((await rollout(r.key)).status).toBe('paused');
  });
});

describe('the seed plans', () => {
  it('every phase of every seed rollout evaluates (criteria and red flags stored, readiness computed); without evidence no non-count criterion passes', async () => {
    const { seed } = await import('../../prisma/seed');
    await seed({ demo: true, log: () => {} });
    const seeds = await prisma().rollout.findMany({ include: { phases: { orderBy: { index: 'asc' } } } });
    const { readinessOf } = await import('../../lib/queries/readiness');
    let evaluated = 0;
    for (const s of seeds) {
      const plan = s.plan as { phases: { key: string; criteria?: { kind: string; stat?: string }[]; redFlags?: unknown[] }[] };
      for (const [i, p] of s.phases.entries()) {
        const phase = plan.phases.find((x) => x.key === p.key)!;
        const n = (phase.criteria?.length ?? 0) + (phase.redFlags?.length ?? 0);
        if (!n) continue;
        // put the rollout in this phase, entered a minute ago, with no evidence
        const row = await prisma().rollout.update({ where: { id: s.id }, data: { status: 'active', currentPhaseIndex: i, phaseEnteredAt: ago(60_000) }, include: { phases: { orderBy: { index: 'asc' } } } });
        const summary = await evaluateRollout(s.id);
        expect(summary.phase).toBe(p.key);
        expect(summary.stored, `${s.key}/${p.key}`).toBeGreaterThanOrEqual(phase.criteria?.length ?? 0);
        const readiness = await readinessOf(prisma(), row, null);
        const evidence = readiness.reasons.filter((x) => ['compatibility', 'metric', 'relative'].includes(x.kind));
        expect(evidence).toHaveLength(phase.criteria?.length ?? 0);
        phase.criteria?.forEach((c, j) => {
          if (c.stat !== 'count' && c.stat !== 'sum') expect(evidence[j].status, `${s.key}/${p.key} criteria[${j}]: ${evidence[j].detail}`).not.toBe('pass');
        });
        evaluated++;
      }
    }
    expect(evaluated).toBeGreaterThanOrEqual(5);
  });
});
