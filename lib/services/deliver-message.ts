// Sends one webhook delivery, once per attempt: the worker's 'deliver-message' job calls this
// (lib/worker/deliver.ts). A delivery already delivered, failed or skipped is left alone (a job
// runs at least once; a re-run after success does not resend). A scheduled message whose phase
// entry is over is skipped with the reason (lib/domain/comms.ts staleScheduledMessage). Each
// attempt claims its number with a compare-and-set on `attempts` and is logged as a
// DeliveryAttempt row; a non-2xx answer or a network error throws so pg-boss retries with
// backoff, and the last attempt leaves the delivery `failed` with the last error.
// Wire format and signature: docs/decisions/0007-communication.md.
import { createHmac } from 'node:crypto';
import { prisma } from '../db';
import { staleScheduledMessage } from '../domain/comms';

export interface DeliverOptions {
  /** pg-boss says no retry follows this attempt (retryCount >= retryLimit) */
  lastAttempt: boolean;
  timeoutMs: number;
  now?: Date;
}

export interface DeliverOutcome {
  status: 'delivered' | 'failed' | 'skipped' | 'queued';
  /** the attempt this run made, or null when it sent nothing */
  attempt: number | null;
  detail: string;
}

export class DeliveryFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryFailed';
  }
}

const FINAL = new Set(['delivered', 'failed', 'skipped']);
const clip = (s: string, n = 500) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>") — how a receiver checks a generic webhook. */
export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export async function deliverMessage(deliveryId: string, opts: DeliverOptions): Promise<DeliverOutcome> {
  const db = prisma();
  const d = await db.webhookDelivery.findUnique({
    where: { id: deliveryId },
    include: { webhook: true, message: { include: { rollout: { select: { key: true, name: true, status: true, currentPhaseIndex: true, phaseEnteredAt: true, phases: { select: { key: true, index: true } } } } } } },
  });
  if (!d) return { status: 'skipped', attempt: null, detail: `no delivery ${deliveryId}` };
  if (FINAL.has(d.status)) return { status: d.status as DeliverOutcome['status'], attempt: null, detail: `already ${d.status}` };

  const skip = async (why: string): Promise<DeliverOutcome> => {
    await db.webhookDelivery.updateMany({ where: { id: d.id, status: { in: ['pending', 'queued'] } }, data: { status: 'skipped', lastError: why } });
    return { status: 'skipped', attempt: null, detail: why };
  };
  if (d.webhook.disabledAt) return skip(`the webhook "${d.webhook.name}" was disabled before the message was sent`);

  const m = d.message;
  // scheduled later than the transition that produced it: is the rollout still where it was?
  if (m.auditEventId !== null && m.scheduledAt.getTime() > m.createdAt.getTime() + 1000) {
    const origin = await db.auditEvent.findUnique({ where: { id: m.auditEventId }, select: { toPhase: true, createdAt: true } });
    const r = m.rollout;
    const current = r.currentPhaseIndex === null ? null : (r.phases.find((p) => p.index === r.currentPhaseIndex)?.key ?? null);
    const why = origin && staleScheduledMessage({ phaseKey: origin.toPhase, enteredAt: origin.createdAt }, { status: r.status, phaseKey: current, phaseEnteredAt: r.phaseEnteredAt });
    if (why) return skip(`not sent: ${why}`);
  }

  // claim this attempt's number; a duplicate job running at the same time finds it taken
  const attempt = d.attempts + 1;
  const claimed = await db.webhookDelivery.updateMany({ where: { id: d.id, attempts: d.attempts, status: { in: ['pending', 'queued'] } }, data: { attempts: attempt, status: 'queued' } });
  if (claimed.count !== 1) return { status: 'queued', attempt: null, detail: 'another run holds this delivery' };

  const at = (opts.now ?? new Date()).toISOString();
  const timestamp = String(Math.floor(Date.parse(at) / 1000));
  let body: string;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Switchyard-Webhooks/1' };
  if (d.webhook.format === 'slack') {
    body = JSON.stringify({ text: m.body });
  } else {
    body = JSON.stringify({
      event: m.kind,
      rollout: { key: m.rollout.key, name: m.rollout.name },
      phase: m.phaseKey || null,
      audience: m.audience,
      when: m.when,
      message: m.body,
      at: m.scheduledAt.toISOString(),
      deliveryId: d.id,
    });
    headers['x-switchyard-event'] = m.kind;
    headers['x-switchyard-delivery'] = d.id;
    headers['x-switchyard-timestamp'] = timestamp;
    if (d.webhook.secret) headers['x-switchyard-signature'] = signWebhookBody(d.webhook.secret, timestamp, body);
  }

  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    // redirects are not followed: the admin configured this URL, not wherever it points next
    const res = await fetch(d.webhook.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs) });
    statusCode = res.status;
    const text = await res.text().catch(() => '');
    if (res.status < 200 || res.status >= 300) error = clip(`HTTP ${res.status}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`);
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    error =
      err.name === 'TimeoutError' || err.name === 'AbortError'
        ? `no answer within ${Math.round(opts.timeoutMs / 1000)} s`
        : clip(`${err.message}${err.cause?.code ? ` (${err.cause.code})` : err.cause?.message ? ` (${err.cause.message})` : ''}`);
  }
  const durationMs = Math.round(performance.now() - started);
  const ok = error === null;
  const status = ok ? 'delivered' : opts.lastAttempt ? 'failed' : 'queued';
  await db.$transaction([
    db.deliveryAttempt.create({ data: { deliveryId: d.id, attempt, statusCode, error, durationMs } }),
    db.webhookDelivery.update({ where: { id: d.id }, data: { status, lastStatus: statusCode, lastError: error, ...(ok ? { deliveredAt: new Date() } : {}) } }),
  ]);
  if (!ok) throw new DeliveryFailed(`delivery ${d.id} to "${d.webhook.name}", attempt ${attempt}${opts.lastAttempt ? ' (the last)' : ''}: ${error}`);
  return { status: 'delivered', attempt, detail: `HTTP ${statusCode}` };
}
