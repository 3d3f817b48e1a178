// Ticks or unticks one checklist item of a phase gate, recording who, when and the evidence
// (a link or a note). authorize → load the gate → the item must be in the plan → upsert the
// item's current state and write the audit row in one transaction.
import { z } from 'zod';
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { notFound } from '../errors';
import { formatCount } from '../limits';
import { assertGatePending, loadGate } from '../queries/governance';
import type { Prisma } from '../generated/prisma/client';
import { lockRollout } from './lock-rollout';

export const EVIDENCE_LENGTH = 2_000;

export const ZTickChecklistSchema = z.strictObject({
  checked: z.boolean({ error: 'checked must be true or false' }),
  evidence: z
    .string({ error: 'evidence must be a string (a link or a note)' })
    .trim()
    .max(EVIDENCE_LENGTH, `too long: at most ${formatCount(EVIDENCE_LENGTH)} characters`)
    .nullish(),
});
export type TTickChecklistSchema = z.infer<typeof ZTickChecklistSchema>;

export interface TickChecklistInput extends TTickChecklistSchema {
  key: string;
  phase: string;
  item: string;
  requestId?: string;
}

export interface ChecklistItemView {
  key: string;
  phase: string;
  item: string;
  text: string;
  required: boolean;
  checked: boolean;
  evidence: string | null;
  by: string;
  at: string;
}

export async function tickChecklistItem(actor: Actor, input: TickChecklistInput): Promise<ChecklistItemView> {
  authorize(actor, 'checklist.tick');
  const evidence = input.evidence ? input.evidence : null;
  return prisma().$transaction(async (tx) => {
    await lockRollout(tx, input.key);
    const g = await loadGate(tx, input.key, input.phase);
    const items = g.phase.checklist ?? [];
    const item = items.find((i) => i.key === input.item);
    if (!item) {
      throw notFound(
        items.length
          ? `phase "${g.phase.key}" has no checklist item "${input.item}" (items: ${items.map((i) => i.key).join(', ')})`
          : `phase "${g.phase.key}" has no checklist`,
      );
    }
    assertGatePending(g);
    const before = await tx.checklistItem.findUnique({ where: { rolloutId_phaseKey_itemKey: { rolloutId: g.rollout.id, phaseKey: g.phase.key, itemKey: item.key } } });
    const now = new Date();
    const who = { actorType: actor.kind, actorId: actor.id, actorName: actor.name };
    const row = await tx.checklistItem.upsert({
      where: { rolloutId_phaseKey_itemKey: { rolloutId: g.rollout.id, phaseKey: g.phase.key, itemKey: item.key } },
      create: { rolloutId: g.rollout.id, phaseKey: g.phase.key, itemKey: item.key, checked: input.checked, evidence, ...who, updatedAt: now },
      update: { checked: input.checked, evidence, ...who, updatedAt: now },
    });
    await tx.auditEvent.create({
      data: {
        rolloutId: g.rollout.id,
        ...who,
        action: input.checked ? 'checklist.tick' : 'checklist.untick',
        reason: evidence ?? '',
        requestId: input.requestId ?? null,
        details: {
          phase: g.phase.key,
          item: item.key,
          text: item.text,
          required: item.required,
          checked: input.checked,
          evidence,
          before: before ? { checked: before.checked, evidence: before.evidence, by: before.actorName, at: before.updatedAt.toISOString() } : null,
        } as Prisma.InputJsonValue,
      },
    });
    return { key: g.rollout.key, phase: g.phase.key, item: item.key, text: item.text, required: item.required, checked: row.checked, evidence: row.evidence, by: row.actorName, at: row.updatedAt.toISOString() };
  });
}
