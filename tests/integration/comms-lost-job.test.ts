// A delivery whose pg-boss job was given up without the handler recording it (a worker killed
// during the last attempt: the job expires with no retry left) must not stay "queued" forever:
// the deliverer's sweep finds it and marks it failed with the reason, so the rollout shows it.
// Against a real pg-boss on this file's database.
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { createRollout } from '../../lib/services/create-rollout';
import { createWebhook } from '../../lib/services/create-webhook';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { DELIVER_QUEUE, deliverJobOptions, enqueueDueDeliveries } from '../../lib/worker/deliver';
import { ensureEnvironments, uniq } from '../factories/rollouts';
import { setupTestDatabase, type TestDatabase } from '../helpers/db';
import { ENGINEER } from '../helpers/evaluator';

const ADMIN: Actor = { kind: 'user', id: null, name: 'Ada Admin', role: 'admin' };
const CONFIG = { retries: 0, retryDelaySeconds: 1, timeoutSeconds: 1 };
let db: TestDatabase;
let boss: PgBoss;

beforeAll(async () => {
  db = await setupTestDatabase();
  await ensureEnvironments();
  boss = new PgBoss({ connectionString: db.url, max: 2, schedule: false, supervise: false });
  await boss.start();
  if (!(await boss.getQueue(DELIVER_QUEUE))) await boss.createQueue(DELIVER_QUEUE, { name: DELIVER_QUEUE, policy: 'standard', ...deliverJobOptions(CONFIG) });
});
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
});

describe('a delivery whose job was lost', () => {
  it('is marked failed with the reason once pg-boss has given its job up; one still waiting is left queued', async () => {
    await createWebhook(ADMIN, { name: uniq('lost'), url: 'http://127.0.0.1:9/never', format: 'slack', audiences: [], events: ['transition'] });
    const key = uniq('lost');
    const flag = `LOST_${key.replace(/-/g, '_').toUpperCase()}`;
    const r = await createRollout(ENGINEER, { key, name: 'Lost job', flags: [{ key: flag, type: 'boolean', baseline: false }], phases: [{ key: 'pilot', name: 'Pilot', flags: { [flag]: true } }] });
    await transitionRollout(ENGINEER, { key, action: 'start', expectedVersion: r.version, reason: 'go' });
    const deliveries = await prisma().webhookDelivery.findMany({ where: { message: { rollout: { key } } } });
    expect(deliveries).toHaveLength(1);
    const d = deliveries[0];

    // the sweep queues it (the job id is the delivery id); nobody works the queue here
    expect(await enqueueDueDeliveries(boss, CONFIG)).toBeGreaterThanOrEqual(1);
    expect((await prisma().webhookDelivery.findUniqueOrThrow({ where: { id: d.id } })).status).toBe('queued');
    const old = new Date(Date.now() - 20 * 60_000);
    // lost-looking (queued for 20 minutes) but its job still waits: left alone
    await prisma().$executeRaw`UPDATE webhook_deliveries SET updated_at = ${old} WHERE id = ${d.id}::uuid`;
    await enqueueDueDeliveries(boss, CONFIG);
    expect((await prisma().webhookDelivery.findUniqueOrThrow({ where: { id: d.id } })).status).toBe('queued');

    // the job is taken and given up without the handler recording anything (as when the worker
    // dies during the last attempt and the job expires)
    const [job] = await boss.fetch(DELIVER_QUEUE);
    expect(job.id).toBe(d.id);
    await boss.fail(DELIVER_QUEUE, job.id, { message: 'expired' });
    expect((await boss.getJobById(DELIVER_QUEUE, d.id))?.state).toBe('failed');
    await prisma().$executeRaw`UPDATE webhook_deliveries SET updated_at = ${old} WHERE id = ${d.id}::uuid`;

    await enqueueDueDeliveries(boss, CONFIG);
    const after = await prisma().webhookDelivery.findUniqueOrThrow({ where: { id: d.id } });
    expect(after.status).toBe('failed');
    expect(after.lastError).toMatch(/job failed without recording a result/);
  });
});
