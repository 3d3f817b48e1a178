// Read side of a phase gate: the rollout and the plan's phase a checklist tick or sign-off is
// about (404 naming what is unknown), and the sign-off sheet of a gate with its history.
import { authorize, type Actor } from '../auth/actor';
import { prisma, type Tx } from '../db';
import { conflict, notFound } from '../errors';
import type { TPlan, TPlanPhase } from '../domain/plan';
import type { RolloutStatus } from '../domain/lifecycle';
import { actorUserId, gatePhases, readinessOf } from './readiness';
import type { Readiness } from '../domain/readiness';

type Client = Tx | ReturnType<typeof prisma>;

export interface Gate {
  rollout: {
    id: string;
    key: string;
    name: string;
    status: RolloutStatus;
    version: number;
    currentPhaseIndex: number | null;
    phaseEnteredAt: Date | null;
    plan: unknown;
    phases: { key: string; name: string; index: number; minDurationSeconds: number }[];
  };
  /** the phase as the plan writes it (checklist, sign-off rule, flags) */
  phase: TPlanPhase;
  index: number;
}

/** Loads the rollout and one of its phases; a 404 names the rollout or the phase (and lists the phases). */
export async function loadGate(db: Client, key: string, phaseKey: string): Promise<Gate> {
  const r = await db.rollout.findUnique({ where: { key }, include: { phases: { orderBy: { index: 'asc' } } } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  const planPhases = ((r.plan as TPlan | null)?.phases ?? []) as TPlanPhase[];
  const index = r.phases.findIndex((p) => p.key === phaseKey);
  const phase = planPhases.find((p) => p.key === phaseKey);
  if (index < 0 || !phase) throw notFound(`rollout "${key}" has no phase "${phaseKey}" (phases: ${r.phases.map((p) => p.key).join(', ')})`);
  return { rollout: r, phase, index };
}

/**
 * Is this phase's gate still ahead? Once the rollout has entered the phase (or finished), ticking
 * its checklist or signing it off changes nothing, and the record would read as if it had — 409.
 * A rollback makes later gates pending again.
 */
export function assertGatePending(g: Gate): void {
  const { status, currentPhaseIndex } = g.rollout;
  const passed =
    status === 'completed' || status === 'aborted' || ((status === 'active' || status === 'paused') && currentPhaseIndex !== null && g.index <= currentPhaseIndex);
  if (passed) {
    throw conflict(`the gate into phase "${g.phase.key}" has already been passed (the rollout is ${status.replace('_', ' ')}${currentPhaseIndex !== null ? `, in phase "${g.rollout.phases[currentPhaseIndex]?.key}"` : ''})`, {
      reasonCode: 'gate_passed',
      currentStatus: status,
      currentVersion: g.rollout.version,
    });
  }
}

export interface SignoffView {
  id: string;
  role: string;
  user: { id: string; name: string };
  decision: 'approve' | 'reject';
  comment: string;
  at: string;
  /** standing = neither withdrawn nor invalidated */
  standing: boolean;
  withdrawnAt: string | null;
  invalidatedAt: string | null;
  invalidatedReason: string | null;
  /** does the person still hold the role (a standing decision of someone who no longer does, does not count) */
  holdsRole: boolean;
}

export interface SignoffSheet {
  key: string;
  phase: { key: string; name: string; index: number };
  rule: { roles: string[]; required: number; allowSelfApproval: boolean } | null;
  /** gate still ahead (sign-offs accepted) */
  pending: boolean;
  /** every decision ever recorded on this gate, newest first */
  signoffs: SignoffView[];
  /** the caller's own sign-off roles and standing decisions, for the buttons */
  me: { userId: string | null; signoffRoles: string[]; canSignOff: boolean };
}

export async function getSignoffSheet(actor: Actor, key: string, phaseKey: string): Promise<SignoffSheet> {
  authorize(actor, 'readiness.read');
  const db = prisma();
  const g = await loadGate(db, key, phaseKey);
  const rows = await db.signoff.findMany({
    where: { rolloutId: g.rollout.id, phaseKey },
    include: { user: { select: { signoffRoles: true, disabledAt: true } } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  const uid = actorUserId(actor);
  const me = uid ? await db.user.findUnique({ where: { id: uid }, select: { signoffRoles: true, disabledAt: true } }) : null;
  let pending = true;
  try {
    assertGatePending(g);
  } catch {
    pending = false;
  }
  const rule = g.phase.signoffs;
  return {
    key: g.rollout.key,
    phase: { key: g.phase.key, name: g.phase.name, index: g.index },
    rule: rule ? { roles: rule.roles, required: rule.required, allowSelfApproval: rule.allowSelfApproval ?? false } : null,
    pending,
    signoffs: rows.map((s) => ({
      id: s.id,
      role: s.role,
      user: { id: s.userId, name: s.userName },
      decision: s.decision === 'reject' ? 'reject' : 'approve',
      comment: s.comment,
      at: s.createdAt.toISOString(),
      standing: !s.withdrawnAt && !s.invalidatedAt,
      withdrawnAt: s.withdrawnAt?.toISOString() ?? null,
      invalidatedAt: s.invalidatedAt?.toISOString() ?? null,
      invalidatedReason: s.invalidatedReason,
      holdsRole: !s.user.disabledAt && s.user.signoffRoles.includes(s.role),
    })),
    me: { userId: uid, signoffRoles: me && !me.disabledAt ? me.signoffRoles : [], canSignOff: !!me && !me.disabledAt },
  };
}

export interface InboxEntry {
  key: string;
  name: string;
  status: RolloutStatus;
  version: number;
  action: 'start' | 'promote';
  phase: { key: string; name: string };
  /** the gate's roles the caller holds and has no standing decision for */
  myRoles: string[];
  rule: { roles: string[]; required: number; allowSelfApproval: boolean };
  readiness: Readiness;
}

/**
 * "Waiting for my sign-off": every rollout whose next step (start or promote) enters a phase
 * whose gate names a role the caller holds, where the caller has no standing decision yet —
 * each with the step's readiness (reasons and checklist) so the evidence is on the same page.
 */
export async function getInbox(actor: Actor): Promise<{ entries: InboxEntry[]; signoffRoles: string[] }> {
  authorize(actor, 'readiness.read');
  const db = prisma();
  const uid = actorUserId(actor);
  if (!uid) return { entries: [], signoffRoles: [] };
  const me = await db.user.findUnique({ where: { id: uid }, select: { signoffRoles: true, disabledAt: true } });
  if (!me || me.disabledAt || !me.signoffRoles.length) return { entries: [], signoffRoles: me?.signoffRoles ?? [] };
  const rollouts = await db.rollout.findMany({
    where: { status: { in: ['draft', 'rolled_back', 'active', 'paused'] } },
    include: { phases: { orderBy: { index: 'asc' } } },
    orderBy: { updatedAt: 'desc' },
  });
  const entries: InboxEntry[] = [];
  for (const r of rollouts) {
    const nextIdx = r.status === 'draft' || r.status === 'rolled_back' ? 0 : r.currentPhaseIndex === null ? null : r.currentPhaseIndex + 1;
    if (nextIdx === null || nextIdx >= r.phases.length) continue;
    const gate = gatePhases(r)[nextIdx];
    const rule = gate.signoffs;
    if (!rule) continue;
    const held = rule.roles.filter((role) => me.signoffRoles.includes(role));
    if (!held.length) continue;
    const mine = await db.signoff.findMany({
      where: { rolloutId: r.id, phaseKey: gate.key, userId: uid, withdrawnAt: null, invalidatedAt: null },
      select: { role: true },
    });
    // one decision per person counts: whoever has decided on this gate (in any role) is not waited for
    if (mine.length) continue;
    entries.push({
      key: r.key,
      name: r.name,
      status: r.status,
      version: r.version,
      action: r.status === 'draft' || r.status === 'rolled_back' ? 'start' : 'promote',
      phase: { key: gate.key, name: gate.name },
      myRoles: held,
      rule: { roles: rule.roles, required: rule.required, allowSelfApproval: rule.allowSelfApproval ?? false },
      readiness: await readinessOf(db, r, uid),
    });
  }
  return { entries, signoffRoles: me.signoffRoles };
}
