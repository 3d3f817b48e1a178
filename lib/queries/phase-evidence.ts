// What the criteria and red flags of a rollout's current phase read: the evidence of a condition's
// window (merged rollups, lib/queries/evidence.ts), its result now (lib/domain/criteria.ts), the
// evaluations the worker stored, and the readiness verdicts derived from both (lib/domain/soak.ts).
// Used by the evaluator (lib/services/evaluate-rollout.ts) and by readiness on demand.
import { prisma, type Tx } from '../db';
import { BUCKET_SECONDS, type Arm } from '../domain/evidence';
import { evaluateCriterion, timingOf, type ArmEvidence, type CriterionResult, type Evidence, type TCondition, type TCriterion, type TMetric, type TRedFlag } from '../domain/criteria';
import { criterionKey, toVerdict, type StoredEvaluation } from '../domain/soak';
import type { CriterionVerdict } from '../domain/readiness';
import type { TPlan } from '../domain/plan';
import { env } from '../env';
import { queryInstant, withWindow } from '../evidence/prometheus';
import { comparisonWindow, metricWindow, metricWindowBothArms } from './evidence';

type Client = Tx | ReturnType<typeof prisma>;

export type EvaluationKind = 'criterion' | 'red_flag';

/** The rollout fields evaluation needs (a subset of the rollouts row with its phases). */
export interface EvaluatedRollout {
  id: string;
  status: string;
  currentPhaseIndex: number | null;
  phaseEnteredAt: Date | null;
  plan: unknown;
  phases: { key: string }[];
}

export interface CurrentPhase {
  key: string;
  enteredAt: Date;
  criteria: TCriterion[];
  redFlags: TRedFlag[];
  metrics: TMetric[];
}

/** The phase whose criteria and red flags are watched: the current one of an active or paused rollout. */
export function watchedPhase(r: EvaluatedRollout): CurrentPhase | null {
  if ((r.status !== 'active' && r.status !== 'paused') || r.currentPhaseIndex === null || !r.phaseEnteredAt) return null;
  const key = r.phases[r.currentPhaseIndex]?.key;
  const plan = (r.plan ?? {}) as Partial<TPlan>;
  const phase = plan.phases?.find((p) => p.key === key);
  if (!key || !phase) return null;
  return { key, enteredAt: r.phaseEnteredAt, criteria: phase.criteria ?? [], redFlags: phase.redFlags ?? [], metrics: plan.metrics ?? [] };
}

