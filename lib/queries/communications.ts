// The rollout page's Communications read model (issue 9, "Communication"): per phase, its comms
// templates with a preview rendered NOW from the current records (the same variables a
// transition fills, lib/domain/comms.ts commsVariables), when each falls due; and the messages
// actually produced (messages table) with every delivery, its attempts and errors — so a failed
// delivery is on the rollout, never silent.
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { notFound } from '../errors';
import { commsGate, commsVariables, describeDue, dueAt, formatCommsDate, renderTemplate } from '../domain/comms';
import { parseDuration } from '../domain/duration';
import type { TPlan } from '../domain/plan';
import { actorUserId, readinessOf } from './readiness';
import { getTimeline } from './timeline';

/** how many messages the page lists (newest first); the failure count covers them all */
export const MESSAGES_SHOWN = 50;

export interface CommsTemplateView {
  position: number;
  audience: string;
  when: 'before' | 'after';
  offset: string | null;
  template: string;
  /** the template rendered with today's values */
  preview: string;
  /** when it goes out, in words: "at the transition into Beta", "7d before Beta's planned start" */
  dueRule: string;
  /** for a phase not entered yet, the moment it would go out with the plan as it stands */
  dueEstimate: string | null;
  /** the newest message this template produced (in this or an earlier entry of the phase) */
  lastMessage: { id: string; scheduledAt: string; status: DeliveryStatus | 'unsent' } | null;
}

export interface CommsPhaseView {
  key: string;
  name: string;
  index: number;
  status: 'done' | 'current' | 'pending';
  templates: CommsTemplateView[];
}

export type DeliveryStatus = 'pending' | 'queued' | 'delivered' | 'failed' | 'skipped';

export interface DeliveryAttemptView {
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: string;
}

export interface DeliveryView {
  id: string;
  webhook: { id: string; name: string; format: string; disabled: boolean };
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  updatedAt: string;
  log: DeliveryAttemptView[];
}

export interface MessageView {
  id: string;
  kind: string;
  phaseKey: string;
  phaseName: string | null;
  audience: string | null;
  when: string | null;
  body: string;
  scheduledAt: string;
  createdAt: string;
  deliveries: DeliveryView[];
}

export interface DeliveryFailure {
  deliveryId: string;
  messageId: string;
  webhook: string;
  attempts: number;
  lastStatus: number | null;
  error: string;
  at: string;
  excerpt: string;
}

export interface CommunicationsView {
  key: string;
  version: number;
  generatedAt: string;
  /** who and when the previews are rendered for: "as Eve Engineer, 2026-12-01 12:39 UTC" ({{actor}} is the viewer) */
  previewAs: string;
  phases: CommsPhaseView[];
  messages: MessageView[];
  messageCount: number;
  /** enabled webhooks: with none, messages are recorded here and sent nowhere */
  webhookCount: number;
  failedCount: number;
  /** the newest failed deliveries (at most 5), for the banner */
  failures: DeliveryFailure[];
  /** deliveries still under way (pending and due, or queued): the page polls while any is */
  inFlight: number;
}

