// Plan edits (issue 9, "Plan edits void stale approvals") against a real Postgres: a version with
// its diff in the audit, what cannot change, compare-and-set, and approvals voided per gate.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, type Role } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { AppError } from '../../lib/errors';
import { hashPassword } from '../../lib/auth/password';
import { createRollout } from '../../lib/services/create-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { recordSignoff } from '../../lib/services/record-signoff';
import { editPlan } from '../../lib/services/edit-plan';
import { tickChecklistItem } from '../../lib/services/tick-checklist-item';
import { getReadiness } from '../../lib/queries/readiness';
import { ensureEnvironments, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
});

async function person(role: Role, signoffRoles: string[] = []): Promise<Actor> {
  const u = await prisma().user.create({ data: { email: `${uniq('u')}@plan-edit.test`, name: uniq('person'), role, signoffRoles, passwordHash: await hashPassword('x') } });
  return { kind: 'user', id: u.id, name: u.name, role };
}

/** canary (no gate) → beta (sign-off by Technical Lead) → ga (sign-off by Product Owner) */
function plan() {
  const key = uniq('edit');
  const flag = `ED_${key.replace(/-/g, '_').toUpperCase()}`;
  return {
    key,
    name: 'Editable rollout',
    flags: [{ key: flag, type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' }],
    phases: [
      { key: 'canary', name: 'Canary', flags: { [flag]: 'dual' } },
      { key: 'beta', name: 'Beta', flags: { [flag]: 'dual' }, signoffs: { roles: ['Technical Lead'], required: 1 } },
      { key: 'ga', name: 'GA', flags: { [flag]: 'v2' }, signoffs: { roles: ['Product Owner'], required: 1 } },
    ],
  };
}
type Plan = ReturnType<typeof plan>;
const clone = (p: Plan): Plan => JSON.parse(JSON.stringify(p));

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

const row = (key: string) => prisma().rollout.findUniqueOrThrow({ where: { key }, include: { phases: { orderBy: { index: 'asc' } }, flags: true } });
const audit = (key: string) => prisma().auditEvent.findMany({ where: { rollout: { key } }, orderBy: { id: 'asc' } });

describe('editPlan', () => {
  it('an edit is a new version with its diff in the audit; phase rows and flag metadata follow', async () => {
    const eng = await person('engineer');
    const p = plan();
    await createRollout(eng, p);
    const next = clone(p);
    next.name = 'Renamed rollout';
    next.phases[2].name = 'General availability';
    next.phases.push({ key: 'cleanup', name: 'Cleanup', flags: { [p.flags[0].key]: 'v2' } } as Plan['phases'][number]);
    next.flags[0].baseline = 'v1';
    const r = await editPlan(eng, { key: p.key, document: next, expectedVersion: 1 });
    expect(r).toMatchObject({ fromPlanVersion: 1, toPlanVersion: 2 });
    expect(r.rollout.version).toBe(2);
    expect(r.rollout.phases.map((x) => x.key)).toEqual(['canary', 'beta', 'ga', 'cleanup']);

    const stored = await row(p.key);
    expect(stored).toMatchObject({ name: 'Renamed rollout', version: 2 });
    expect((stored.plan as Plan).phases[3].key).toBe('cleanup');
    expect(stored.phases.map((x) => [x.index, x.key, x.name])).toEqual([
      [0, 'canary', 'Canary'],
      [1, 'beta', 'Beta'],
      [2, 'ga', 'General availability'],
      [3, 'cleanup', 'Cleanup'],
    ]);

    const last = (await audit(p.key)).at(-1)!;
    expect(last).toMatchObject({ action: 'plan.edit', fromVersion: 1, toVersion: 2, actorName: eng.name });
    expect(last.details).toMatchObject({
      fromPlanVersion: 1,
      toPlanVersion: 2,
      diff: [
        { path: 'name', before: 'Editable rollout', after: 'Renamed rollout' },
        { path: 'phases[2].name', before: 'GA', after: 'General availability' },
        { path: 'phases[3]', after: { key: 'cleanup' } },
      ],
      invalidatedSignoffs: [],
    });

    // a second edit is v3; a flag's metadata changes with it
    const third = clone(next);
    third.flags[0].variants = ['v1', 'dual', 'v2', 'v3'];
    const r3 = await editPlan(eng, { key: p.key, document: third, expectedVersion: 2 });
    expect(r3).toMatchObject({ fromPlanVersion: 2, toPlanVersion: 3 });
    expect((await prisma().flag.findUniqueOrThrow({ where: { key: p.flags[0].key } })).variants).toEqual(['v1', 'dual', 'v2', 'v3']);
  });

  it('a stale expectedVersion is 409 and writes nothing', async () => {
    const eng = await person('engineer');
    const p = plan();
    await createRollout(eng, p);
    await transitionRollout(eng, { key: p.key, action: 'start', expectedVersion: 1, reason: 'go' });
    const next = clone(p);
    next.name = 'Too late';
    const before = await audit(p.key);
    const e = await expectAppError(editPlan(eng, { key: p.key, document: next, expectedVersion: 1 }), 'conflict');
    expect(e.extra.currentVersion).toBe(2);
    expect((await row(p.key)).name).toBe('Editable rollout');
    expect(await audit(p.key)).toHaveLength(before.length);
  });

  it('flag keys and entered phases cannot change: 400 naming each path, nothing written', async () => {
    const eng = await person('engineer');
    const p = plan();
    await createRollout(eng, p);
    await transitionRollout(eng, { key: p.key, action: 'start', expectedVersion: 1, reason: 'go' }); // in canary
    const flag = p.flags[0].key;

    const cases: [string, (x: Plan) => void, string[]][] = [
      ['flag renamed', (x) => { x.flags[0].key = `${flag}_NEW`; x.phases.forEach((ph) => { const f = ph.flags as Record<string, string>; f[`${flag}_NEW`] = f[flag]; delete f[flag]; }); }, ['flags[0].key', 'phases[0].flags.' + flag, 'phases[0].flags.' + flag + '_NEW']],
      ['flag added', (x) => { x.flags.push({ key: `${flag}_B`, type: 'boolean', baseline: false } as unknown as Plan['flags'][number]); }, ['flags[1]']],
      ['current phase flags', (x) => { (x.phases[0].flags as Record<string, string>)[flag] = 'v2'; }, [`phases[0].flags.${flag}`]],
      ['current phase removed', (x) => { x.phases.shift(); }, ['phases[0].key', 'phases[0].name', 'phases[0].signoffs']],
      ['rollout key', (x) => { x.key = uniq('other'); }, ['key']],
    ];
    const before = { audit: (await audit(p.key)).length, row: await row(p.key) };
    for (const [what, change, paths] of cases) {
      const next = clone(p);
      change(next);
      const e = await expectAppError(editPlan(eng, { key: p.key, document: next, expectedVersion: 2 }), 'bad_request');
      const got = (e.extra.errors as { path: string }[]).map((x) => x.path);
      for (const path of paths) expect(got, what).toContain(path);
    }
    const removed = clone(p);
    removed.flags = [];
    // a plan with no flags fails validation already (a plan needs at least one flag)
    await expectAppError(editPlan(eng, { key: p.key, document: removed, expectedVersion: 2 }), 'bad_request');
    expect((await audit(p.key)).length).toBe(before.audit);
    const after = await row(p.key);
    expect(after.version).toBe(2);
    expect(after.plan).toEqual(before.row.plan);
    expect(after.phases).toEqual(before.row.phases);

    // a future phase may still change, be reordered or removed
    const ok = clone(p);
    ok.phases = [ok.phases[0], ok.phases[2]];
    const r = await editPlan(eng, { key: p.key, document: ok, expectedVersion: 2 });
    expect(r.rollout.phases.map((x) => x.key)).toEqual(['canary', 'ga']);
  });

  it('phases entered before a rollback stay frozen', async () => {
    const eng = await person('engineer');
    const p = plan();
    p.phases[1].signoffs = undefined as never;
    delete (p.phases[1] as { signoffs?: unknown }).signoffs;
    await createRollout(eng, p);
    await transitionRollout(eng, { key: p.key, action: 'start', expectedVersion: 1, reason: 'go' });
    await transitionRollout(eng, { key: p.key, action: 'promote', expectedVersion: 2, reason: 'beta' });
    await transitionRollout(eng, { key: p.key, action: 'rollback', expectedVersion: 3, reason: 'oops' });
    expect((await row(p.key)).status).toBe('rolled_back');
    const next = clone(p);
    next.phases[1].name = 'Beta, renamed';
    const e = await expectAppError(editPlan(eng, { key: p.key, document: next, expectedVersion: 4 }), 'bad_request');
    expect(e.extra.errors).toEqual([{ path: 'phases[1].name', message: 'phase "beta" has been entered and cannot change' }]);
    const ga = clone(p);
    ga.phases[2].name = 'GA, renamed';
    await editPlan(eng, { key: p.key, document: ga, expectedVersion: 4 });
  });

  it('an edit voids the approvals of the changed gate only; readiness follows', async () => {
    const eng = await person('engineer');
    const tl = await person('approver', ['Technical Lead']);
    const po = await person('approver', ['Product Owner']);
    const p = plan();
    await createRollout(eng, p);
    await transitionRollout(eng, { key: p.key, action: 'start', expectedVersion: 1, reason: 'go' }); // canary; beta is next
    const beta = await recordSignoff(tl, { key: p.key, phase: 'beta', role: 'Technical Lead', decision: 'approve' });
    const ga = await recordSignoff(po, { key: p.key, phase: 'ga', role: 'Product Owner', decision: 'approve' });
    expect((await getReadiness(eng, p.key)).ready).toBe(true);

    // change ga's gate (its sign-off rule and flag values) and a non-gate field of beta
    const next = clone(p);
    next.phases[2].signoffs = { roles: ['Product Owner', 'Security Lead'], required: 1 };
    (next.phases[2].flags as Record<string, string>)[p.flags[0].key] = 'dual';
    next.phases[1].name = 'Beta (wider)';
    const r = await editPlan(eng, { key: p.key, document: next, expectedVersion: 2 });
    expect(r.invalidatedSignoffs).toEqual([
      { id: ga.id, phase: 'ga', role: 'Product Owner', userName: po.name, decision: 'approve', reason: 'plan v2 changed this gate: signoffs, flags' },
    ]);
    const rows = await prisma().signoff.findMany({ where: { rollout: { key: p.key } } });
    expect(rows.find((s) => s.id === beta.id)).toMatchObject({ invalidatedAt: null, invalidatedReason: null });
    expect(rows.find((s) => s.id === ga.id)?.invalidatedAt).toBeInstanceOf(Date);
    expect(rows.find((s) => s.id === ga.id)?.invalidatedReason).toBe('plan v2 changed this gate: signoffs, flags');
    // beta's approval still counts: the promote into beta is ready
    expect((await getReadiness(eng, p.key)).ready).toBe(true);
    const last = (await audit(p.key)).at(-1)!;
    expect((last.details as { invalidatedSignoffs: { id: string }[] }).invalidatedSignoffs.map((s) => s.id)).toEqual([ga.id]);

    // now change beta's checklist: its approval goes, and the gate into beta fails
    const third = clone(next);
    (third.phases[1] as { checklist?: unknown }).checklist = [{ key: 'runbook', text: 'Runbook reviewed' }];
    const r3 = await editPlan(eng, { key: p.key, document: third, expectedVersion: 3 });
    expect(r3.invalidatedSignoffs.map((s) => [s.id, s.reason])).toEqual([[beta.id, 'plan v3 changed this gate: checklist']]);
    const readiness = await getReadiness(eng, p.key);
    expect(readiness.ready).toBe(false);
    expect(readiness.reasons.find((x) => x.kind === 'signoff')?.status).toBe('fail');
  });

  it('an edit unticks checklist items whose text changed or that went away; others stay ticked', async () => {
    const eng = await person('engineer');
    const p = plan();
    (p.phases[1] as { checklist?: unknown }).checklist = [
      { key: 'runbook', text: 'Runbook reviewed' },
      { key: 'oncall', text: 'On-call briefed' },
      { key: 'dash', text: 'Dashboards ready', required: false },
      { key: 'comms', text: 'Users informed' },
    ];
    await createRollout(eng, p);
    await transitionRollout(eng, { key: p.key, action: 'start', expectedVersion: 1, reason: 'go' });
    for (const item of ['runbook', 'oncall', 'dash', 'comms']) await tickChecklistItem(eng, { key: p.key, phase: 'beta', item, checked: true });

    const next = clone(p);
    (next.phases[1] as { checklist?: unknown }).checklist = [
      { key: 'runbook', text: 'Runbook reviewed' }, // unchanged: stays ticked
      { key: 'oncall', text: 'On-call briefed and paged once' }, // text changed
      { key: 'dash', text: 'Dashboards ready', required: true }, // now required: what was confirmed is the same, stays ticked
      // comms removed
    ];
    const r = await editPlan(eng, { key: p.key, document: next, expectedVersion: 2 });
    expect(r.resetTicks.map((t) => [t.item, t.reason])).toEqual(
      expect.arrayContaining([
        ['oncall', "plan v2 changed this item's text"],
        ['comms', 'plan v2 removed this item'],
      ]),
    );
    expect(r.resetTicks).toHaveLength(2);
    const rows = await prisma().checklistItem.findMany({ where: { rollout: { key: p.key } } });
    const state = Object.fromEntries(rows.map((x) => [x.itemKey, x.checked]));
    expect(state).toEqual({ runbook: true, oncall: false, dash: true, comms: false });
    const last = (await audit(p.key)).at(-1)!;
    expect((last.details as { resetTicks: { item: string }[] }).resetTicks.map((t) => t.item).sort()).toEqual(['comms', 'oncall']);
    // the gate into beta now misses the required item the edit unticked
    const reasons = (await getReadiness(eng, p.key)).reasons;
    expect(reasons.find((x) => x.kind === 'checklist')?.status).toBe('fail');
  });

  it('a changed baseline is served at once where the flag is at baseline; closed and unchanged plans are refused', async () => {
    const eng = await person('engineer');
    const p = plan();
    await createRollout(eng, p);
    const flag = await prisma().flag.findUniqueOrThrow({ where: { key: p.flags[0].key } });
    const served = async () => (await prisma().flagValue.findMany({ where: { flagId: flag.id } })).map((x) => x.value);
    expect(new Set(await served())).toEqual(new Set(['v1']));
    const next = clone(p);
    next.flags[0].baseline = 'dual';
    const r = await editPlan(eng, { key: p.key, document: next, expectedVersion: 1 });
    expect(new Set(await served())).toEqual(new Set(['dual']));
    const last = (await audit(p.key)).at(-1)!;
    expect((last.details as { changedEnvironments: string[] }).changedEnvironments.length).toBeGreaterThan(0);

    const same = await expectAppError(editPlan(eng, { key: p.key, document: next, expectedVersion: r.rollout.version }), 'bad_request');
    expect(same.message).toMatch(/unchanged/);

    await transitionRollout(eng, { key: p.key, action: 'abort', expectedVersion: 2, reason: 'stop' });
    const again = clone(next);
    again.name = 'After abort';
    const closed = await expectAppError(editPlan(eng, { key: p.key, document: again, expectedVersion: 3 }), 'conflict');
    expect(closed.extra.reasonCode).toBe('plan_closed');
  });

  it('a viewer (and an approver) is 403, over REST too; an engineer token succeeds', async () => {
    const eng = await person('engineer');
    const p = plan();
    await createRollout(eng, p);
    const next = clone(p);
    next.name = 'By REST';
    await expectAppError(editPlan(await person('viewer'), { key: p.key, document: next, expectedVersion: 1 }), 'forbidden');
    await expectAppError(editPlan(await person('approver'), { key: p.key, document: next, expectedVersion: 1 }), 'forbidden');

    const { PUT, GET } = await import('../../app/api/v1/rollouts/[key]/plan/route');
    const put = async (token: string, body: string, type: string, q = '', headers: Record<string, string> = {}) =>
      PUT(new Request(`http://localhost/api/v1/rollouts/${p.key}/plan${q}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': type, ...headers }, body }), {
        params: Promise.resolve({ key: p.key }),
      });
    const viewer = await tokenFor('viewer');
    expect((await put(viewer, JSON.stringify(next), 'application/json', '?expectedVersion=1')).status).toBe(403);
    expect((await put(viewer, JSON.stringify(next), 'application/json')).status).toBe(403);

    const token = await tokenFor('engineer');
    const missing = await put(token, JSON.stringify(next), 'application/json');
    expect(missing.status).toBe(400);
    expect((await missing.json()).errors[0].path).toBe('expectedVersion');
    const disagree = await put(token, JSON.stringify(next), 'application/json', '?expectedVersion=1', { 'if-match': '"2"' });
    expect(disagree.status).toBe(400);

    const got = await GET(new Request(`http://localhost/api/v1/rollouts/${p.key}/plan`, { headers: { authorization: `Bearer ${viewer}` } }), { params: Promise.resolve({ key: p.key }) });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(await got.json()).toMatchObject({ key: p.key, name: 'Editable rollout' });

    // YAML with If-Match
    const yaml = JSON.stringify(next); // JSON is YAML too
    const ok = await put(token, yaml, 'application/yaml', '', { 'if-match': '"1"' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"2"');
    expect(await ok.json()).toMatchObject({ fromPlanVersion: 1, toPlanVersion: 2, diff: [{ path: 'name', before: 'Editable rollout', after: 'By REST' }] });
    const stale = await put(token, yaml, 'application/yaml', '', { 'if-match': '"1"' });
    expect(stale.status).toBe(409);
  });
});
