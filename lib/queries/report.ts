// Loads the readiness report's model from the records (see lib/domain/report.ts).
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { notFound } from '../errors';
import type { TPlan } from '../domain/plan';
import { checklistReason, signoffReason, type StandingSignoff } from '../domain/readiness';
import type { ReportModel, ReportOverride, ReportSignoff } from '../domain/report';
import { buildTimeline } from '../domain/timeline';
import { actorUserId, gatePhases, readinessOf } from './readiness';

export async function loadReport(actor: Actor, key: string, now = new Date()): Promise<ReportModel> {
  authorize(actor, 'rollout.read');
  const db = prisma();
  const r = await db.rollout.findUnique({ where: { key }, include: { phases: { orderBy: { index: 'asc' } } } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  const [readiness, events, items, signoffs] = await Promise.all([
    readinessOf(db, r, actorUserId(actor), now),
    db.auditEvent.findMany({ where: { rolloutId: r.id }, orderBy: { id: 'asc' }, select: { action: true, createdAt: true, toPhase: true, fromPhase: true, toStatus: true, actorName: true, reason: true, details: true } }),
    db.checklistItem.findMany({ where: { rolloutId: r.id } }),
    db.signoff.findMany({ where: { rolloutId: r.id }, orderBy: { createdAt: 'asc' }, include: { user: { select: { signoffRoles: true, disabledAt: true } } } }),
  ]);
  const plan = r.plan as unknown as TPlan;
  const gates = gatePhases(r).map((g) => {
    const ticks = Object.fromEntries(
      items.filter((i) => i.phaseKey === g.key).map((i) => [i.itemKey, { checked: i.checked, by: i.actorName, at: i.updatedAt.toISOString(), evidence: i.evidence }]),
    );
    const mine = signoffs.filter((s) => s.phaseKey === g.key);
    const standing: StandingSignoff[] = mine
      .filter((s) => !s.withdrawnAt && !s.invalidatedAt)
      .map((s) => ({ role: s.role, userId: s.userId, userName: s.userName, decision: s.decision === 'reject' ? 'reject' : 'approve', comment: s.comment, at: s.createdAt.toISOString(), holdsRole: !s.user.disabledAt && s.user.signoffRoles.includes(s.role) }));
    const reasons = [checklistReason(g, ticks), signoffReason(g, standing, null)].filter((x) => x !== null);
    const rows: ReportSignoff[] = mine.map((s) => ({
      role: s.role,
      user: s.userName,
      decision: s.decision === 'reject' ? 'reject' : 'approve',
      comment: s.comment,
      at: s.createdAt.toISOString(),
      state: s.invalidatedAt ? 'invalidated' : s.withdrawnAt ? 'withdrawn' : 'standing',
      note: s.invalidatedReason,
    }));
    const checklist = (g.checklist ?? []).map((c) => ({
      key: c.key,
      text: c.text,
      required: c.required,
      owner: c.owner ?? null,
      checked: !!ticks[c.key]?.checked,
      by: ticks[c.key]?.by ?? null,
      at: ticks[c.key]?.at ?? null,
      evidence: ticks[c.key]?.evidence ?? null,
    }));
    const decisions = plan.phases?.find((p) => p.key === g.key)?.decisions ?? [];
    return { phase: { key: g.key, name: g.name }, checklist, signoffRule: g.signoffs ?? null, signoffs: rows, reasons, decisions };
  });
  const overrides: ReportOverride[] = events
    .filter((e) => (e.details as { override?: boolean } | null)?.override)
    .map((e) => ({
      at: e.createdAt.toISOString(),
      actor: e.actorName,
      action: e.action,
      reason: e.reason,
      overridden: ((e.details as { overriddenReasons?: { kind: string; detail: string }[] }).overriddenReasons ?? []).map((x) => ({ kind: x.kind, detail: x.detail })),
    }));
  const timeline = buildTimeline(
    r.phases.map((p) => ({ key: p.key, name: p.name, minDurationSeconds: p.minDurationSeconds })),
    events.map((e) => ({ action: e.action, at: e.createdAt, toPhase: e.toPhase, fromPhase: e.fromPhase, toStatus: e.toStatus })),
    now,
    r,
  );
  return {
    generatedAt: now.toISOString(),
    rollout: { key: r.key, name: r.name, description: r.description, owner: r.owner, status: r.status, version: r.version, currentPhase: r.currentPhaseIndex === null ? null : r.phases[r.currentPhaseIndex]?.key ?? null },
    readiness,
    timeline,
    gates,
    overrides,
  };
}
