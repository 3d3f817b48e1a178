// Checklists, sign-offs and the gate (issue 9) against a real Postgres: the services, the REST
// routes that carry them, and the promote guard that reads them.
import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor, type Role } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { AppError } from '../../lib/errors';
import { hashPassword } from '../../lib/auth/password';
import { createRollout } from '../../lib/services/create-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { tickChecklistItem } from '../../lib/services/tick-checklist-item';
import { recordSignoff } from '../../lib/services/record-signoff';
import { withdrawSignoff } from '../../lib/services/withdraw-signoff';
import { getInbox, getSignoffSheet } from '../../lib/queries/governance';
import { getReadiness } from '../../lib/queries/readiness';
import { gateFingerprint } from '../../lib/domain/readiness';
import { ensureEnvironments, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { createHash } from 'node:crypto';

const ROLES = ['Technical Lead', 'Product Owner', 'Security Lead'];

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
});

async function person(role: Role, signoffRoles: string[] = [], name = uniq('person')): Promise<Actor> {
  const u = await prisma().user.create({ data: { email: `${uniq('u')}@gov.test`, name, role, signoffRoles, passwordHash: await hashPassword('x') } });
  return { kind: 'user', id: u.id, name: u.name, role };
}

/** a plan whose first phase has no gate and whose second has a checklist and a 2-of-3 sign-off rule */
function gatedPlan(opts: { required?: number; allowSelfApproval?: boolean } = {}) {
  const key = uniq('gov');
  const flag = `GOV_${key.replace(/-/g, '_').toUpperCase()}`;
  return {
    key,
    name: 'Governed rollout',
    flags: [{ key: flag, type: 'boolean', baseline: false }],
    phases: [
      { key: 'canary', name: 'Canary', flags: { [flag]: true } },
      {
        key: 'beta',
        name: 'Beta',
        flags: {},
        checklist: [
          { key: 'monitoring', text: 'Monitoring configured and tested', owner: 'DevOps Lead' },
          { key: 'runbook', text: 'Runbook reviewed' },
          { key: 'nice', text: 'Nice to have', required: false },
        ],
        signoffs: { roles: ROLES, required: opts.required ?? 2, ...(opts.allowSelfApproval ? { allowSelfApproval: true } : {}) },
      },
    ],
  };
}

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

const version = async (key: string) => (await prisma().rollout.findUniqueOrThrow({ where: { key } })).version;
const auditCount = async (key: string) => prisma().auditEvent.count({ where: { rollout: { key } } });

/** created and started (at canary: the next step promotes into the gated beta) */
async function atCanary(plan = gatedPlan(), by?: Actor): Promise<string> {
  const eng = by ?? (await person('engineer'));
  await createRollout(eng, plan);
  await transitionRollout(eng, { key: plan.key, action: 'start', expectedVersion: 1, reason: 'start' });
  return plan.key;
}

const promote = async (actor: Actor, key: string, extra: { override?: boolean } = {}) =>
  transitionRollout(actor, { key, action: 'promote', expectedVersion: await version(key), reason: 'promote', ...extra });

async function tickAll(actor: Actor, key: string) {
  for (const item of ['monitoring', 'runbook']) await tickChecklistItem(actor, { key, phase: 'beta', item, checked: true });
}

