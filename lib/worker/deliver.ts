// The webhook deliverer (issue 9), part of the worker process (lib/worker/main.ts): every tick,
// due pending deliveries are marked queued and sent to the 'deliver-message' pg-boss queue (the
// job id and singletonKey are the delivery id, so a delivery is one job however often it is
// sent); the handler calls deliverMessage. pg-boss retries a failed attempt with exponential
// backoff up to SWITCHYARD_WEBHOOK_RETRIES times. docs/decisions/0007-communication.md.
import type PgBoss from 'pg-boss';
import { prisma } from '../db';
import { deliverMessage } from '../services/deliver-message';

export const DELIVER_QUEUE = 'deliver-message';

export interface DeliverConfig {
  /** retries after the first attempt */
  retries: number;
  /** first retry delay in seconds; doubles each retry (with jitter) */
  retryDelaySeconds: number;
  timeoutSeconds: number;
}

export const deliverJobOptions = (c: DeliverConfig) => ({
  retryLimit: c.retries,
  retryDelay: c.retryDelaySeconds,
  retryBackoff: true,
  // an attempt is at most one timeout long; a job stuck longer (a killed worker) is retried
  expireInSeconds: c.timeoutSeconds + 60,
});

// a delivery 'queued' this long without an attempt lost its job (the worker died between
// marking and sending): sent again — a no-op if its job exists, the job id is the delivery id
const LOST_AFTER_MINUTES = 15;

/** Marks due deliveries queued and sends their jobs; returns how many were sent. */
export async function enqueueDueDeliveries(boss: PgBoss, c: DeliverConfig, limit = 200): Promise<number> {
  const due = await prisma().$queryRaw<{ id: string }[]>`
    WITH due AS (
      SELECT d.id FROM webhook_deliveries d JOIN messages m ON m.id = d.message_id
      WHERE (d.status = 'pending' AND m.scheduled_at <= now())
         OR (d.status = 'queued' AND d.updated_at < now() - make_interval(mins => ${LOST_AFTER_MINUTES}))
      ORDER BY m.scheduled_at, m.created_at, d.created_at
      LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_deliveries w SET status = 'queued', updated_at = now() FROM due WHERE w.id = due.id
    RETURNING w.id::text AS id`;
  let sent = 0;
  let failure: unknown = null;
  for (const { id } of due) {
    try {
      const created = await boss.send(DELIVER_QUEUE, { deliveryId: id }, { id, singletonKey: id, ...deliverJobOptions(c) });
      if (created) sent++;
      else await settleLostDelivery(boss, id);
    } catch (err) {
      // back to pending so the next tick tries again
      await prisma().webhookDelivery.updateMany({ where: { id, status: 'queued', attempts: 0 }, data: { status: 'pending' } });
      failure ??= err;
    }
  }
  if (failure) throw failure;
  return sent;
}

/**
 * A delivery whose job already exists (send returned null): if pg-boss gave the job up — a
 * worker killed during the last attempt, so the job expired with no retry left — the handler
 * never ran to record it: the delivery is marked failed here, with that reason, so it shows on
 * the rollout instead of staying "queued". A job still waiting or running is left alone.
 */
async function settleLostDelivery(boss: PgBoss, id: string): Promise<void> {
  const job = await boss.getJobById(DELIVER_QUEUE, id, { includeArchive: true });
  // no job under this id (another one holds the singletonKey) or one still waiting or running
  if (!job || (job.state !== 'failed' && job.state !== 'cancelled')) return;
  const why = `the delivery job ${job.state === 'failed' ? 'failed' : 'was cancelled'} without recording a result (the worker stopped during its last attempt)`;
  await prisma().webhookDelivery.updateMany({ where: { id, status: 'queued' }, data: { status: 'failed', lastError: why } });
}

export async function startDeliverer(boss: PgBoss, c: DeliverConfig, pollingIntervalSeconds: number): Promise<void> {
  await boss.work<{ deliveryId: string }>(DELIVER_QUEUE, { pollingIntervalSeconds, batchSize: 1, includeMetadata: true }, async ([job]) => {
    const lastAttempt = job.retryCount >= job.retryLimit;
    try {
      return await deliverMessage(job.data.deliveryId, { lastAttempt, timeoutMs: c.timeoutSeconds * 1000 });
    } catch (err) {
      // pg-boss records the failure on the job and retries it (or not, after the last); say so here
      console.error(`[worker ${process.pid}] ${err instanceof Error ? err.message : String(err)}${lastAttempt ? '' : ' — will retry'}`);
      throw err;
    }
  });
}
