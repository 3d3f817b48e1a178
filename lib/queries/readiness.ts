// Loads what readiness is computed from — the plan's gates, the phase timer, the checklist state,
// the standing sign-offs (and whether each signer still holds the role), the current phase's
// criterion verdicts (evidence now, soak from the stored evaluations: lib/queries/phase-evidence.ts)
// — and computes it with the pure model in lib/domain/readiness.ts. Used by the readiness endpoint and page, and inside the
// transition transaction (the promote guard and the frozen go/no-go record).
import { authorize, type Actor } from '../auth/actor';
import { prisma, type Tx } from '../db';
import { notFound } from '../errors';
import type { TPlan } from '../domain/plan';
import { computeReadiness, type ChecklistTick, type GatePhase, type Readiness, type StandingSignoff } from '../domain/readiness';
import type { RolloutStatus } from '../domain/lifecycle';
import { assertRolloutInScope } from '../services/evidence-batch';
import { criterionVerdicts } from './phase-evidence';

type Client = Tx | ReturnType<typeof prisma>;

export interface ReadinessRollout {
  id: string;
  status: RolloutStatus;
  currentPhaseIndex: number | null;
  phaseEnteredAt: Date | null;
  plan: unknown;
  phases: { key: string; name: string; minDurationSeconds: number }[];
}

export function gatePhases(r: ReadinessRollout): GatePhase[] {
  const planPhases = ((r.plan as TPlan | null)?.phases ?? []) as TPlan['phases'];
  return r.phases.map((p) => {
    const pp = planPhases.find((x) => x.key === p.key);
    return { key: p.key, name: p.name, minDurationSeconds: p.minDurationSeconds, checklist: pp?.checklist, signoffs: pp?.signoffs };
  });
}

export async function readinessOf(db: Client, r: ReadinessRollout, actorUserId: string | null, now = new Date()): Promise<Readiness> {
  const [items, signoffs, criteria] = await Promise.all([
    db.checklistItem.findMany({ where: { rolloutId: r.id } }),
    db.signoff.findMany({
      where: { rolloutId: r.id, withdrawnAt: null, invalidatedAt: null },
      include: { user: { select: { signoffRoles: true, disabledAt: true } } },
      orderBy: { createdAt: 'asc' },
    }),
    criterionVerdicts(db, r, now),
  ]);
  const checklist: Record<string, Record<string, ChecklistTick>> = {};
  for (const i of items) (checklist[i.phaseKey] ??= {})[i.itemKey] = { checked: i.checked, by: i.actorName, at: i.updatedAt.toISOString(), evidence: i.evidence };
  const standing: Record<string, StandingSignoff[]> = {};
  for (const s of signoffs) {
    (standing[s.phaseKey] ??= []).push({
      role: s.role,
      userId: s.userId,
      userName: s.userName,
      decision: s.decision === 'reject' ? 'reject' : 'approve',
      comment: s.comment,
      at: s.createdAt.toISOString(),
      holdsRole: !s.user.disabledAt && s.user.signoffRoles.includes(s.role),
    });
  }
  return computeReadiness({
    status: r.status,
    currentPhaseIndex: r.currentPhaseIndex,
    phaseEnteredAt: r.phaseEnteredAt,
    phases: gatePhases(r),
    now,
    checklist,
    signoffs: standing,
    criteria,
    actorUserId,
  });
}

/** The user an actor acts as (a signed-in user, or a personal token's user), for four eyes. */
export function actorUserId(actor: Actor): string | null {
  return actor.kind === 'user' ? actor.id : (actor.userId ?? null);
}

export async function getReadiness(actor: Actor, key: string): Promise<Readiness & { key: string; version: number }> {
  authorize(actor, 'readiness.read');
  // a metrics token limited to some rollouts reads only theirs
  await assertRolloutInScope(prisma(), actor, key);
  const r = await prisma().rollout.findUnique({ where: { key }, include: { phases: { orderBy: { index: 'asc' } } } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  return { key: r.key, version: r.version, ...(await readinessOf(prisma(), r, actorUserId(actor))) };
}