describe('checklists', () => {
  it('required items block the promote with 409 reasons; ticking unblocks; who, when and evidence are kept', async () => {
    const eng = await person('engineer');
    const key = await atCanary(gatedPlan({ required: 1 }), eng);
    const a = await person('approver', ['Technical Lead']);
    await recordSignoff(a, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve', comment: 'ok' });

    const e = await expectAppError(promote(eng, key), 'conflict');
    expect(e.extra.reasonCode).toBe('not_ready');
    const reasons = e.extra.reasons as { kind: string; detail: string }[];
    expect(reasons.map((r) => r.kind)).toEqual(['checklist']);
    expect(reasons[0].detail).toBe('0 of 2 required items ticked; open: Monitoring configured and tested (DevOps Lead); Runbook reviewed');

    const t = await tickChecklistItem(eng, { key, phase: 'beta', item: 'monitoring', checked: true, evidence: 'https://grafana.example/d/abc' });
    expect(t).toMatchObject({ checked: true, evidence: 'https://grafana.example/d/abc', by: eng.name });
    let r = await getReadiness(eng, key);
    expect(r.reasons.find((x) => x.kind === 'checklist')?.detail).toBe('1 of 2 required items ticked; open: Runbook reviewed');
    // an untick opens the item again
    await tickChecklistItem(eng, { key, phase: 'beta', item: 'monitoring', checked: false });
    r = await getReadiness(eng, key);
    expect(r.reasons.find((x) => x.kind === 'checklist')?.status).toBe('fail');
    await tickAll(eng, key);
    r = await getReadiness(eng, key);
    expect(r.ready).toBe(true);
    const done = await promote(eng, key);
    expect(done.currentPhase?.key).toBe('beta');
    // the gate is behind us: ticking it now would read as if it had mattered
    const closed = await expectAppError(tickChecklistItem(eng, { key, phase: 'beta', item: 'runbook', checked: false }), 'conflict');
    expect(closed.extra.reasonCode).toBe('gate_passed');

    const audit = await prisma().auditEvent.findMany({ where: { rollout: { key }, action: { startsWith: 'checklist.' } }, orderBy: { id: 'asc' } });
    expect(audit.map((x) => x.action)).toEqual(['checklist.tick', 'checklist.untick', 'checklist.tick', 'checklist.tick']);
    expect(audit[0]).toMatchObject({ actorName: eng.name, details: { phase: 'beta', item: 'monitoring', checked: true, evidence: 'https://grafana.example/d/abc', before: null } });
    expect((audit[1].details as { before: { checked: boolean } }).before.checked).toBe(true);
  });

  it('only items of the plan; permitted roles only; evidence at most 2,000 characters', async () => {
    const eng = await person('engineer');
    const key = await atCanary(gatedPlan(), eng);
    const before = await auditCount(key);
    expect((await expectAppError(tickChecklistItem(eng, { key, phase: 'beta', item: 'nope', checked: true }), 'not_found')).message).toBe(
      'phase "beta" has no checklist item "nope" (items: monitoring, runbook, nice)',
    );
    expect((await expectAppError(tickChecklistItem(eng, { key, phase: 'gamma', item: 'monitoring', checked: true }), 'not_found')).message).toContain('has no phase "gamma" (phases: canary, beta)');
    expect((await expectAppError(tickChecklistItem(eng, { key, phase: 'canary', item: 'x', checked: true }), 'not_found')).message).toBe('phase "canary" has no checklist');
    expect((await expectAppError(tickChecklistItem(eng, { key: 'no-such', phase: 'beta', item: 'x', checked: true }), 'not_found')).message).toBe('no rollout with key "no-such"');
    const viewer = await person('viewer');
    await expectAppError(tickChecklistItem(viewer, { key, phase: 'beta', item: 'monitoring', checked: true }), 'forbidden');
    expect(await auditCount(key)).toBe(before);
    expect(await prisma().checklistItem.count({ where: { rollout: { key } } })).toBe(0);

    // over REST: the body is checked at the boundary, naming the field
    const { POST } = await import('../../app/api/v1/rollouts/[key]/phases/[phase]/checklist/[item]/route');
    const token = await tokenFor('engineer');
    const call = (body: unknown) =>
      POST(new Request(`http://localhost/api/v1/rollouts/${key}/phases/beta/checklist/monitoring`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }), {
        params: Promise.resolve({ key, phase: 'beta', item: 'monitoring' }),
      });
    let res = await call({ checked: 'yes' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0].path).toBe('checked');
    res = await call({ checked: true, evidence: 'x'.repeat(2001) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ path: 'evidence', message: 'too long: at most 2,000 characters' }] });
    res = await call({ checked: true, extra: 1 });
    expect(res.status).toBe(400);
    res = await call({ checked: true, evidence: 'x'.repeat(2000) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ checked: true, item: 'monitoring', by: expect.any(String) });

  });
});

