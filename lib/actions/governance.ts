'use server';
// Server actions for checklists and sign-offs. Thin: parse at the boundary, then the same
// services the REST API calls; authorization happens inside those services.
import { z } from 'zod';
import type { ActionResult } from '@/lib/errors';
import { parseWith } from '@/lib/http';
import { recordSignoff, ZRecordSignoffSchema, type RecordedSignoff } from '@/lib/services/record-signoff';
import { tickChecklistItem, ZTickChecklistSchema, type ChecklistItemView } from '@/lib/services/tick-checklist-item';
import { withdrawSignoff, type WithdrawnSignoff } from '@/lib/services/withdraw-signoff';
import { runAction } from './context';

const param = z.string({ error: 'required' }).min(1, 'must not be empty');

const ZTickActionSchema = ZTickChecklistSchema.extend({ key: param, phase: param, item: param });
export type TTickActionSchema = z.infer<typeof ZTickActionSchema>;

export async function tickChecklistAction(input: TTickActionSchema): Promise<ActionResult<ChecklistItemView>> {
  return runAction('tickChecklist', async ({ actor, requestId }) => tickChecklistItem(actor, { ...parseWith(ZTickActionSchema, input), requestId }));
}

const ZSignoffActionSchema = ZRecordSignoffSchema.extend({ key: param, phase: param });
export type TSignoffActionSchema = z.input<typeof ZSignoffActionSchema>;

export async function recordSignoffAction(input: TSignoffActionSchema): Promise<ActionResult<RecordedSignoff>> {
  return runAction('recordSignoff', async ({ actor, requestId }) => recordSignoff(actor, { ...parseWith(ZSignoffActionSchema, input), requestId }));
}

const ZWithdrawActionSchema = z.strictObject({ key: param, phase: param, role: param });
export type TWithdrawActionSchema = z.infer<typeof ZWithdrawActionSchema>;

export async function withdrawSignoffAction(input: TWithdrawActionSchema): Promise<ActionResult<WithdrawnSignoff>> {
  return runAction('withdrawSignoff', async ({ actor, requestId }) => withdrawSignoff(actor, { ...parseWith(ZWithdrawActionSchema, input), requestId }));
}