/** The evidence a condition reads at `now`: its window, from the phase's start at the earliest. */
export async function conditionEvidence(db: Client, rolloutId: string, c: TCondition, metrics: readonly TMetric[], since: Date, now: Date): Promise<Evidence> {
  const { window } = timingOf(c);
  const sinceMinute = Math.floor(since.getTime() / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000;
  const from = new Date(Math.max(now.getTime() - window * 1000, sinceMinute));
  const base = { since };
  if (from.getTime() > now.getTime()) return c.kind === 'compatibility' ? { ...base, comparisons: [] } : { ...base, metrics: {} };
  if (c.kind === 'compatibility') {
    const b = await comparisonWindow(db, { rolloutId, from, to: now });
    return { ...base, comparisons: b ? [b] : [] };
  }
  const metric = metrics.find((m) => m.key === c.metric);
  if (metric?.source?.prometheus) return { ...base, metrics: { [c.metric]: await prometheusEvidence(c, metric.source.prometheus, since, now) } };
  if (c.kind === 'metric') {
    const b = await metricWindow(db, { rolloutId, metric: c.metric, arm: c.arm, from, to: now });
    return { ...base, metrics: { [c.metric]: { [c.arm]: { buckets: b ? [b] : [] } } } };
  }
  const both = await metricWindowBothArms(db, { rolloutId, metric: c.metric, from, to: now });
  return {
    ...base,
    metrics: { [c.metric]: { baseline: { buckets: both.baseline ? [both.baseline] : [] }, candidate: { buckets: both.candidate ? [both.candidate] : [] } } },
  };
}

/**
 * A Prometheus-sourced metric's evidence: one instant query per arm the condition reads, at `now`,
 * `{{window}}` replaced by its window — or by the time since the phase was entered when that is
 * shorter, so evidence from before the phase does not count. A failing source is an error (the
 * criterion is inconclusive), never a number.
 */
export async function prometheusEvidence(c: Exclude<TCondition, { kind: 'compatibility' }>, queries: Partial<Record<Arm, string>>, since: Date, now: Date, url = env().PROMETHEUS_URL): Promise<Partial<Record<Arm, ArmEvidence>>> {
  const arms: Arm[] = c.kind === 'metric' ? [c.arm] : ['baseline', 'candidate'];
  const seconds = Math.min(timingOf(c).window, Math.floor((now.getTime() - since.getTime()) / 1000));
  const entries = await Promise.all(
    arms.map(async (arm): Promise<[Arm, ArmEvidence]> => {
      const q = queries[arm];
      if (!q) return [arm, { error: `no Prometheus query for the ${arm} arm` }];
      if (!url) return [arm, { error: 'PROMETHEUS_URL is not set: Prometheus sources cannot be queried' }];
      if (seconds < 1) return [arm, { error: 'the phase has only just been entered: no window to query yet' }];
      return [arm, await queryInstant(withWindow(q, seconds), { url, at: now })];
    }),
  );
  return Object.fromEntries(entries);
}

/** A condition's result at `now` over the stored evidence. */
export async function evaluateNow(db: Client, rolloutId: string, c: TCondition, phase: CurrentPhase, now: Date): Promise<CriterionResult> {
  const evidence = await conditionEvidence(db, rolloutId, c, phase.metrics, phase.enteredAt, now);
  return evaluateCriterion(c, evidence, now, { metrics: phase.metrics });
}

/** The stored evaluations of one criterion or red flag in this phase entry, oldest first. */
export async function storedEvaluations(db: Client, rolloutId: string, phase: Pick<CurrentPhase, 'key' | 'enteredAt'>, kind: EvaluationKind, key: string, after?: bigint) {
  return db.criterionEvaluation.findMany({
    where: { rolloutId, phaseKey: phase.key, phaseEnteredAt: phase.enteredAt, kind, criterionKey: key, ...(after !== undefined ? { slot: { gt: after } } : {}) },
    orderBy: { slot: 'asc' },
    select: { slot: true, status: true, evaluatedAt: true, value: true, n: true, detail: true },
  });
}

/**
 * The readiness verdicts of the current phase's criteria: each evaluated now on demand, its soak
 * (`for`) from the evaluations the worker stored (plus this one), so a restart neither resets nor
 * extends it.
 */
export async function criterionVerdicts(db: Client, r: EvaluatedRollout, now: Date): Promise<CriterionVerdict[]> {
  const phase = watchedPhase(r);
  if (!phase) return [];
  return Promise.all(
    phase.criteria.map(async (c, index) => {
      const result = await evaluateNow(db, r.id, c, phase, now);
      const stored: StoredEvaluation[] = timingOf(c).for
        ? (await storedEvaluations(db, r.id, phase, 'criterion', criterionKey(c))).map((e) => ({ at: e.evaluatedAt, status: e.status as StoredEvaluation['status'] }))
        : [];
      return toVerdict(c, result, stored, now, { index });
    }),
  );
}

/** Rollouts whose phase is watched (active or paused), for the evaluator's tick. */
export async function rolloutsToEvaluate(db: Client = prisma()): Promise<string[]> {
  const rows = await db.rollout.findMany({ where: { status: { in: ['active', 'paused'] } }, select: { id: true }, orderBy: { createdAt: 'asc' } });
  return rows.map((r) => r.id);
}
