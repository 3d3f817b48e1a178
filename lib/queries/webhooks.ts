// Read models for webhooks (admin) and a rollout's messages with their delivery log (readers).
// A webhook's secret never leaves here: the view says whether it has one.
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { notFound } from '../errors';

export interface WebhookView {
  id: string;
  name: string;
  url: string;
  format: 'slack' | 'generic';
  audiences: string[];
  events: string[];
  hasSecret: boolean;
  disabled: boolean;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

type WebhookRow = {
  id: string;
  name: string;
  url: string;
  format: string;
  secret: string | null;
  audiences: string[];
  events: string[];
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export function toWebhookView(w: WebhookRow): WebhookView {
  return {
    id: w.id,
    name: w.name,
    url: w.url,
    format: w.format === 'slack' ? 'slack' : 'generic',
    audiences: w.audiences,
    events: w.events,
    hasSecret: !!w.secret,
    disabled: w.disabledAt !== null,
    disabledAt: w.disabledAt?.toISOString() ?? null,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
  };
}

export async function listWebhooks(actor: Actor): Promise<WebhookView[]> {
  authorize(actor, 'webhook.manage');
  const rows = await prisma().webhook.findMany({ orderBy: { name: 'asc' } });
  return rows.map(toWebhookView);
}

export interface DeliveryView {
  id: string;
  webhook: { id: string; name: string; format: string; disabled: boolean };
  /** pending (due at the message's scheduledAt) | queued | delivered | failed | skipped */
  status: string;
  attempts: number;
  lastStatus: number | null;
  /** the last attempt's error, or why it was skipped */
  lastError: string | null;
  deliveredAt: string | null;
  updatedAt: string;
  attemptLog: { attempt: number; statusCode: number | null; error: string | null; durationMs: number; at: string }[];
}

export interface MessageView {
  id: string;
  kind: string;
  phaseKey: string;
  audience: string | null;
  when: string | null;
  position: number | null;
  body: string;
  scheduledAt: string;
  createdAt: string;
  /** the audit row of the transition or trip that produced it */
  auditEventId: string | null;
  deliveries: DeliveryView[];
}

/** The rollout's messages, newest first, each with every webhook delivery and its attempts. */
export async function listRolloutMessages(actor: Actor, key: string): Promise<{ key: string; messages: MessageView[] }> {
  authorize(actor, 'rollout.read');
  const r = await prisma().rollout.findUnique({ where: { key }, select: { id: true } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  const rows = await prisma().message.findMany({
    where: { rolloutId: r.id },
    orderBy: [{ createdAt: 'desc' }, { scheduledAt: 'desc' }],
    take: 500,
    include: {
      deliveries: {
        orderBy: { createdAt: 'asc' },
        include: { webhook: { select: { id: true, name: true, format: true, disabledAt: true } }, attemptLog: { orderBy: { attempt: 'asc' } } },
      },
    },
  });
  return {
    key,
    messages: rows.map((m) => ({
      id: m.id,
      kind: m.kind,
      phaseKey: m.phaseKey,
      audience: m.audience,
      when: m.when,
      position: m.position,
      body: m.body,
      scheduledAt: m.scheduledAt.toISOString(),
      createdAt: m.createdAt.toISOString(),
      auditEventId: m.auditEventId?.toString() ?? null,
      deliveries: m.deliveries.map((d) => ({
        id: d.id,
        webhook: { id: d.webhook.id, name: d.webhook.name, format: d.webhook.format, disabled: d.webhook.disabledAt !== null },
        status: d.status,
        attempts: d.attempts,
        lastStatus: d.lastStatus,
        lastError: d.lastError,
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
        updatedAt: d.updatedAt.toISOString(),
        attemptLog: d.attemptLog.map((a) => ({ attempt: a.attempt, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs, at: a.at.toISOString() })),
      })),
    })),
  };
}
