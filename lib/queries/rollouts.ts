// Read models for the REST API and the pages. Reads take an actor too: viewers may read,
// flag tokens may not.
import { authorize, type Actor } from '../auth/actor';
import { prisma, type Tx } from '../db';
import { notFound } from '../errors';
import { formatDuration } from '../domain/duration';
import { flagStateFor, type PhaseDef } from '../domain/flag-state';
import { allowedActions, rollbackPhaseTargets, type RolloutAction, type RolloutStatus } from '../domain/lifecycle';
import type { Prisma } from '../generated/prisma/client';

type Client = Tx | ReturnType<typeof prisma>;

export interface PhaseRef {
  key: string;
  name: string;
  index: number;
}

export interface RolloutSummary {
  key: string;
  name: string;
  description: string;
  owner: string;
  status: RolloutStatus;
  version: number;
  currentPhase: PhaseRef | null;
  phaseCount: number;
  phaseEnteredAt: string | null;
  createdAt: string;
  updatedAt: string;
  lastEvent: { action: string; actorName: string; at: string; reason: string } | null;
}

export interface PhaseView {
  key: string;
  name: string;
  index: number;
  description: string;
  minDuration: string;
  minDurationSeconds: number;
  environments: string[];
  status: 'done' | 'current' | 'pending';
  flags: Record<string, unknown>;
  /** the plan's decision matrix for the phase: what to do about each issue seen in it */
  decisions: { issue: string; action: string; note?: string }[];
}

export interface FlagView {
  key: string;
  type: string;
  variants: string[];
  description: string;
  baseline: unknown;
  /** value in the current phase's state vector (baseline when no phase is current) */
  value: unknown;
  /** value in the next phase's state vector, if there is a next phase */
  next: unknown;
  /** actual current value per environment and the phase that set it */
  environments: Record<string, { value: unknown; phaseKey: string | null }>;
}

export interface RolloutDetail extends RolloutSummary {
  phases: PhaseView[];
  flags: FlagView[];
  environments: string[];
  allowedActions: RolloutAction[];
  rollbackTargets: PhaseRef[];
  /** the phase a start or promote would enter (null when none would) */
  nextPhase: PhaseRef | null;
}

const rolloutInclude = {
  flags: { orderBy: { position: 'asc' } },
  phases: { orderBy: { index: 'asc' } },
  audit: { orderBy: { id: 'desc' }, take: 1 },
} satisfies Prisma.RolloutInclude;

type RolloutRow = Prisma.RolloutGetPayload<{ include: typeof rolloutInclude }>;

type SummaryRow = Omit<RolloutRow, 'flags' | 'phases'> & { phases: { key: string; name: string; index: number }[] };

function summary(r: SummaryRow): RolloutSummary {
  const cur = r.currentPhaseIndex === null ? null : r.phases[r.currentPhaseIndex];
  const last = r.audit[0];
  return {
    key: r.key,
    name: r.name,
    description: r.description,
    owner: r.owner,
    status: r.status,
    version: r.version,
    currentPhase: cur ? { key: cur.key, name: cur.name, index: cur.index } : null,
    phaseCount: r.phases.length,
    phaseEnteredAt: r.phaseEnteredAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    lastEvent: last
      ? { action: last.action, actorName: last.actorName, at: last.createdAt.toISOString(), reason: last.reason }
      : null,
  };
}

export function phaseDefs(phases: { key: string; environments: string[]; flags: unknown }[]): PhaseDef[] {
  return phases.map((p) => ({ key: p.key, environments: p.environments, flags: (p.flags ?? {}) as Record<string, unknown> }));
}

