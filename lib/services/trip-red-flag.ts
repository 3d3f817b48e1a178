// A red flag's action, once: `notify` records an event on the rollout, `pause` pauses, `rollback`
// rolls back to baseline; each applied trip also writes a `red_flag` message for the webhooks. Pause and rollback go through transitionRollout — the same code path
// people use, compare-and-set on the rollout's version — as a system actor named for the flag.
// The trip row with its unique effect key is inserted in the effect's own transaction, so across
// worker replicas and restarts a run of failing evaluations acts exactly once: a second worker's
// insert (or its compare-and-set) fails and it finds the row already there.
import type { Actor } from '../auth/actor';
import { prisma, type Tx } from '../db';
import { AppError } from '../errors';
import { isAllowed } from '../domain/lifecycle';
import { redFlagDetail } from '../domain/soak';
import type { CriterionResult, TRedFlag } from '../domain/criteria';
import { Prisma } from '../generated/prisma/client';
import { transitionRollout } from './transition-rollout';
import { recordRedFlagMessage } from './enqueue-messages';

export interface TripInput {
  rolloutId: string;
  phaseKey: string;
  phaseEnteredAt: Date;
  flag: TRedFlag;
  /** criterionKey of the red flag */
  flagKey: string;
  /** its position in the phase's redFlags */
  index: number;
  /** one run of failing evaluations of this flag in this phase entry */
  effectKey: string;
  /** the latest evaluation's result (the numbers in the audit reason) */
  result: CriterionResult;
  consecutive: number;
  /** the evaluations that tripped it */
  evaluations: { at: string; status: string; value: number | null; n: number; detail: string }[];
}

export type TripOutcome = { outcome: 'applied' | 'not_applied' | 'already'; tripId: bigint | null; detail: string };

/** "red flag: error_rate", "red flag: compatibility" */
export function redFlagActor(flag: TRedFlag, flagKey: string): Actor {
  const subject = flag.when.kind === 'compatibility' ? 'compatibility' : flag.when.metric;
  return { kind: 'system', id: `red-flag:${flagKey}`, name: `red flag: ${subject}`, role: 'admin' };
}

const isUniqueViolation = (e: unknown) => e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';

export async function tripRedFlag(input: TripInput): Promise<TripOutcome> {
  const db = prisma();
  const actor = redFlagActor(input.flag, input.flagKey);
  const reason = redFlagDetail(input.flag, input.result, input.consecutive);
  const evidence = {
    redFlag: { index: input.index, key: input.flagKey, phase: input.phaseKey, severity: input.flag.severity, action: input.flag.action, after: input.flag.after, interval: input.flag.interval, when: input.flag.when },
    result: input.result,
    evaluations: input.evaluations,
  };
  const record = (tx: Tx, outcome: 'applied' | 'not_applied', detail: string, auditEventId: bigint | null) =>
    tx.redFlagTrip.create({
      data: {
        rolloutId: input.rolloutId,
        phaseKey: input.phaseKey,
        criterionKey: input.flagKey,
        effectKey: input.effectKey,
        severity: input.flag.severity,
        action: input.flag.action,
        outcome,
        detail,
        consecutive: input.consecutive,
        evidence: evidence as unknown as Prisma.InputJsonValue,
        auditEventId,
      },
      select: { id: true },
    });
  const existing = async (): Promise<TripOutcome | null> => {
    const t = await db.redFlagTrip.findUnique({ where: { effectKey: input.effectKey }, select: { id: true, detail: true } });
    return t ? { outcome: 'already', tripId: t.id, detail: t.detail } : null;
  };

  // a person changing the rollout between our read and our write is a version conflict: retry
  for (let attempt = 0; attempt < 3; attempt++) {
    const done = await existing();
    if (done) return done;
    const r = await db.rollout.findUnique({ where: { id: input.rolloutId }, select: { key: true, name: true, status: true, version: true, phaseEnteredAt: true, currentPhaseIndex: true, phases: { select: { key: true, index: true } } } });
    const current = r && r.currentPhaseIndex !== null ? r.phases.find((p) => p.index === r.currentPhaseIndex)?.key : null;
    // the run belongs to a phase entry the rollout has left: nothing to act on any more
    if (!r || current !== input.phaseKey || r.phaseEnteredAt?.getTime() !== input.phaseEnteredAt.getTime()) {
      return { outcome: 'not_applied', tripId: null, detail: 'the rollout has left the phase' };
    }
    try {
      if (input.flag.action === 'notify') {
        return await db.$transaction(async (tx) => {
          const audit = await tx.auditEvent.create({
            data: {
              rolloutId: input.rolloutId,
              actorType: actor.kind,
              actorId: actor.id,
              actorName: actor.name,
              action: 'red_flag',
              fromStatus: r.status,
              toStatus: r.status,
              fromPhase: input.phaseKey,
              toPhase: input.phaseKey,
              fromVersion: r.version,
              toVersion: r.version,
              reason,
              requestId: input.effectKey,
              details: evidence as unknown as Prisma.InputJsonValue,
            },
            select: { id: true },
          });
          const t = await record(tx, 'applied', reason, audit.id);
          await recordRedFlagMessage(tx, { rolloutId: input.rolloutId, phaseKey: input.phaseKey, body: `${r.name}: ${reason}`, at: new Date(), auditEventId: audit.id });
          return { outcome: 'applied' as const, tripId: t.id, detail: reason };
        });
      }
      if (!isAllowed(r.status, input.flag.action)) {
        // e.g. `pause` on a rollout a person already paused: recorded, so it is not retried
        const detail = `${reason} — not applied: the rollout is ${r.status.replace('_', ' ')}`;
        const t = await db.$transaction((tx) => record(tx, 'not_applied', detail, null));
        return { outcome: 'not_applied', tripId: t.id, detail };
      }
      let tripId: bigint | null = null;
      await transitionRollout(actor, {
        key: r.key,
        action: input.flag.action,
        expectedVersion: r.version,
        reason,
        ...(input.flag.action === 'rollback' ? { to: 'baseline' } : {}),
        requestId: input.effectKey,
        effect: {
          details: evidence,
          inTransaction: async (tx, auditEventId) => {
            tripId = (await record(tx, 'applied', reason, auditEventId)).id;
            await recordRedFlagMessage(tx, { rolloutId: input.rolloutId, phaseKey: input.phaseKey, body: `${r.name}: ${reason}`, at: new Date(), auditEventId });
          },
        },
      });
      return { outcome: 'applied', tripId, detail: reason };
    } catch (e) {
      // another worker got there first (its trip row or its compare-and-set): look again
      if (isUniqueViolation(e) || (e instanceof AppError && e.code === 'conflict')) continue;
      throw e;
    }
  }
  const done = await existing();
  if (done) return done;
  throw new Error(`red flag ${input.flagKey}: the rollout kept changing; the effect will be retried at the next evaluation`);
}
