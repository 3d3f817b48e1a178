// Readiness guards start/promote (duration leaving a phase; checklist and sign-offs entering
// one), an override needs its permission and is recorded with the reasons it overrode, the
// readiness is frozen in each audit row, and the report names exactly the recorded sign-offs.
// Checklist ticks and sign-offs are written as rows here (their services are tested on their own).
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { SYSTEM_ACTOR, type Actor } from '../../lib/auth/actor';
import { AppError } from '../../lib/errors';
import { gateFingerprint } from '../../lib/domain/readiness';
import { renderReportMarkdown } from '../../lib/domain/report';
import { createRollout } from '../../lib/services/create-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { getReadiness } from '../../lib/queries/readiness';
import { loadReport } from '../../lib/queries/report';
import { hashPassword } from '../../lib/auth/password';
import { ensureEnvironments, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import * as reportRoute from '../../app/api/v1/rollouts/[key]/report.md/route';
import * as readinessRoute from '../../app/api/v1/rollouts/[key]/readiness/route';
import { tokenFor } from '../factories/rollouts';

const people: Record<string, { id: string; name: string }> = {};
let engineer: Actor;
let admin: Actor;

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  const passwordHash = await hashPassword('x');
  const mk = async (k: string, name: string, role: 'engineer' | 'approver' | 'admin', signoffRoles: string[]) => {
    const u = await prisma().user.create({ data: { email: `${k}-${uniq()}@report.test`, name, role, passwordHash, signoffRoles } });
    people[k] = { id: u.id, name };
    return u;
  };
  const e = await mk('eng', 'Eve Engineer', 'engineer', ['Technical Lead']);
  await mk('tina', 'Tina Tech', 'approver', ['Technical Lead', 'Product Owner']);
  await mk('pat', 'Pat Product', 'approver', ['Product Owner']);
  await mk('sam', 'Sam Security', 'approver', ['Security Lead']);
  const a = await mk('ada', 'Ada Admin', 'admin', []);
  engineer = { kind: 'user', id: e.id, name: 'Eve Engineer', role: 'engineer' };
  admin = { kind: 'user', id: a.id, name: 'Ada Admin', role: 'admin' };
});

function gatedPlan() {
  const key = uniq('gated');
  const flag = `GATED_${key.replace(/-/g, '_').toUpperCase()}`;
  return {
    key,
    flag,
    plan: {
      key,
      name: 'Gated rollout',
      flags: [{ key: flag, type: 'string', variants: ['v1', 'v2'], baseline: 'v1' }],
      phases: [
        {
          key: 'pre',
          name: 'Pre-deployment',
          checklist: [
            { key: 'monitoring', text: 'Monitoring configured and tested', owner: 'DevOps Lead' },
            { key: 'notes', text: 'Release notes drafted', required: false },
          ],
          flags: {},
        },
        {
          key: 'beta',
          name: 'Beta',
          minDuration: '1h',
          signoffs: { roles: ['Technical Lead', 'Product Owner', 'Security Lead'], required: 2 },
          flags: { [flag]: 'v2' },
        },
        { key: 'ga', name: 'General availability', flags: {} },
      ],
    },
  };
}

async function expectNotReady(p: Promise<unknown>) {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe('conflict');
  expect((e as AppError).extra.reasonCode).toBe('not_ready');
  return (e as AppError).extra.reasons as { kind: string; status: string; detail: string }[];
}

async function tick(rolloutId: string, phaseKey: string, itemKey: string, checked = true) {
  await prisma().checklistItem.upsert({
    where: { rolloutId_phaseKey_itemKey: { rolloutId, phaseKey, itemKey } },
    create: { rolloutId, phaseKey, itemKey, checked, actorType: 'user', actorId: people.eng.id, actorName: 'Eve Engineer', evidence: 'https://grafana.example/d/1' },
    update: { checked },
  });
}

async function sign(rolloutId: string, phase: { key: string }, who: string, role: string, decision: 'approve' | 'reject', comment = '') {
  const gateHash = createHash('sha256').update(gateFingerprint(phase)).digest('hex');
  return prisma().signoff.create({ data: { rolloutId, phaseKey: phase.key, role, userId: people[who].id, userName: people[who].name, decision, comment, gateHash } });
}

