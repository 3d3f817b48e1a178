// The evaluator worker (issue 8; docs/decisions/0004-evaluator-worker.md), its own process:
//   DATABASE_URL=postgres://… npx tsx lib/worker/main.ts
// Every SWITCHYARD_EVALUATOR_TICK_SECONDS (default 5) each replica enqueues one pg-boss job per
// active or paused rollout, keyed by rollout and tick slot (singletonKey + singletonSeconds), so
// however many replicas run, a slot is one job; any replica takes it. The handler is thin: it
// calls evaluateRollout, which stores the evaluations once per interval and makes a red flag's
// effect happen once. The same process delivers webhook messages (lib/worker/deliver.ts, queue
// 'deliver-message': retries with backoff, SWITCHYARD_WEBHOOK_*), and purges evidence older
// than the retention once an hour (queue 'purge-evidence', one job per hour slot across
// replicas; lib/services/purge-evidence.ts). SIGTERM/SIGINT stop taking
// jobs, let the running ones finish, then exit.
import PgBoss from 'pg-boss';
import { z } from 'zod';
import { env } from '../env';
import { prisma } from '../db';
import { evaluateRollout } from '../services/evaluate-rollout';
import { rolloutsToEvaluate } from '../queries/phase-evidence';
import { purgeExpiredEvidence } from '../services/purge-evidence';
import { DELIVER_QUEUE, deliverJobOptions, enqueueDueDeliveries, startDeliverer } from './deliver';

export const EVALUATE_QUEUE = 'evaluate-rollout';
export const PURGE_QUEUE = 'purge-evidence';
const PURGE_EVERY_SECONDS = 3600;

const ZWorkerEnv = z.object({
  SWITCHYARD_EVALUATOR_TICK_SECONDS: z.coerce.number('SWITCHYARD_EVALUATOR_TICK_SECONDS must be a number of seconds').int('SWITCHYARD_EVALUATOR_TICK_SECONDS must be whole seconds').min(1, 'SWITCHYARD_EVALUATOR_TICK_SECONDS must be at least 1').max(3600, 'SWITCHYARD_EVALUATOR_TICK_SECONDS must be at most 3600').default(5),
  // webhook deliveries: retries after the first attempt, the first retry's delay (doubling, with jitter), one attempt's timeout
  SWITCHYARD_WEBHOOK_RETRIES: z.coerce.number('SWITCHYARD_WEBHOOK_RETRIES must be a number').int('SWITCHYARD_WEBHOOK_RETRIES must be a whole number').min(0, 'SWITCHYARD_WEBHOOK_RETRIES must be at least 0').max(20, 'SWITCHYARD_WEBHOOK_RETRIES must be at most 20').default(5),
  SWITCHYARD_WEBHOOK_RETRY_DELAY_SECONDS: z.coerce.number('SWITCHYARD_WEBHOOK_RETRY_DELAY_SECONDS must be a number of seconds').int('SWITCHYARD_WEBHOOK_RETRY_DELAY_SECONDS must be whole seconds').min(1, 'SWITCHYARD_WEBHOOK_RETRY_DELAY_SECONDS must be at least 1').max(3600, 'SWITCHYARD_WEBHOOK_RETRY_DELAY_SECONDS must be at most 3600').default(5),
  SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: z.coerce.number('SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS must be a number of seconds').int('SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS must be whole seconds').min(1, 'SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS must be at least 1').max(120, 'SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS must be at most 120').default(10),
});

