// A person records approve or reject, with a comment, for one sign-off role of a phase gate.
// Posting again replaces that person's decision for that role: the standing row is withdrawn and
// the new one inserted, with the audit row, in one transaction. Only people sign off (a session or
// a personal token; never a service token), and only for a role they hold. The row keeps a hash
// of what was approved (gateFingerprint), so a later plan edit can tell stale approvals apart.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { authorize, type Actor } from '../auth/actor';
import { prisma, type Tx } from '../db';
import { AppError, badRequest, conflict, forbidden } from '../errors';
import { formatCount, LIMITS } from '../limits';
import { gateFingerprint } from '../domain/readiness';
import { actorUserId } from '../queries/readiness';
import { assertGatePending, loadGate, type Gate } from '../queries/governance';
import { Prisma } from '../generated/prisma/client';
import { lockRollout } from './lock-rollout';

export const SIGNOFF_DECISIONS = ['approve', 'reject'] as const;
export const COMMENT_LENGTH = LIMITS.reasonLength;

export const ZRecordSignoffSchema = z.strictObject({
  role: z.string({ error: 'role (the sign-off role you sign as) is required' }).trim().min(1, 'must not be empty').max(LIMITS.nameLength, `at most ${LIMITS.nameLength} characters`),
  decision: z.enum(SIGNOFF_DECISIONS, { error: 'decision must be "approve" or "reject"' }),
  comment: z
    .string({ error: 'comment must be a string' })
    .trim()
    .max(COMMENT_LENGTH, `too long: at most ${formatCount(COMMENT_LENGTH)} characters`)
    .default(''),
});
export type TRecordSignoffSchema = z.infer<typeof ZRecordSignoffSchema>;

export interface RecordSignoffInput {
  key: string;
  phase: string;
  role: string;
  decision: (typeof SIGNOFF_DECISIONS)[number];
  comment?: string;
  requestId?: string;
}

export interface RecordedSignoff {
  id: string;
  key: string;
  phase: string;
  role: string;
  user: { id: string; name: string };
  decision: 'approve' | 'reject';
  comment: string;
  at: string;
  gateHash: string;
  /** the decision this one replaced, if any */
  replaced: { id: string; decision: string; at: string } | null;
}

export const gateHashOf = (phase: Gate['phase']) => createHash('sha256').update(gateFingerprint(phase)).digest('hex');

/**
 * Who signs: the person behind the actor, who must hold `role`. Shared by record and withdraw.
 * Service tokens (no user) and the system never sign off; a disabled user cannot either.
 */
export async function signer(tx: Tx, actor: Actor, g: Gate, role: string): Promise<{ id: string; name: string }> {
  const rule = g.phase.signoffs;
  if (!rule) throw badRequest(`phase "${g.phase.key}" has no sign-off gate`, { errors: [{ path: 'role', message: 'this phase takes no sign-offs' }] });
  if (!rule.roles.includes(role)) {
    throw badRequest(`role "${role}" is not a sign-off role of phase "${g.phase.key}" (roles: ${rule.roles.join(', ')})`, {
      errors: [{ path: 'role', message: `not one of: ${rule.roles.join(', ')}` }],
    });
  }
  const uid = actorUserId(actor);
  if (!uid) {
    throw forbidden(
      actor.kind === 'token'
        ? `token "${actor.name}" is a service token: only people sign off (sign in, or use a personal token)`
        : 'only people sign off (sign in, or use a personal token)',
    );
  }
  const user = await tx.user.findUnique({ where: { id: uid }, select: { id: true, name: true, email: true, signoffRoles: true, disabledAt: true } });
  if (!user || user.disabledAt) throw forbidden('your user account is disabled or gone: you cannot sign off');
  if (!user.signoffRoles.includes(role)) {
    throw forbidden(`you do not hold the sign-off role "${role}" (you hold: ${user.signoffRoles.length ? user.signoffRoles.join(', ') : 'no sign-off roles'})`);
  }
  return { id: user.id, name: user.name || user.email };
}

export async function recordSignoff(actor: Actor, input: RecordSignoffInput): Promise<RecordedSignoff> {
  authorize(actor, 'signoff.record');
  const comment = (input.comment ?? '').trim();
  return prisma()
    .$transaction(async (tx) => {
      await lockRollout(tx, input.key);
      const g = await loadGate(tx, input.key, input.phase);
      const who = await signer(tx, actor, g, input.role);
      assertGatePending(g);
      const now = new Date();
      const old = await tx.signoff.findFirst({
        where: { rolloutId: g.rollout.id, phaseKey: g.phase.key, role: input.role, userId: who.id, withdrawnAt: null, invalidatedAt: null },
      });
      if (old) await tx.signoff.update({ where: { id: old.id }, data: { withdrawnAt: now } });
      const gateHash = gateHashOf(g.phase);
      const row = await tx.signoff.create({
        data: { rolloutId: g.rollout.id, phaseKey: g.phase.key, role: input.role, userId: who.id, userName: who.name, decision: input.decision, comment, gateHash, createdAt: now },
      });
      const replaced = old ? { id: old.id, decision: old.decision, at: old.createdAt.toISOString() } : null;
      await tx.auditEvent.create({
        data: {
          rolloutId: g.rollout.id,
          actorType: actor.kind,
          actorId: actor.id,
          actorName: actor.name,
          action: `signoff.${input.decision}`,
          reason: comment,
          requestId: input.requestId ?? null,
          details: { phase: g.phase.key, role: input.role, userId: who.id, userName: who.name, decision: input.decision, comment, gateHash, signoffId: row.id, replaced } as Prisma.InputJsonValue,
        },
      });
      return { id: row.id, key: g.rollout.key, phase: g.phase.key, role: row.role, user: who, decision: input.decision, comment, at: now.toISOString(), gateHash, replaced };
    })
    .catch((e: unknown) => {
      if (e instanceof AppError) throw e;
      // the partial unique index on standing sign-offs: the same person posting twice at once
      if (e instanceof Prisma.PrismaClientKnownRequestError && ['P2002', 'P2034'].includes(e.code)) {
        throw conflict('your sign-off for this role was changed concurrently; reload and try again');
      }
      throw e;
    });
}
