// The timeline read model (issue 9, "Timeline"): planned vs actual for every phase and the
// forecast end, from the phases' minimum durations and the audit trail (lib/domain/timeline.ts),
// as JSON for the rollout page's Gantt view and GET /api/v1/rollouts/{key}/timeline.
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { notFound } from '../errors';
import type { RolloutStatus } from '../domain/lifecycle';
import { buildTimeline } from '../domain/timeline';

export interface TimelinePhaseView {
  key: string;
  name: string;
  index: number;
  minDurationSeconds: number;
  status: 'pending' | 'current' | 'done';
  plannedStart: string | null;
  plannedEnd: string | null;
  actualStart: string | null;
  /** null while the phase is current (it runs until `generatedAt`) or was never left */
  actualEnd: string | null;
  actualSeconds: number;
}

export interface TimelineView {
  key: string;
  status: RolloutStatus;
  version: number;
  /** the server's "now": current phases run until here, the forecast counts from here */
  generatedAt: string;
  startedAt: string | null;
  /**
   * `start`: the plan chains the minimum durations from the last start;
   * `now`: never started (draft) — the plan is projected as if it started now
   */
  plannedFrom: 'start' | 'now';
  forecastEnd: string | null;
  completedAt: string | null;
  phases: TimelinePhaseView[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function getTimeline(actor: Actor, key: string, now = new Date()): Promise<TimelineView> {
  authorize(actor, 'rollout.read');
  const db = prisma();
  const r = await db.rollout.findUnique({ where: { key }, include: { phases: { orderBy: { index: 'asc' } } } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  const events = await db.auditEvent.findMany({
    where: { rolloutId: r.id },
    orderBy: { id: 'asc' },
    select: { action: true, createdAt: true, toPhase: true, fromPhase: true, toStatus: true },
  });
  const phases = r.phases.map((p) => ({ key: p.key, name: p.name, minDurationSeconds: p.minDurationSeconds }));
  const t = buildTimeline(
    phases,
    events.map((e) => ({ action: e.action, at: e.createdAt, toPhase: e.toPhase, fromPhase: e.fromPhase, toStatus: e.toStatus })),
    now,
    r,
  );
  // a rollout not under way (draft) has no planned dates yet: project the plan from now, so the
  // chart still shows how long it would take
  const plannedFrom = t.startedAt ? 'start' : 'now';
  let cursor = now.getTime();
  return {
    key: r.key,
    status: r.status,
    version: r.version,
    generatedAt: now.toISOString(),
    startedAt: iso(t.startedAt),
    plannedFrom,
    forecastEnd: iso(t.forecastEnd),
    completedAt: iso(t.completedAt),
    phases: t.phases.map((p, i) => {
      let plannedStart = iso(p.plannedStart);
      let plannedEnd = iso(p.plannedEnd);
      if (plannedFrom === 'now') {
        plannedStart = new Date(cursor).toISOString();
        cursor += phases[i].minDurationSeconds * 1000;
        plannedEnd = new Date(cursor).toISOString();
      }
      return {
        key: p.key,
        name: p.name,
        index: i,
        minDurationSeconds: phases[i].minDurationSeconds,
        status: p.status,
        plannedStart,
        plannedEnd,
        actualStart: iso(p.actualStart),
        actualEnd: iso(p.actualEnd),
        actualSeconds: p.actualSeconds,
      };
    }),
  };
}