async function detail(db: Client, r: RolloutRow): Promise<RolloutDetail> {
  const envs = await db.environment.findMany({ orderBy: [{ sortOrder: 'asc' }, { key: 'asc' }] });
  const values = await db.flagValue.findMany({ where: { flagId: { in: r.flags.map((f) => f.id) } } });
  const envKeyById = new Map(envs.map((e) => [e.id, e.key]));
  const defs = phaseDefs(r.phases);
  const flagDefs = r.flags.map((f) => ({ key: f.key, baseline: f.baseline }));
  // env-agnostic state vectors: every phase applies (used for "current" and "next" columns)
  const vector = (idx: number | null) => flagStateFor(flagDefs, defs.map((d) => ({ ...d, environments: [] })), idx, '*');
  const curVec = vector(r.currentPhaseIndex);
  const nextIdx =
    r.status === 'draft' || r.status === 'rolled_back'
      ? 0
      : r.currentPhaseIndex !== null && r.currentPhaseIndex + 1 < r.phases.length
        ? r.currentPhaseIndex + 1
        : null;
  const nextVec = nextIdx === null ? null : vector(nextIdx);
  const cur = r.currentPhaseIndex;
  // show durations as the plan wrote them ("24h", not "1d"); the seconds are what rules use
  const planPhases = ((r.plan as { phases?: { minDuration?: unknown }[] } | null)?.phases ?? []) as { key?: unknown; minDuration?: unknown; decisions?: PhaseView['decisions'] }[];

  return {
    ...summary(r),
    environments: envs.map((e) => e.key),
    allowedActions: allowedActions(r),
    rollbackTargets: rollbackPhaseTargets(r).map((i) => ({ key: r.phases[i].key, name: r.phases[i].name, index: i })),
    nextPhase: nextIdx === null ? null : { key: r.phases[nextIdx].key, name: r.phases[nextIdx].name, index: nextIdx },
    phases: r.phases.map((p) => ({
      key: p.key,
      name: p.name,
      index: p.index,
      description: p.description,
      minDuration:
        typeof planPhases[p.index]?.minDuration === 'string' && p.minDurationSeconds > 0
          ? (planPhases[p.index].minDuration as string)
          : formatDuration(p.minDurationSeconds),
      minDurationSeconds: p.minDurationSeconds,
      environments: p.environments,
      status:
        r.status === 'completed' || (cur !== null && p.index < cur) ? 'done' : cur !== null && p.index === cur ? 'current' : 'pending',
      flags: (p.flags ?? {}) as Record<string, unknown>,
      decisions: planPhases.find((x) => x.key === p.key)?.decisions ?? [],
    })),
    flags: r.flags.map((f) => ({
      key: f.key,
      type: f.type,
      variants: f.variants,
      description: f.description,
      baseline: f.baseline,
      value: curVec[f.key].value,
      next: nextVec ? nextVec[f.key].value : undefined,
      environments: Object.fromEntries(
        values
          .filter((v) => v.flagId === f.id)
          .map((v) => [envKeyById.get(v.environmentId) ?? v.environmentId, { value: v.value, phaseKey: v.phaseKey }]),
      ),
    })),
  };
}

export async function loadRolloutDetail(db: Client, key: string): Promise<RolloutDetail> {
  const r = await db.rollout.findUnique({ where: { key }, include: rolloutInclude });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  return detail(db, r);
}

export async function getRollout(actor: Actor, key: string): Promise<RolloutDetail> {
  authorize(actor, 'rollout.read');
  return loadRolloutDetail(prisma(), key);
}

export async function listRollouts(actor: Actor): Promise<RolloutSummary[]> {
  authorize(actor, 'rollout.read');
  const rows = await prisma().rollout.findMany({
    orderBy: [{ updatedAt: 'desc' }],
    include: {
      phases: { orderBy: { index: 'asc' }, select: { key: true, name: true, index: true } },
      audit: { orderBy: { id: 'desc' }, take: 1 },
    },
  });
  return rows.map((r) => summary(r));
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: string; id: string | null; name: string };
  action: string;
  from: { status: string | null; phase: string | null; version: number | null };
  to: { status: string | null; phase: string | null; version: number | null };
  flagsBefore: unknown;
  flagsAfter: unknown;
  reason: string;
  requestId: string | null;
  /** what the action recorded: for start/promote the frozen readiness (and override + overriddenReasons); for checklist/sign-off events what changed */
  details: unknown;
}

export async function listAudit(
  actor: Actor,
  key: string,
  opts: { limit?: number; before?: bigint } = {},
): Promise<AuditEntry[]> {
  authorize(actor, 'rollout.read');
  const r = await prisma().rollout.findUnique({ where: { key }, select: { id: true } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  const rows = await prisma().auditEvent.findMany({
    where: { rolloutId: r.id, ...(opts.before ? { id: { lt: opts.before } } : {}) },
    orderBy: { id: 'desc' },
    take: Math.min(Math.max(opts.limit ?? 100, 1), 500),
  });
  return rows.map((e) => ({
    id: e.id.toString(),
    at: e.createdAt.toISOString(),
    actor: { type: e.actorType, id: e.actorId, name: e.actorName },
    action: e.action,
    from: { status: e.fromStatus, phase: e.fromPhase, version: e.fromVersion },
    to: { status: e.toStatus, phase: e.toPhase, version: e.toVersion },
    flagsBefore: e.flagsBefore,
    flagsAfter: e.flagsAfter,
    reason: e.reason,
    requestId: e.requestId,
    details: e.details ?? null,
  }));
}