describe('readiness gates', () => {
  it('a required checklist item guards entering the first phase (start); ticking it unblocks; the readiness is frozen in the audit row', async () => {
    const { plan } = gatedPlan();
    const r = await createRollout(engineer, plan);
    const id = (await prisma().rollout.findUniqueOrThrow({ where: { key: r.key } })).id;
    const ready0 = await getReadiness(engineer, r.key);
    expect(ready0).toMatchObject({ ready: false, action: 'start', to: { key: 'pre' } });
    expect(ready0.reasons).toEqual([expect.objectContaining({ kind: 'checklist', status: 'fail', gate: 'enter', detail: '0 of 1 required items ticked; open: Monitoring configured and tested (DevOps Lead)' })]);
    const reasons = await expectNotReady(transitionRollout(engineer, { key: r.key, action: 'start', expectedVersion: 1, reason: 'go' }));
    expect(reasons.map((x) => x.kind)).toEqual(['checklist']);
    expect(await prisma().auditEvent.count({ where: { rolloutId: id } })).toBe(1);

    await tick(id, 'pre', 'monitoring');
    const started = await transitionRollout(engineer, { key: r.key, action: 'start', expectedVersion: 1, reason: 'monitoring is in' });
    expect(started.status).toBe('active');
    const row = await prisma().auditEvent.findFirstOrThrow({ where: { rolloutId: id, action: 'start' } });
    const frozen = (row.details as { readiness: { ready: boolean; reasons: { kind: string; status: string }[] } }).readiness;
    expect(frozen).toMatchObject({ ready: true, action: 'start', reasons: [{ kind: 'checklist', status: 'pass' }] });
    // later changes do not touch it
    await tick(id, 'pre', 'monitoring', false);
    const again = await prisma().auditEvent.findFirstOrThrow({ where: { id: row.id } });
    expect(again.details).toEqual(row.details);
  });

  it('sign-offs guard entering a phase: two distinct people; the promoter’s own approval and a second role of one person do not count; a rejection blocks', async () => {
    const { plan } = gatedPlan();
    const r = await createRollout(engineer, plan);
    const id = (await prisma().rollout.findUniqueOrThrow({ where: { key: r.key } })).id;
    await tick(id, 'pre', 'monitoring');
    await transitionRollout(engineer, { key: r.key, action: 'start', expectedVersion: 1, reason: 'go' });
    const beta = plan.phases[1];
    // Eve (the promoter) approves as Technical Lead; Tina approves as both of her roles
    await sign(id, beta, 'eng', 'Technical Lead', 'approve');
    await sign(id, beta, 'tina', 'Technical Lead', 'approve');
    await sign(id, beta, 'tina', 'Product Owner', 'approve');
    let reasons = await expectNotReady(transitionRollout(engineer, { key: r.key, action: 'promote', expectedVersion: 2, reason: 'beta' }));
    const s = reasons.find((x) => x.kind === 'signoff')!;
    expect(s.status).toBe('fail');
    expect(s.detail).toMatch(/^1 of 2 approvals: Tina Tech \(Technical Lead\) — your own approval does not count \(four eyes\)/);

    await sign(id, beta, 'pat', 'Product Owner', 'approve', 'numbers look good');
    const rejection = await sign(id, beta, 'sam', 'Security Lead', 'reject', 'pen test pending');
    reasons = await expectNotReady(transitionRollout(engineer, { key: r.key, action: 'promote', expectedVersion: 2, reason: 'beta' }));
    expect(reasons.find((x) => x.kind === 'signoff')!.detail).toBe('rejected by Sam Security (Security Lead): “pen test pending”');
    await prisma().signoff.update({ where: { id: rejection.id }, data: { withdrawnAt: new Date() } });

    // now only the duration of the current phase (none) … and the checklist passed: ready
    const ready = await getReadiness(engineer, r.key);
    expect(ready.reasons.find((x) => x.kind === 'signoff')).toMatchObject({ status: 'pass', approvals: 2 });
    expect(ready.ready).toBe(true);
    const promoted = await transitionRollout(engineer, { key: r.key, action: 'promote', expectedVersion: 2, reason: 'two approvals' });
    expect(promoted.currentPhase?.key).toBe('beta');
  });

  it('an override needs rollout.override (engineer 403, nothing written); an admin’s is recorded with the reasons it overrode', async () => {
    const { plan } = gatedPlan();
    const r = await createRollout(engineer, plan);
    const id = (await prisma().rollout.findUniqueOrThrow({ where: { key: r.key } })).id;
    const e = await transitionRollout(engineer, { key: r.key, action: 'start', expectedVersion: 1, reason: 'skip it', override: true }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'forbidden' });
    expect(await prisma().rollout.findUniqueOrThrow({ where: { id } })).toMatchObject({ version: 1, status: 'draft' });
    const started = await transitionRollout(admin, { key: r.key, action: 'start', expectedVersion: 1, reason: 'emergency: monitoring verified by hand', override: true });
    expect(started.status).toBe('active');
    const row = await prisma().auditEvent.findFirstOrThrow({ where: { rolloutId: id, action: 'start' } });
    expect(row.details).toMatchObject({ override: true, overriddenReasons: [{ kind: 'checklist', status: 'fail' }] });
    // pause, rollback and abort are never blocked, and cannot be "overridden"
    await expect(transitionRollout(admin, { key: r.key, action: 'pause', expectedVersion: 2, reason: 'x', override: true })).rejects.toMatchObject({ code: 'bad_request' });
    expect((await transitionRollout(engineer, { key: r.key, action: 'rollback', expectedVersion: 2, reason: 'back' })).status).toBe('rolled_back');
  });

  it('leaving a phase waits for its minimum duration', async () => {
    const { plan } = gatedPlan();
    const r = await createRollout(engineer, plan);
    const id = (await prisma().rollout.findUniqueOrThrow({ where: { key: r.key } })).id;
    await tick(id, 'pre', 'monitoring');
    await transitionRollout(engineer, { key: r.key, action: 'start', expectedVersion: 1, reason: 'go' });
    await sign(id, plan.phases[1], 'tina', 'Technical Lead', 'approve');
    await sign(id, plan.phases[1], 'pat', 'Product Owner', 'approve');
    await transitionRollout(engineer, { key: r.key, action: 'promote', expectedVersion: 2, reason: 'beta' });
    const reasons = await expectNotReady(transitionRollout(engineer, { key: r.key, action: 'promote', expectedVersion: 3, reason: 'ga' }));
    expect(reasons).toEqual([expect.objectContaining({ kind: 'duration', status: 'fail', phase: 'beta', detail: expect.stringMatching(/^in phase \d+s of 1h planned minimum \(59m left\)$|^in phase \d+s of 1h planned minimum \(1h left\)$/) })]);
    // an hour later (the phase timer is the record's, so move it back)
    await prisma().rollout.update({ where: { id }, data: { phaseEnteredAt: new Date(Date.now() - 3601_000) } });
    expect((await transitionRollout(engineer, { key: r.key, action: 'promote', expectedVersion: 3, reason: 'ga' })).currentPhase?.key).toBe('ga');
  });
});

