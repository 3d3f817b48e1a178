// Changes a webhook (admin): name, url, format, secret, audiences, events, disabled; or deletes
// one. One transaction with one audit row each. A disabled webhook gets no new deliveries and
// its pending ones are skipped when due. A webhook with deliveries cannot be deleted — they are
// the rollouts' delivery log — disable it instead (409 says so).
import { z } from 'zod';
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { conflict, notFound } from '../errors';
import { toWebhookView, type WebhookView } from '../queries/webhooks';
import {
  auditUrl,
  generateWebhookSecret,
  nameTaken,
  slackSecretRefused,
  ZWebhookAudiences,
  ZWebhookEvents,
  ZWebhookFormat,
  ZWebhookName,
  ZWebhookSecret,
  ZWebhookUrl,
  type WebhookWithSecret,
} from './create-webhook';

export const ZWebhookIdSchema = z.uuid({ error: 'not a webhook id (a UUID)' });

const FIELDS = ['name', 'url', 'format', 'secret', 'audiences', 'events', 'disabled'] as const;

export const ZUpdateWebhookSchema = z
  .strictObject({
    name: ZWebhookName.optional(),
    url: ZWebhookUrl.optional(),
    format: ZWebhookFormat.optional(),
    secret: ZWebhookSecret.optional(),
    audiences: ZWebhookAudiences.optional(),
    events: ZWebhookEvents.optional(),
    disabled: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((o) => FIELDS.some((f) => o[f] !== undefined), { message: `nothing to change: send at least one of ${FIELDS.join(', ')}` });
export type TUpdateWebhookSchema = z.infer<typeof ZUpdateWebhookSchema>;

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function updateWebhook(actor: Actor, id: string, input: TUpdateWebhookSchema): Promise<WebhookWithSecret> {
  authorize(actor, 'webhook.manage');
  return prisma()
    .$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM webhooks WHERE id = ${id}::uuid FOR UPDATE`;
      if (!locked.length) throw notFound(`no webhook with id "${id}"`);
      const w = await tx.webhook.findUniqueOrThrow({ where: { id } });
      const format = input.format ?? w.format;
      if (format === 'slack' && input.secret !== undefined) throw slackSecretRefused();
      // becoming generic without a secret: one is generated and returned once, as on create
      const generated = format === 'generic' && input.secret === undefined && !w.secret ? generateWebhookSecret() : undefined;
      const secret = format === 'generic' ? (input.secret ?? w.secret ?? generated!) : null;
      const was = { name: w.name, url: auditUrl(w.url), format: w.format, audiences: w.audiences, events: w.events, disabled: w.disabledAt !== null };
      const next = {
        name: input.name ?? w.name,
        url: input.url ?? w.url,
        format,
        audiences: input.audiences ?? w.audiences,
        events: input.events ?? w.events,
        disabled: input.disabled ?? was.disabled,
      };
      const changed = [
        ...(next.name !== w.name ? ['name'] : []),
        ...(next.url !== w.url ? ['url'] : []),
        ...(next.format !== w.format ? ['format'] : []),
        ...(secret !== w.secret ? ['secret'] : []),
        ...(!same(next.audiences, w.audiences) ? ['audiences'] : []),
        ...(!same(next.events, w.events) ? ['events'] : []),
        ...(next.disabled !== was.disabled ? ['disabled'] : []),
      ];
      if (!changed.length) return toWebhookView(w);
      if (next.name !== w.name && (await tx.webhook.findUnique({ where: { name: next.name }, select: { id: true } }))) throw nameTaken(next.name);
      const updated = await tx.webhook.update({
        where: { id },
        data: { name: next.name, url: next.url, format: next.format, secret, audiences: next.audiences, events: next.events, disabledAt: next.disabled ? (w.disabledAt ?? new Date()) : null },
      });
      const action = changed.includes('disabled') && changed.length === 1 ? (next.disabled ? 'webhook.disable' : 'webhook.enable') : 'webhook.update';
      await tx.auditEvent.create({
        data: {
          actorType: actor.kind,
          actorId: actor.id,
          actorName: actor.name,
          action,
          reason: `webhook "${w.name}": ${changed.join(', ')} changed${next.disabled !== was.disabled ? (next.disabled ? ' (disabled)' : ' (enabled)') : ''}`,
          details: { webhookId: id, changed, before: was, after: { ...next, url: auditUrl(next.url) }, ...(changed.includes('secret') ? { secretChanged: true, secretGenerated: !!generated } : {}) },
        },
      });
      return { ...toWebhookView(updated), ...(generated ? { secret: generated } : {}) };
    })
    .catch((e: unknown) => {
      if ((e as { code?: string })?.code === 'P2002') throw nameTaken(input.name ?? '');
      throw e;
    });
}

export async function deleteWebhook(actor: Actor, id: string): Promise<WebhookView> {
  authorize(actor, 'webhook.manage');
  return prisma().$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM webhooks WHERE id = ${id}::uuid FOR UPDATE`;
    if (!locked.length) throw notFound(`no webhook with id "${id}"`);
    const w = await tx.webhook.findUniqueOrThrow({ where: { id } });
    const deliveries = await tx.webhookDelivery.count({ where: { webhookId: id } });
    if (deliveries) {
      throw conflict(`webhook "${w.name}" has ${deliveries} deliveries in the rollouts' delivery log; disable it instead (PATCH {"disabled": true})`, {
        errors: [{ path: 'id', message: 'has deliveries: disable instead' }],
      });
    }
    await tx.webhook.delete({ where: { id } });
    await tx.auditEvent.create({
      data: {
        actorType: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        action: 'webhook.delete',
        reason: `webhook "${w.name}" deleted`,
        details: { webhookId: id, before: { name: w.name, url: auditUrl(w.url), format: w.format, audiences: w.audiences, events: w.events, disabled: w.disabledAt !== null }, after: null },
      },
    });
    return toWebhookView(w);
  });
}
