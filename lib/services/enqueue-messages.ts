// Writes what a transition (or a red-flag trip) says, inside ITS transaction: the rendered
// Message rows and one pending WebhookDelivery per enabled webhook that receives it. The worker
// (lib/worker/deliver.ts) sends the due ones; nothing here touches the network, so a webhook
// that is down never slows or blocks a transition, and a transaction that rolls back leaves no
// message behind (an outbox). Messages are kept even without any webhook: the rollout shows
// what was (or would have been) said. docs/decisions/0007-communication.md.
import type { Tx } from '../db';
import type { TPlan } from '../domain/plan';
import type { Readiness } from '../domain/readiness';
import { parseDuration } from '../domain/duration';
import { commsGate, commsVariables, dueAt, renderTemplate, webhookReceives, type CommsContext, type CommsTemplate, type MessageKind } from '../domain/comms';

export interface TransitionMessages {
  rollout: { id: string; key: string; name: string; owner: string; plan: unknown; phases: { key: string; name: string; minDurationSeconds: number }[] };
  action: string;
  fromPhaseIndex: number | null;
  toPhaseIndex: number | null;
  toStatus: string;
  /** the phase timer restarted (start, promote, rollback to a phase): a phase is being entered */
  phaseEntered: boolean;
  at: Date;
  actorName: string;
  reason: string;
  overridden: boolean;
  /** the gate the transition was judged on (frozen in the audit row) */
  readiness: Readiness;
  auditEventId: bigint;
}

interface NewMessage {
  kind: MessageKind;
  phaseKey: string;
  audience: string | null;
  when: 'before' | 'after' | null;
  position: number | null;
  body: string;
  scheduledAt: Date;
}

type Hook = { id: string; audiences: string[]; events: string[] };

async function insertMessages(tx: Tx, rolloutId: string, auditEventId: bigint | null, messages: NewMessage[]): Promise<number> {
  if (!messages.length) return 0;
  const hooks: Hook[] = await tx.webhook.findMany({ where: { disabledAt: null }, select: { id: true, audiences: true, events: true }, orderBy: { createdAt: 'asc' } });
  let deliveries = 0;
  for (const m of messages) {
    const row = await tx.message.create({ data: { rolloutId, auditEventId, ...m }, select: { id: true } });
    const to = hooks.filter((h) => webhookReceives(h, m));
    if (to.length) {
      deliveries += (await tx.webhookDelivery.createMany({ data: to.map((h) => ({ messageId: row.id, webhookId: h.id })) })).count;
    }
  }
  return deliveries;
}

const commsOf = (plan: unknown, phaseKey: string): CommsTemplate[] => {
  const phase = ((plan as TPlan | null)?.phases ?? []).find((p) => p.key === phaseKey);
  // an offset that does not parse (plans are checked) counts as none: sent at the transition
  return (phase?.comms ?? []).map((c) => ({ audience: c.audience, when: c.when, template: c.template, offsetSeconds: c.offset ? parseDuration(c.offset) || null : null }));
};

/** "Market scan: promoted to Beta by Alice — “metrics look good”" */
export function transitionSentence(t: TransitionMessages): string {
  const name = (i: number | null) => (i === null ? null : (t.rollout.phases[i]?.name ?? null));
  const to = name(t.toPhaseIndex);
  const from = name(t.fromPhaseIndex);
  const what: Record<string, string> = {
    start: `started in ${to}`,
    promote: t.toStatus === 'completed' ? `completed (left ${from})` : `promoted from ${from} to ${to}`,
    pause: `paused in ${from}`,
    resume: `resumed in ${to}`,
    rollback: to ? `rolled back from ${from ?? 'baseline'} to ${to}` : `rolled back${from ? ` from ${from}` : ''} to baseline`,
    abort: 'aborted',
  };
  const override = t.overridden ? ' (OVERRIDE: the gate was not ready)' : '';
  return `${t.rollout.name}: ${what[t.action] ?? t.action} by ${t.actorName}${override} — “${t.reason}”`;
}

/**
 * The messages of one transition: its `transition` message; and when a phase is entered by start
 * or promote, that phase's comms (due per lib/domain/comms.ts dueAt) plus the `before`-with-offset
 * comms of the phase after it, scheduled against its planned start (this entry + minDuration).
 * A rollback to a phase is announced by its transition message only: the phase's "we're
 * starting …" comms are for going forward.
 */
