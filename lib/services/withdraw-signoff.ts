// Withdraws the caller's own standing decision for one sign-off role of a phase gate. The row
// stays (withdrawn rows are the history); the audit row says what was withdrawn.
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { notFound } from '../errors';
import { loadGate } from '../queries/governance';
import { signer } from './record-signoff';
import type { Prisma } from '../generated/prisma/client';
import { lockRollout } from './lock-rollout';

export interface WithdrawSignoffInput {
  key: string;
  phase: string;
  role: string;
  requestId?: string;
}

export interface WithdrawnSignoff {
  id: string;
  key: string;
  phase: string;
  role: string;
  decision: string;
  withdrawnAt: string;
}

export async function withdrawSignoff(actor: Actor, input: WithdrawSignoffInput): Promise<WithdrawnSignoff> {
  authorize(actor, 'signoff.record');
  return prisma().$transaction(async (tx) => {
    await lockRollout(tx, input.key);
    const g = await loadGate(tx, input.key, input.phase);
    const who = await signer(tx, actor, g, input.role);
    const standing = await tx.signoff.findFirst({
      where: { rolloutId: g.rollout.id, phaseKey: g.phase.key, role: input.role, userId: who.id, withdrawnAt: null, invalidatedAt: null },
    });
    if (!standing) throw notFound(`you have no standing sign-off as "${input.role}" on phase "${g.phase.key}" to withdraw`);
    const now = new Date();
    // compare-and-set: only a row still standing is withdrawn (a concurrent withdraw wins once)
    const cas = await tx.signoff.updateMany({ where: { id: standing.id, withdrawnAt: null, invalidatedAt: null }, data: { withdrawnAt: now } });
    if (cas.count !== 1) throw notFound(`you have no standing sign-off as "${input.role}" on phase "${g.phase.key}" to withdraw`);
    await tx.auditEvent.create({
      data: {
        rolloutId: g.rollout.id,
        actorType: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        action: 'signoff.withdraw',
        reason: '',
        requestId: input.requestId ?? null,
        details: {
          phase: g.phase.key,
          role: input.role,
          userId: who.id,
          userName: who.name,
          signoffId: standing.id,
          withdrawn: { decision: standing.decision, comment: standing.comment, at: standing.createdAt.toISOString() },
        } as Prisma.InputJsonValue,
      },
    });
    return { id: standing.id, key: g.rollout.key, phase: g.phase.key, role: input.role, decision: standing.decision, withdrawnAt: now.toISOString() };
  });
}
