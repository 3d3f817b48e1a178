// Evaluates every criterion and red flag of a rollout's current phase now (the evaluator worker's
// job; lib/worker/main.ts), stores the evaluations, and runs a red flag's action once its run of
// failing evaluations reaches `after`. At-least-once delivery is fine: an evaluation is stored
// once per interval slot (unique), red-flag state is replayed from the stored rows, and the
// effect happens once (lib/services/trip-red-flag.ts). A job that died between storing an
// evaluation and acting is made good by the next one: the run is replayed and its trip row is
// still missing.
import { prisma } from '../db';
import { timingOf, type CriterionResult, type TCondition } from '../domain/criteria';
import { criterionKey, redFlagReplay } from '../domain/soak';
import { Prisma } from '../generated/prisma/client';
import { evaluateNow, storedEvaluations, watchedPhase, type CurrentPhase, type EvaluationKind } from '../queries/phase-evidence';
import { tripRedFlag, type TripOutcome } from './trip-red-flag';

export interface EvaluationSummary {
  rolloutId: string;
  phase: string | null;
  /** evaluations stored by this call (a slot another worker stored already is not counted) */
  stored: number;
  trips: (TripOutcome & { flag: number })[];
}

/** The interval slot `now` falls in: one evaluation per criterion per slot. */
export function slotOf(now: Date, intervalSeconds: number): bigint {
  return BigInt(Math.floor(now.getTime() / 1000 / intervalSeconds));
}

async function store(rolloutId: string, phase: CurrentPhase, kind: EvaluationKind, key: string, position: number, c: TCondition & { interval?: string }, now: Date): Promise<{ stored: boolean; result: CriterionResult }> {
  const db = prisma();
  const slot = slotOf(now, timingOf({ window: c.window, interval: c.interval }).interval);
  const done = await db.criterionEvaluation.findUnique({
    where: { rolloutId_phaseKey_kind_criterionKey_slot: { rolloutId, phaseKey: phase.key, kind, criterionKey: key, slot } },
    select: { result: true },
  });
  if (done) return { stored: false, result: done.result as unknown as CriterionResult };
  const result = await evaluateNow(db, rolloutId, c, phase, now);
  const r = await db.criterionEvaluation.createMany({
    data: [
      {
        rolloutId,
        phaseKey: phase.key,
        kind,
        criterionKey: key,
        position,
        status: result.status,
        value: result.value !== undefined && Number.isFinite(result.value) ? result.value : null,
        n: Number.isFinite(result.n) ? result.n : 0,
        detail: result.detail,
        result: JSON.parse(JSON.stringify(result)) as Prisma.InputJsonValue,
        slot,
        phaseEnteredAt: phase.enteredAt,
        evaluatedAt: now,
      },
    ],
    skipDuplicates: true,
  });
  return { stored: r.count === 1, result };
}

export async function evaluateRollout(rolloutId: string, now = new Date()): Promise<EvaluationSummary> {
  const db = prisma();
  const r = await db.rollout.findUnique({
    where: { id: rolloutId },
    select: { id: true, status: true, currentPhaseIndex: true, phaseEnteredAt: true, plan: true, phases: { orderBy: { index: 'asc' }, select: { key: true } } },
  });
  const phase = r ? watchedPhase(r) : null;
  const summary: EvaluationSummary = { rolloutId, phase: phase?.key ?? null, stored: 0, trips: [] };
  if (!r || !phase) return summary;

  for (const [i, c] of phase.criteria.entries()) {
    if ((await store(r.id, phase, 'criterion', criterionKey(c), i, c, now)).stored) summary.stored++;
  }

  for (const [i, flag] of phase.redFlags.entries()) {
    const key = criterionKey(flag);
    const { stored, result } = await store(r.id, phase, 'red_flag', key, i, { ...flag.when, interval: flag.interval }, now);
    if (stored) summary.stored++;
    // the current run: the evaluations after the latest healthy one (`fail` of the bad condition)
    const lastHealthy = await db.criterionEvaluation.findFirst({
      where: { rolloutId: r.id, phaseKey: phase.key, phaseEnteredAt: phase.enteredAt, kind: 'red_flag', criterionKey: key, status: 'fail' },
      orderBy: { slot: 'desc' },
      select: { slot: true },
    });
    const run = await storedEvaluations(db, r.id, phase, 'red_flag', key, lastHealthy?.slot);
    const { state } = redFlagReplay(
      run.map((e) => e.status as CriterionResult['status']),
      flag.after,
    );
    if (!state.tripped) continue;
    // the run reached `after`: its effect must exist (this job or an earlier, maybe dead, one)
    const holding = run.filter((e) => e.status === 'pass');
    const effectKey = `${r.id}/${phase.key}/${phase.enteredAt.toISOString()}/${key}/${holding[0].slot}`;
    const latest = holding[holding.length - 1];
    // the numbers of the latest evaluation in which the bad condition held
    const latestResult: CriterionResult = result.status === 'pass' ? result : { ...result, status: 'pass', detail: latest.detail, value: latest.value ?? undefined, n: latest.n };
    const trip = await tripRedFlag({
      rolloutId: r.id,
      phaseKey: phase.key,
      phaseEnteredAt: phase.enteredAt,
      flag,
      flagKey: key,
      index: i,
      effectKey,
      result: latestResult,
      consecutive: state.consecutive,
      evaluations: holding.slice(-Math.max(flag.after, 1)).map((e) => ({ at: e.evaluatedAt.toISOString(), status: e.status, value: e.value, n: e.n, detail: e.detail })),
    });
    if (trip.outcome !== 'already') summary.trips.push({ ...trip, flag: i });
    // a rollback ends the phase: nothing more to watch in it
    if (trip.outcome === 'applied' && flag.action === 'rollback') break;
  }
  return summary;
}