describe('sign-offs', () => {
  it('approve, reject and withdraw; posting again replaces the decision; history is kept; gateHash is the sha256 of the gate fingerprint', async () => {
    const eng = await person('engineer');
    const key = await atCanary(gatedPlan(), eng);
    await tickAll(eng, key);
    const tl = await person('viewer', ['Technical Lead'], 'Tess Lead');
    const po = await person('approver', ['Product Owner'], 'Pat Owner');

    const first = await recordSignoff(tl, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve', comment: 'looks good' });
    // the plan as stored (defaults filled in) is what was approved
    const stored = (await prisma().rollout.findUniqueOrThrow({ where: { key } })).plan as { phases: Parameters<typeof gateFingerprint>[0][] };
    expect(first.gateHash).toBe(createHash('sha256').update(gateFingerprint(stored.phases[1])).digest('hex'));
    expect(first.gateHash).toMatch(/^[0-9a-f]{64}$/);
    let r = await getReadiness(eng, key);
    expect(r.reasons.find((x) => x.kind === 'signoff')?.detail).toBe('1 of 2 approvals: Tess Lead (Technical Lead); roles: Technical Lead, Product Owner, Security Lead');

    await recordSignoff(po, { key, phase: 'beta', role: 'Product Owner', decision: 'reject', comment: 'support not trained' });
    r = await getReadiness(eng, key);
    expect(r.ready).toBe(false);
    expect(r.reasons.find((x) => x.kind === 'signoff')?.detail).toBe('rejected by Pat Owner (Product Owner): “support not trained”');
    // a standing rejection blocks even with enough approvals
    const sl = await person('viewer', ['Security Lead'], 'Sam Sec');
    await recordSignoff(sl, { key, phase: 'beta', role: 'Security Lead', decision: 'approve', comment: '' });
    const blocked = await expectAppError(promote(eng, key), 'conflict');
    expect((blocked.extra.reasons as { kind: string }[]).map((x) => x.kind)).toEqual(['signoff']);

    // posting again replaces the decision (one standing row, the old one withdrawn)
    const again = await recordSignoff(po, { key, phase: 'beta', role: 'Product Owner', decision: 'approve', comment: 'trained now' });
    expect(again.replaced?.decision).toBe('reject');
    const rows = await prisma().signoff.findMany({ where: { rollout: { key }, userId: po.id! }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((x) => [x.decision, x.withdrawnAt !== null])).toEqual([
      ['reject', true],
      ['approve', false],
    ]);
    r = await getReadiness(eng, key);
    expect(r.reasons.find((x) => x.kind === 'signoff')).toMatchObject({ status: 'pass', approvals: 3 });

    // withdraw: the row stays as history
    const w = await withdrawSignoff(sl, { key, phase: 'beta', role: 'Security Lead' });
    expect(w.decision).toBe('approve');
    expect((await expectAppError(withdrawSignoff(sl, { key, phase: 'beta', role: 'Security Lead' }), 'not_found')).message).toBe(
      'you have no standing sign-off as "Security Lead" on phase "beta" to withdraw',
    );
    const sheet = await getSignoffSheet(eng, key, 'beta');
    expect(sheet.rule).toEqual({ roles: ROLES, required: 2, allowSelfApproval: false });
    // newest first, withdrawn ones kept as history
    expect(sheet.signoffs.map((s) => `${s.user.name}/${s.role}/${s.decision}/${s.standing ? 'standing' : 'gone'}`)).toEqual([
      'Pat Owner/Product Owner/approve/standing',
      'Sam Sec/Security Lead/approve/gone',
      'Pat Owner/Product Owner/reject/gone',
      'Tess Lead/Technical Lead/approve/standing',
    ]);
    expect(sheet.signoffs).toHaveLength(4);
    expect(sheet.signoffs[0]).toMatchObject({ user: { name: 'Pat Owner' }, decision: 'approve', standing: true });

    const audit = await prisma().auditEvent.findMany({ where: { rollout: { key }, action: { startsWith: 'signoff.' } }, orderBy: { id: 'asc' } });
    expect(audit.map((x) => x.action)).toEqual(['signoff.approve', 'signoff.reject', 'signoff.approve', 'signoff.approve', 'signoff.withdraw']);
    expect(audit[3].details).toMatchObject({ role: 'Product Owner', decision: 'approve', comment: 'trained now', replaced: { decision: 'reject' } });
    expect(audit[4].details).toMatchObject({ role: 'Security Lead', withdrawn: { decision: 'approve' } });

    const done = await promote(eng, key);
    expect(done.currentPhase?.key).toBe('beta');
    // the gate is behind us now
    const closed = await expectAppError(recordSignoff(sl, { key, phase: 'beta', role: 'Security Lead', decision: 'approve' }), 'conflict');
    expect(closed.extra.reasonCode).toBe('gate_passed');
  });

  it("the promoter's own approval does not count (four eyes) unless the plan allows it; one person counts once across roles", async () => {
    const lead = await person('engineer', ['Technical Lead', 'Product Owner'], 'Lee Both');
    const key = await atCanary(gatedPlan(), lead);
    await tickAll(lead, key);
    await recordSignoff(lead, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve', comment: '' });
    await recordSignoff(lead, { key, phase: 'beta', role: 'Product Owner', decision: 'approve', comment: '' });
    const other = await person('engineer', [], 'Otto Other');
    // one person counts once, whatever roles they hold
    let r = await getReadiness(other, key);
    expect(r.reasons.find((x) => x.kind === 'signoff')).toMatchObject({ status: 'fail', approvals: 1 });
    const sec = await person('viewer', ['Security Lead'], 'Sue Sec');
    await recordSignoff(sec, { key, phase: 'beta', role: 'Security Lead', decision: 'approve', comment: '' });
    r = await getReadiness(other, key);
    expect(r.ready).toBe(true);
    // the lead's own approval is not counted when the lead promotes
    r = await getReadiness(lead, key);
    expect(r.reasons.find((x) => x.kind === 'signoff')?.detail).toBe('1 of 2 approvals: Sue Sec (Security Lead) — your own approval does not count (four eyes); roles: Technical Lead, Product Owner, Security Lead');
    const e = await expectAppError(promote(lead, key), 'conflict');
    expect(e.extra.reasonCode).toBe('not_ready');
    expect((await promote(other, key)).currentPhase?.key).toBe('beta');

    // allowSelfApproval: true lets it count
    const key2 = await atCanary(gatedPlan({ allowSelfApproval: true }), lead);
    await tickAll(lead, key2);
    await recordSignoff(lead, { key: key2, phase: 'beta', role: 'Technical Lead', decision: 'approve', comment: '' });
    await recordSignoff(sec, { key: key2, phase: 'beta', role: 'Security Lead', decision: 'approve', comment: '' });
    expect((await promote(lead, key2)).currentPhase?.key).toBe('beta');
  });

  it('a service token cannot sign off; a person without the role cannot (403 naming the role and what they hold); nothing is written', async () => {
    const eng = await person('engineer');
    const key = await atCanary(gatedPlan(), eng);
    const before = await auditCount(key);
    const service: Actor = { kind: 'token', id: 'tok', name: 'ci bot', role: 'admin', userId: null };
    expect((await expectAppError(recordSignoff(service, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve' }), 'forbidden')).message).toBe(
      'token "ci bot" is a service token: only people sign off (sign in, or use a personal token)',
    );
    await expectAppError(recordSignoff(SYSTEM_ACTOR, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve' }), 'forbidden');
    const po = await person('admin', ['Product Owner']);
    expect((await expectAppError(recordSignoff(po, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve' }), 'forbidden')).message).toBe(
      'you do not hold the sign-off role "Technical Lead" (you hold: Product Owner)',
    );
    const none = await person('admin');
    expect((await expectAppError(recordSignoff(none, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve' }), 'forbidden')).message).toContain('(you hold: no sign-off roles)');
    await expectAppError(withdrawSignoff(none, { key, phase: 'beta', role: 'Technical Lead' }), 'forbidden');
    // a role the gate does not name, a phase without a gate
    expect((await expectAppError(recordSignoff(po, { key, phase: 'beta', role: 'CEO', decision: 'approve' }), 'bad_request')).message).toBe(
      'role "CEO" is not a sign-off role of phase "beta" (roles: Technical Lead, Product Owner, Security Lead)',
    );
    expect((await expectAppError(recordSignoff(po, { key, phase: 'canary', role: 'Product Owner', decision: 'approve' }), 'bad_request')).message).toBe('phase "canary" has no sign-off gate');
    // a disabled person
    const gone = await person('viewer', ['Technical Lead']);
    await prisma().user.update({ where: { id: gone.id! }, data: { disabledAt: new Date() } });
    await expectAppError(recordSignoff(gone, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve' }), 'forbidden');
    expect(await auditCount(key)).toBe(before);
    expect(await prisma().signoff.count({ where: { rollout: { key } } })).toBe(0);

    // a personal token acts as its person
    const tl = await person('viewer', ['Technical Lead'], 'Tia Token');
    const personal: Actor = { kind: 'token', id: 'tok2', name: 'tia laptop', role: 'viewer', userId: tl.id };
    const s = await recordSignoff(personal, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve', comment: 'via token' });
    expect(s.user.name).toBe('Tia Token');
  });

  it('over REST: a service token is refused (403), bad bodies are 400 naming the field, unknown phases 404; DELETE withdraws; GET lists', async () => {
    const eng = await person('engineer');
    const key = await atCanary(gatedPlan(), eng);
    const { POST, GET } = await import('../../app/api/v1/rollouts/[key]/phases/[phase]/signoffs/route');
    const { DELETE } = await import('../../app/api/v1/rollouts/[key]/phases/[phase]/signoffs/[role]/route');
    const token = await tokenFor('admin');
    const req = (body: unknown, phase = 'beta') =>
      POST(new Request(`http://localhost/api/v1/rollouts/${key}/phases/${phase}/signoffs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }), {
        params: Promise.resolve({ key, phase }),
      });
    let res = await req({ role: 'Technical Lead', decision: 'approve', comment: 'x' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toContain('is a service token: only people sign off');
    res = await req({ role: 'Technical Lead', decision: 'maybe', comment: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ path: 'decision', message: 'decision must be "approve" or "reject"' }] });
    res = await req({ decision: 'approve' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ path: 'role' }] });
    res = await req({ role: 'Technical Lead', decision: 'approve', comment: 'c'.repeat(2001) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ path: 'comment', message: 'too long: at most 2,000 characters' }] });
    res = await req({ role: 'Technical Lead', decision: 'approve' }, 'zeta');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain('has no phase "zeta"');
    const list = await GET(new Request(`http://localhost/api/v1/rollouts/${key}/phases/beta/signoffs`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ key, phase: 'beta' }) });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ key, phase: { key: 'beta' }, rule: { required: 2 }, signoffs: [], me: { userId: null, canSignOff: false } });
    // DELETE as a service token: refused too
    const del = await DELETE(new Request(`http://localhost/x`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ key, phase: 'beta', role: 'Technical Lead' }) });
    expect(del.status).toBe(403);
  });
});

describe('override and the frozen go/no-go record', () => {
  it('override needs rollout.override (engineer 403, nothing written); an admin override is audited with its overridden reasons; the frozen readiness does not change later', async () => {
    const eng = await person('engineer');
    const key = await atCanary(gatedPlan(), eng);
    const before = { audit: await auditCount(key), version: await version(key) };
    const e = await expectAppError(promote(eng, key, { override: true }), 'forbidden');
    expect(e.message).toContain('rollout: override');
    expect({ audit: await auditCount(key), version: await version(key) }).toEqual(before);

    const admin = await person('admin');
    const done = await promote(admin, key, { override: true });
    expect(done.currentPhase?.key).toBe('beta');
    const row = await prisma().auditEvent.findFirstOrThrow({ where: { rollout: { key }, action: 'promote' } });
    const details = row.details as { override: boolean; overriddenReasons: { kind: string }[]; readiness: { ready: boolean; reasons: { kind: string; detail: string }[] } };
    expect(details.override).toBe(true);
    expect(details.overriddenReasons.map((x) => x.kind)).toEqual(['checklist', 'signoff']);
    const frozen = JSON.stringify(details.readiness);
    expect(details.readiness.ready).toBe(false);

    // later ticks and sign-offs never change the record (roll back so the gate is ahead again)
    await transitionRollout(admin, { key, action: 'rollback', expectedVersion: await version(key), reason: 'back', to: 'canary' });
    await tickAll(eng, key);
    const tl = await person('viewer', ['Technical Lead']);
    await recordSignoff(tl, { key, phase: 'beta', role: 'Technical Lead', decision: 'approve', comment: 'late' });
    const again = await prisma().auditEvent.findUniqueOrThrow({ where: { id: row.id } });
    expect(JSON.stringify((again.details as { readiness: unknown }).readiness)).toBe(frozen);
    expect(await getReadiness(eng, key).then((r) => r.reasons.find((x) => x.kind === 'checklist')?.status)).toBe('pass');
  });
});

describe('inbox', () => {
  it('lists the gates that are next and name a role I hold, where I have no standing decision', async () => {
    const eng = await person('engineer');
    const key = await atCanary(gatedPlan(), eng);
    const me = await person('viewer', ['Security Lead'], 'Ina Inbox');
    const stranger = await person('viewer', ['CFO']);
    let inbox = await getInbox(me);
    const mine = inbox.entries.find((x) => x.key === key);
    expect(mine).toMatchObject({ action: 'promote', phase: { key: 'beta' }, myRoles: ['Security Lead'] });
    expect(mine?.readiness.reasons.map((x) => x.kind)).toContain('checklist');
    expect((await getInbox(stranger)).entries.find((x) => x.key === key)).toBeUndefined();
    await recordSignoff(me, { key, phase: 'beta', role: 'Security Lead', decision: 'approve', comment: '' });
    inbox = await getInbox(me);
    expect(inbox.entries.find((x) => x.key === key)).toBeUndefined();
    await withdrawSignoff(me, { key, phase: 'beta', role: 'Security Lead' });
    expect((await getInbox(me)).entries.find((x) => x.key === key)).toBeDefined();
    // a service token has no inbox
    expect((await getInbox({ kind: 'token', id: 't', name: 'svc', role: 'viewer' })).entries).toEqual([]);
  });
});
