'use server';
import { type ActionResult } from '@/lib/errors';
import { parseWith } from '@/lib/http';
import type { WebhookView } from '@/lib/queries/webhooks';
import { createWebhook, ZCreateWebhookSchema, type WebhookWithSecret } from '@/lib/services/create-webhook';
import { deleteWebhook, updateWebhook, ZUpdateWebhookSchema, ZWebhookIdSchema } from '@/lib/services/update-webhook';
import { runAction } from './context';

type WebhookInput = { name: string; url: string; format: string; secret?: string; audiences?: string[]; events?: string[] };

/** `secret` is in the result only when one was generated (a generic webhook created without one): show it once. */
export async function createWebhookAction(input: WebhookInput): Promise<ActionResult<WebhookWithSecret>> {
  return runAction('createWebhook', async ({ actor }) => createWebhook(actor, parseWith(ZCreateWebhookSchema, input)));
}

export async function updateWebhookAction(input: { id: string } & Partial<WebhookInput> & { disabled?: boolean }): Promise<ActionResult<WebhookWithSecret>> {
  return runAction('updateWebhook', async ({ actor }) => {
    const { id, ...patch } = (input ?? {}) as { id?: unknown };
    return updateWebhook(actor, parseWith(ZWebhookIdSchema, id, { root: 'id' }), parseWith(ZUpdateWebhookSchema, patch));
  });
}

export async function deleteWebhookAction(input: { id: string }): Promise<ActionResult<WebhookView>> {
  return runAction('deleteWebhook', async ({ actor }) => deleteWebhook(actor, parseWith(ZWebhookIdSchema, (input ?? {}).id, { root: 'id' })));
}