export async function recordTransitionMessages(tx: Tx, t: TransitionMessages): Promise<{ messages: number; deliveries: number }> {
  const { rollout: r, at } = t;
  const phases = r.phases.map((p) => ({ key: p.key, name: p.name, minDurationSeconds: p.minDurationSeconds }));
  const messages: NewMessage[] = [
    {
      kind: 'transition',
      phaseKey: r.phases[t.toPhaseIndex ?? t.fromPhaseIndex ?? -1]?.key ?? '',
      audience: null,
      when: null,
      position: null,
      body: transitionSentence(t),
      scheduledAt: at,
    },
  ];

  const i = t.toPhaseIndex;
  if (i !== null && t.phaseEntered && (t.action === 'start' || t.action === 'promote')) {
    const gate = commsGate(t.readiness, r.phases[i].key);
    const remaining = phases.slice(i).reduce((s, p) => s + (p.minDurationSeconds ?? 0), 0);
    const ctx = (phaseIndex: number, enteredAt: Date, withGate: boolean): CommsContext => ({
      rollout: { key: r.key, name: r.name, owner: r.owner },
      phases,
      phaseIndex,
      enteredAt,
      rolloutEta: new Date(at.getTime() + remaining * 1000),
      actor: t.actorName,
      action: t.action,
      ...(withGate ? gate : { readiness: null, signoffs: null }),
    });

    // the phase being entered
    const vars = commsVariables(ctx(i, at, true));
    const entered = r.phases[i].key;
    const own = commsOf(r.plan, entered);
    // its `before`-with-offset notices were scheduled when the previous phase was entered; one
    // not yet due now would be skipped when it falls due (the rollout moved on): send it now
    const notices = own.some((c) => c.when === 'before' && c.offsetSeconds);
    const previousEntry =
      notices && i > 0
        ? await tx.auditEvent.findFirst({
            where: { rolloutId: r.id, toPhase: r.phases[i - 1].key, action: { in: ['start', 'promote', 'rollback'] }, id: { lt: t.auditEventId } },
            orderBy: { id: 'desc' },
            select: { id: true },
          })
        : null;
    const alreadyDue = previousEntry
      ? await tx.message.findMany({
          where: { rolloutId: r.id, kind: 'comms', phaseKey: entered, when: 'before', auditEventId: { gte: previousEntry.id }, scheduledAt: { lte: at } },
          select: { position: true },
        })
      : [];
    own.forEach((c, position) => {
      if (c.when === 'before' && c.offsetSeconds && alreadyDue.some((m) => m.position === position)) return;
      const due = c.when === 'before' && c.offsetSeconds ? at : dueAt(c, { now: at, enteredAt: at });
      if (!due) return;
      messages.push({ kind: 'comms', phaseKey: entered, audience: c.audience, when: c.when, position, body: renderTemplate(c.template, vars), scheduledAt: due });
    });

    // heads-up notices of the next phase (seed 003's D-7), against its planned start
    const next = r.phases[i + 1];
    if (next) {
      const plannedStart = new Date(at.getTime() + (phases[i].minDurationSeconds ?? 0) * 1000);
      const nextVars = commsVariables(ctx(i + 1, plannedStart, false));
      commsOf(r.plan, next.key).forEach((c, position) => {
        if (c.when !== 'before' || !c.offsetSeconds) return;
        const due = dueAt(c, { now: at, plannedStart });
        if (!due) return;
        messages.push({ kind: 'comms', phaseKey: next.key, audience: c.audience, when: 'before', position, body: renderTemplate(c.template, nextVars), scheduledAt: due });
      });
    }
  }
  // `before` first, then `after`, in plan order (the worker enqueues by scheduledAt, then this order)
  const order = (m: NewMessage) => (m.kind === 'transition' ? 1 : m.when === 'before' ? 0 : 2);
  messages.sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime() || order(a) - order(b) || (a.position ?? 0) - (b.position ?? 0));
  const deliveries = await insertMessages(tx, r.id, t.auditEventId, messages);
  return { messages: messages.length, deliveries };
}

/** A red flag's trip (notify, pause or rollback): one `red_flag` message, in the trip's transaction. */
export async function recordRedFlagMessage(
  tx: Tx,
  m: { rolloutId: string; phaseKey: string; body: string; at: Date; auditEventId: bigint | null },
): Promise<{ messages: number; deliveries: number }> {
  const deliveries = await insertMessages(tx, m.rolloutId, m.auditEventId, [
    { kind: 'red_flag', phaseKey: m.phaseKey, audience: null, when: null, position: null, body: m.body, scheduledAt: m.at },
  ]);
  return { messages: 1, deliveries };
}