const STATUSES: readonly DeliveryStatus[] = ['pending', 'queued', 'delivered', 'failed', 'skipped'];
const asStatus = (s: string): DeliveryStatus => ((STATUSES as readonly string[]).includes(s) ? (s as DeliveryStatus) : 'pending');
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function getCommunications(actor: Actor, key: string, now = new Date()): Promise<CommunicationsView> {
  authorize(actor, 'rollout.read');
  const db = prisma();
  const r = await db.rollout.findUnique({ where: { key }, include: { phases: { orderBy: { index: 'asc' } } } });
  if (!r) throw notFound(`no rollout with key "${key}"`);

  const [timeline, readiness, messageRows, messageCount, failedCount, failureRows, webhookCount, inFlight] = await Promise.all([
    getTimeline(actor, key, now),
    readinessOf(db, r, actorUserId(actor), now),
    db.message.findMany({
      where: { rolloutId: r.id },
      orderBy: [{ createdAt: 'desc' }, { scheduledAt: 'desc' }],
      take: MESSAGES_SHOWN,
      include: {
        deliveries: {
          orderBy: { createdAt: 'asc' },
          include: { webhook: { select: { id: true, name: true, format: true, disabledAt: true } }, attemptLog: { orderBy: { attempt: 'asc' } } },
        },
      },
    }),
    db.message.count({ where: { rolloutId: r.id } }),
    db.webhookDelivery.count({ where: { status: 'failed', message: { rolloutId: r.id } } }),
    db.webhookDelivery.findMany({
      where: { status: 'failed', message: { rolloutId: r.id } },
      orderBy: { updatedAt: 'desc' },
      take: 5,
      include: { webhook: { select: { name: true } }, message: { select: { id: true, body: true } } },
    }),
    db.webhook.count({ where: { disabledAt: null } }),
    db.webhookDelivery.count({
      where: { message: { rolloutId: r.id }, OR: [{ status: 'queued' }, { status: 'pending', message: { scheduledAt: { lte: now } } }] },
    }),
  ]);

  const planPhases = ((r.plan as TPlan | null)?.phases ?? []) as TPlan['phases'];
  const phases = r.phases.map((p) => ({ key: p.key, name: p.name, minDurationSeconds: p.minDurationSeconds }));
  const phaseName = new Map(phases.map((p) => [p.key, p.name]));
  const nextKey = readiness.to?.key ?? null;

  // the newest comms message per (phase, template position)
  const lastByTemplate = new Map<string, (typeof messageRows)[number]>();
  for (const m of messageRows) {
    if (m.kind !== 'comms' || m.position === null) continue;
    const k = `${m.phaseKey}#${m.position}`;
    if (!lastByTemplate.has(k)) lastByTemplate.set(k, m);
  }

  const phaseViews: CommsPhaseView[] = timeline.phases.map((tp, i) => {
    const comms = planPhases.find((p) => p.key === tp.key)?.comms ?? [];
    const plannedStart = tp.plannedStart ? new Date(tp.plannedStart) : null;
    const enteredAt = tp.actualStart ? new Date(tp.actualStart) : plannedStart;
    const isNext = tp.key === nextKey;
    const vars = commsVariables({
      rollout: { key: r.key, name: r.name, owner: r.owner },
      phases,
      phaseIndex: i,
      enteredAt: tp.status === 'pending' ? plannedStart : enteredAt,
      rolloutEta: timeline.forecastEnd ? new Date(timeline.forecastEnd) : null,
      actor: actor.name,
      action: i === 0 ? 'start' : 'promote',
      // the gate numbers are known for the step that is next; other phases' gates are not judged yet
      ...(isNext ? commsGate(readiness, tp.key) : { readiness: null, signoffs: null }),
    });
    return {
      key: tp.key,
      name: tp.name,
      index: i,
      status: tp.status,
      templates: comms.map((c, position) => {
        const offsetSeconds = c.offset ? parseDuration(c.offset) || null : null;
        const dueRule = describeDue({ when: c.when, offset: c.offset, offsetSeconds }, tp.name);
        const estimate = tp.status === 'pending' ? dueAt({ when: c.when, offsetSeconds }, { now, enteredAt: plannedStart, plannedStart }) : null;
        const last = lastByTemplate.get(`${tp.key}#${position}`);
        const lastStatus = last ? worstStatus(last.deliveries.map((d) => asStatus(d.status))) : null;
        return {
          position,
          audience: c.audience,
          when: c.when,
          offset: c.offset ?? null,
          template: c.template,
          preview: renderTemplate(c.template, vars),
          dueRule,
          dueEstimate: iso(estimate),
          lastMessage: last ? { id: last.id, scheduledAt: last.scheduledAt.toISOString(), status: lastStatus ?? 'unsent' } : null,
        };
      }),
    };
  });

  return {
    key: r.key,
    version: r.version,
    generatedAt: now.toISOString(),
    previewAs: `as ${actor.name}, ${formatCommsDate(now)}`,
    phases: phaseViews,
    messages: messageRows.map((m) => ({
      id: m.id,
      kind: m.kind,
      phaseKey: m.phaseKey,
      phaseName: phaseName.get(m.phaseKey) ?? null,
      audience: m.audience,
      when: m.when,
      body: m.body,
      scheduledAt: m.scheduledAt.toISOString(),
      createdAt: m.createdAt.toISOString(),
      deliveries: m.deliveries.map((d) => ({
        id: d.id,
        webhook: { id: d.webhook.id, name: d.webhook.name, format: d.webhook.format, disabled: !!d.webhook.disabledAt },
        status: asStatus(d.status),
        attempts: d.attempts,
        lastStatus: d.lastStatus,
        lastError: d.lastError,
        deliveredAt: iso(d.deliveredAt),
        updatedAt: d.updatedAt.toISOString(),
        log: d.attemptLog.map((a) => ({ attempt: a.attempt, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs, at: a.at.toISOString() })),
      })),
    })),
    messageCount,
    webhookCount,
    failedCount,
    failures: failureRows.map((d) => ({
      deliveryId: d.id,
      messageId: d.message.id,
      webhook: d.webhook.name,
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      error: d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : 'delivery failed'),
      at: d.updatedAt.toISOString(),
      excerpt: d.message.body.length > 120 ? `${d.message.body.slice(0, 117)}…` : d.message.body,
    })),
    inFlight,
  };
}

/** one status for a message's deliveries: a failure shows over anything else */
function worstStatus(ss: DeliveryStatus[]): DeliveryStatus | null {
  for (const s of ['failed', 'queued', 'pending', 'skipped', 'delivered'] as const) if (ss.includes(s)) return s;
  return null;
}

/** Every audience the rollouts' plans address, for the webhook form's suggestions (admins). */
export async function listPlanAudiences(actor: Actor): Promise<string[]> {
  authorize(actor, 'webhook.manage');
  const rows = await prisma().rollout.findMany({ select: { plan: true } });
  const audiences = new Set<string>();
  for (const r of rows) for (const p of ((r.plan as TPlan | null)?.phases ?? []) as TPlan['phases']) for (const c of p.comms ?? []) audiences.add(c.audience);
  return [...audiences].sort((a, b) => a.localeCompare(b));
}