describe('readiness report', () => {
  it('names exactly the recorded sign-offs with decisions and dates, lists the override, and never says APPROVED without the approvals', async () => {
    const { plan } = gatedPlan();
    const r = await createRollout(engineer, plan);
    const id = (await prisma().rollout.findUniqueOrThrow({ where: { key: r.key } })).id;
    await transitionRollout(admin, { key: r.key, action: 'start', expectedVersion: 1, reason: 'override for the demo', override: true });
    const beta = plan.phases[1];
    await sign(id, beta, 'tina', 'Technical Lead', 'approve', 'code review done');
    let md = renderReportMarkdown(await loadReport(engineer, r.key));
    expect(md).toContain('Verdict: **PENDING — 1 of 2 approvals: Tina Tech (Technical Lead)');
    expect(md).not.toContain('APPROVED');
    const withdrawn = await sign(id, beta, 'sam', 'Security Lead', 'approve');
    await prisma().signoff.update({ where: { id: withdrawn.id }, data: { withdrawnAt: new Date() } });
    await sign(id, beta, 'pat', 'Product Owner', 'approve', 'ship it');
    md = renderReportMarkdown(await loadReport(engineer, r.key));
    expect(md).toContain('Verdict: **APPROVED — 2 of 2 approvals: Tina Tech (Technical Lead), Pat Product (Product Owner)**');
    const today = new Date().toISOString().slice(0, 10);
    expect(md).toMatch(new RegExp(`\\| Technical Lead \\| Tina Tech \\| Approved \\| ${today} [0-9:]+ UTC \\| code review done \\|`));
    expect(md).toMatch(new RegExp(`\\| Product Owner \\| Pat Product \\| Approved \\| ${today} [0-9:]+ UTC \\| ship it \\|`));
    expect(md).toMatch(/\| Security Lead \| — \| — \| — \| \|/);
    expect(md).toContain('- Sam Security (Security Lead): approved');
    expect(md).toContain('— withdrawn');
    expect(md).toMatch(/⚠️ \*\*OVERRIDE\*\* start by Ada Admin on .* — “override for the demo”\. Not ready at the time: checklist: 0 of 1 required items ticked/);
    expect(md).toContain('- [ ] Monitoring configured and tested (DevOps Lead)');
    expect(md).toContain('| Pre-deployment | current |');
    // only recorded names appear in the sheet
    const names = [...md.matchAll(/^\| [^|]+ \| ([^|]+) \| (Approved|Rejected) \|/gm)].map((m) => m[1].trim());
    expect(names.sort()).toEqual(['Pat Product', 'Tina Tech']);
  });

  it('is served as Markdown and readiness as JSON over REST', async () => {
    const { plan } = gatedPlan();
    await createRollout(SYSTEM_ACTOR, plan);
    const token = await tokenFor('viewer');
    const headers = { authorization: `Bearer ${token}` };
    const md = await reportRoute.GET(new Request(`http://test/api/v1/rollouts/${plan.key}/report.md`, { headers }), { params: Promise.resolve({ key: plan.key }) });
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await md.text()).toMatch(/^# Readiness report — Gated rollout/);
    const rd = await readinessRoute.GET(new Request(`http://test/api/v1/rollouts/${plan.key}/readiness`, { headers }), { params: Promise.resolve({ key: plan.key }) });
    expect(rd.status).toBe(200);
    expect(await rd.json()).toMatchObject({ key: plan.key, ready: false, action: 'start', reasons: [{ kind: 'checklist', status: 'fail' }] });
  });
});
