// Moves a rollout through its lifecycle: start, promote, pause, resume, rollback, abort.
// authorize → load → check the transition table → compare-and-set on `version` → write the
// rollout, its flag values, the audit row and what the transition says (its messages and their
// pending webhook deliveries, sent later by the worker) in one transaction.
import { authorize, type Actor } from '../auth/actor';
import { prisma, type Tx } from '../db';
import { badRequest, conflict, forbidden, notFound, AppError } from '../errors';
import { formatCount, LIMITS, textProblem } from '../limits';
import { transition, type RollbackTarget, type RolloutAction } from '../domain/lifecycle';
import { loadRolloutDetail, phaseDefs, type RolloutDetail } from '../queries/rollouts';
import { applyFlagState } from './apply-flag-state';
import { lockRollout } from './lock-rollout';
import { recordTransitionMessages } from './enqueue-messages';
import { actorUserId, readinessOf } from '../queries/readiness';
import { Prisma } from '../generated/prisma/client';
import { z } from 'zod';

export interface TransitionInput {
  key: string;
  action: RolloutAction;
  expectedVersion: number;
  reason: string;
  /** rollback only: "baseline" (default) or the key of an earlier phase */
  to?: string;
  /** start/promote past a gate that is not ready (permission rollout.override) */
  override?: boolean;
  /**
   * When it happened, for the system actor only (demo history in the seed, importing a rollout that
   * is already under way): the phase timer and the audit row carry this time. Default: now.
   */
  at?: Date;
  requestId?: string;
  /**
   * A system effect (a red flag's pause or rollback): `details` go into the audit row, and
   * `inTransaction` runs in the transition's transaction after it — e.g. inserting the effect's
   * unique key, so the effect and its record commit together or not at all.
   */
  effect?: { details: Record<string, unknown>; inTransaction: (tx: Tx, auditEventId: bigint) => Promise<void> };
}