/** Creates a queue unless it exists; replicas starting together race to create it: whoever loses finds it there. */
async function ensureQueue(boss: PgBoss, queue: PgBoss.Queue): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await boss.getQueue(queue.name))) await boss.createQueue(queue.name, queue);
      return;
    } catch (err) {
      if (await boss.getQueue(queue.name).catch(() => null)) return;
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

const log = (line: string) => console.log(`[worker ${process.pid}] ${line}`);

async function main(): Promise<void> {
  const e = env();
  const w = ZWorkerEnv.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')));
  if (!w.success) throw new Error(`Switchyard worker: invalid environment\n${w.error.issues.map((i) => `  - ${i.message}`).join('\n')}`);
  const tick = w.data.SWITCHYARD_EVALUATOR_TICK_SECONDS;

  const boss = new PgBoss({ connectionString: e.DATABASE_URL, application_name: 'switchyard-worker', max: 4, schedule: false });
  boss.on('error', (err: Error) => console.error(`[worker ${process.pid}] pg-boss:`, err instanceof Error ? err.message : err));
  await boss.start();
  // a job is one evaluation of one slot; a later slot re-evaluates anyway, so retry briefly
  await ensureQueue(boss, { name: EVALUATE_QUEUE, policy: 'standard', retryLimit: 2, retryDelay: 1, expireInSeconds: 120, retentionMinutes: 60 });
  const deliver = { retries: w.data.SWITCHYARD_WEBHOOK_RETRIES, retryDelaySeconds: w.data.SWITCHYARD_WEBHOOK_RETRY_DELAY_SECONDS, timeoutSeconds: w.data.SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS };
  await ensureQueue(boss, { name: DELIVER_QUEUE, policy: 'standard', ...deliverJobOptions(deliver), retentionMinutes: 24 * 60 });
  await ensureQueue(boss, { name: PURGE_QUEUE, policy: 'standard', retryLimit: 2, retryDelay: 60, expireInSeconds: 30 * 60, retentionMinutes: 24 * 60 });
  await boss.work(PURGE_QUEUE, { pollingIntervalSeconds: 5, batchSize: 1 }, async () => {
    const r = await purgeExpiredEvidence();
    const n = r.samples + r.comparisons + r.metricBuckets + r.comparisonBuckets + r.evaluations + r.idempotencyKeys;
    if (n) log(`retention: purged evidence before ${r.cutoff}: ${r.samples} samples, ${r.comparisons} comparisons, ${r.metricBuckets + r.comparisonBuckets} buckets, ${r.evaluations} evaluations, ${r.idempotencyKeys} idempotency keys`);
    return r;
  });
  await boss.work<{ rolloutId: string }>(EVALUATE_QUEUE, { pollingIntervalSeconds: Math.min(2, Math.max(0.5, tick / 2)), batchSize: 1 }, async ([job]) => {
    const s = await evaluateRollout(job.data.rolloutId).catch((err: unknown) => {
      // pg-boss records the failure on the job and retries it; say so here too
      console.error(`[worker ${process.pid}] evaluating rollout ${job.data.rolloutId} failed:`, err instanceof Error ? err.message : err);
      throw err;
    });
    for (const t of s.trips) log(`rollout ${s.rolloutId} phase ${s.phase}: red flag ${t.flag} ${t.outcome}: ${t.detail}`);
    return { stored: s.stored, trips: s.trips.length };
  });

  let stopping = false;
  const enqueue = async () => {
    if (stopping) return;
    try {
      const ids = await rolloutsToEvaluate();
      await Promise.all(ids.map((rolloutId) => boss.send(EVALUATE_QUEUE, { rolloutId }, { singletonKey: rolloutId, singletonSeconds: tick, retryLimit: 2, retryDelay: 1, expireInSeconds: 120 })));
      // one purge per hour slot, whichever replica sends it first
      await boss.send(PURGE_QUEUE, {}, { singletonKey: 'purge', singletonSeconds: PURGE_EVERY_SECONDS, retryLimit: 2, retryDelay: 60, expireInSeconds: 30 * 60 });
    } catch (err) {
      console.error(`[worker ${process.pid}] enqueue failed:`, err instanceof Error ? err.message : err);
    }
  };
  const timer = setInterval(() => void enqueue(), tick * 1000);
  void enqueue();

  const pollSeconds = Math.min(2, Math.max(0.5, tick / 2));
  await startDeliverer(boss, deliver, pollSeconds);
  const enqueueDeliveries = async () => {
    if (stopping) return;
    try {
      const n = await enqueueDueDeliveries(boss, deliver);
      if (n) log(`queued ${n} webhook deliver${n === 1 ? 'y' : 'ies'}`);
    } catch (err) {
      console.error(`[worker ${process.pid}] queueing webhook deliveries failed:`, err instanceof Error ? err.message : err);
    }
  };
  const deliverTimer = setInterval(() => void enqueueDeliveries(), tick * 1000);
  void enqueueDeliveries();
  log(`deliverer started: every ${tick}s, queue ${DELIVER_QUEUE}, ${deliver.retries} retries from ${deliver.retryDelaySeconds}s, timeout ${deliver.timeoutSeconds}s`);
  log(`evaluator started: every ${tick}s, queue ${EVALUATE_QUEUE}`);

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    clearInterval(deliverTimer);
    log(`${signal}: finishing the running job, then exiting`);
    boss
      .stop({ graceful: true, wait: true, timeout: 20_000 })
      .then(() => prisma().$disconnect())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`[worker ${process.pid}] error while stopping:`, err);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