export async function transitionRollout(actor: Actor, input: TransitionInput): Promise<RolloutDetail> {
  authorize(actor, 'rollout.transition');
  const reason = input.reason.trim();
  if (!reason) throw badRequest('a reason is required', { errors: [{ path: 'reason', message: 'must not be empty' }] });
  // callers other than the REST route and the action (which parse ZTransitionSchema) get the same limits
  const reasonProblem =
    reason.length > LIMITS.reasonLength ? `too long: at most ${formatCount(LIMITS.reasonLength)} characters` : textProblem(reason);
  if (reasonProblem) throw badRequest(`reason: ${reasonProblem}`, { errors: [{ path: 'reason', message: reasonProblem }] });
  const keyProblem = input.key.length > LIMITS.paramLength ? `longer than ${LIMITS.paramLength} characters` : textProblem(input.key);
  if (keyProblem) throw badRequest(`key: ${keyProblem}`, { errors: [{ path: 'key', message: keyProblem }] });
  if (input.to !== undefined && input.action !== 'rollback') {
    throw badRequest('"to" is only for rollback', { errors: [{ path: 'to', message: 'only for rollback' }] });
  }
  if (input.override && input.action !== 'start' && input.action !== 'promote') {
    throw badRequest('"override" is only for start and promote (pause, rollback and abort are never blocked)', { errors: [{ path: 'override', message: 'only for start and promote' }] });
  }
  if (input.override) authorize(actor, 'rollout.override');
  if (input.at && actor.kind !== 'system') throw forbidden('only the system may record a transition at another time');
  const at = input.at ?? new Date();

  return prisma().$transaction(
    async (tx) => {
      // readiness is read below: hold the rollout so no sign-off or tick changes under us
      await lockRollout(tx, input.key);
      const r = await tx.rollout.findUnique({
        where: { key: input.key },
        include: { flags: { orderBy: { position: 'asc' } }, phases: { orderBy: { index: 'asc' } } },
      });
      if (!r) throw notFound(`no rollout with key "${input.key}"`);
      const stale = () =>
        conflict(
          `rollout "${r.key}" is at version ${r.version}, not ${input.expectedVersion}: someone else changed it`,
          { currentVersion: r.version, currentStatus: r.status },
        );
      if (r.version !== input.expectedVersion) throw stale();

      let target: RollbackTarget = { kind: 'baseline' };
      if (input.action === 'rollback' && input.to && input.to !== 'baseline') {
        const idx = r.phases.findIndex((p) => p.key === input.to);
        if (idx < 0) {
          throw badRequest(`rollback target "${input.to}" is neither "baseline" nor a phase of this rollout`, {
            errors: [{ path: 'to', message: `unknown phase (phases: ${r.phases.map((p) => p.key).join(', ')})` }],
          });
        }
        target = { kind: 'phase', index: idx };
      }

      const res = transition(r, input.action, r.phases.length, target);
      if (!res.ok) throw conflict(res.error.message, { currentVersion: r.version, currentStatus: r.status, reasonCode: res.error.code });
      const next = res.next;

      // the go/no-go record: readiness as it is at this moment, frozen into the audit row. Start
      // and promote need it to be ready (or an override); pause, resume, rollback and abort never wait.
      const readiness = await readinessOf(tx, r, actorUserId(actor), at);
      const gated = input.action === 'start' || input.action === 'promote';
      const failing = readiness.reasons.filter((x) => x.status !== 'pass');
      if (gated && !readiness.ready && !input.override) {
        throw conflict(`not ready to ${input.action}: ${failing.map((x) => `${x.kind} — ${x.detail}`).join('; ')}`, {
          currentVersion: r.version,
          currentStatus: r.status,
          reasonCode: 'not_ready',
          reasons: failing,
        });
      }
      const overridden = gated && !readiness.ready && !!input.override;
      const phaseChanged = next.currentPhaseIndex !== r.currentPhaseIndex || input.action === 'start';

      // compare-and-set: the row must still be at the version we read
      const cas = await tx.rollout.updateMany({
        where: { id: r.id, version: input.expectedVersion },
        data: {
          status: next.status,
          currentPhaseIndex: next.currentPhaseIndex,
          version: next.version,
          ...(phaseChanged ? { phaseEnteredAt: next.currentPhaseIndex === null ? null : at } : {}),
        },
      });
      if (cas.count !== 1) {
        const now = await tx.rollout.findUnique({ where: { id: r.id }, select: { version: true, status: true } });
        throw conflict(`rollout "${r.key}" was changed concurrently; reload and try again`, {
          currentVersion: now?.version ?? null,
          currentStatus: now?.status ?? null,
        });
      }

      const change = await applyFlagState(
        tx,
        r.flags.map((f) => ({ id: f.id, key: f.key, baseline: f.baseline })),
        phaseDefs(r.phases),
        next.currentPhaseIndex,
      );

      const phaseKey = (i: number | null) => (i === null ? null : r.phases[i].key);
      const audit = await tx.auditEvent.create({
        data: {
          createdAt: at,
          rolloutId: r.id,
          actorType: actor.kind,
          actorId: actor.id,
          actorName: actor.name,
          action: input.action,
          fromStatus: r.status,
          toStatus: next.status,
          fromPhase: phaseKey(r.currentPhaseIndex),
          toPhase: phaseKey(next.currentPhaseIndex),
          fromVersion: r.version,
          toVersion: next.version,
          flagsBefore: change.before as Prisma.InputJsonValue,
          flagsAfter: change.after as Prisma.InputJsonValue,
          reason,
          requestId: input.requestId ?? null,
          details: {
            ...(input.action === 'rollback' ? { to: target.kind === 'baseline' ? 'baseline' : phaseKey(target.index) } : {}),
            changedEnvironments: change.changedEnvironments,
            ...(overridden ? { override: true, overriddenReasons: failing } : {}),
            readiness: readiness as unknown as Prisma.InputJsonValue,
            ...(input.effect?.details ?? {}),
          } as Prisma.InputJsonValue,
        },
        select: { id: true },
      });
      // the outbox: rendered messages and pending deliveries; the network is the worker's business
      await recordTransitionMessages(tx, {
        rollout: r,
        action: input.action,
        fromPhaseIndex: r.currentPhaseIndex,
        toPhaseIndex: next.currentPhaseIndex,
        toStatus: next.status,
        phaseEntered: phaseChanged && next.currentPhaseIndex !== null,
        at,
        actorName: actor.name,
        reason,
        overridden,
        readiness,
        auditEventId: audit.id,
      });
      if (input.effect) await input.effect.inTransaction(tx, audit.id);
      return loadRolloutDetail(tx, r.key);
    },
    { timeout: 15_000, maxWait: 15_000 },
  ).catch((e: unknown) => {
    if (e instanceof AppError) throw e;
    // a serialization/lock error from a concurrent writer is a conflict too
    if (e instanceof Prisma.PrismaClientKnownRequestError && ['P2034', 'P2002'].includes(e.code)) {
      throw conflict('the rollout was changed concurrently; reload and try again');
    }
    throw e;
  });
}

export const ZTransitionSchema = z.strictObject({
  reason: z
    .string({ error: 'a reason is required' })
    .trim()
    .min(1, 'a reason is required')
    .max(LIMITS.reasonLength, `too long: at most ${formatCount(LIMITS.reasonLength)} characters`),
  expectedVersion: z.number({ error: 'expectedVersion (the version you are changing) is required' }).int().min(1),
  to: z.string().min(1, 'must not be empty').max(LIMITS.keyLength, `at most ${LIMITS.keyLength} characters`).optional(),
  override: z.boolean({ error: 'override must be true or false' }).optional(),
});
export type TTransitionSchema = z.infer<typeof ZTransitionSchema>;
