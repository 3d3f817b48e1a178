// The evaluator as real processes (issue 8): `tsx lib/worker/main.ts` spawned against this file's
// database with a 1 s tick. Two workers running: a critical red flag rolls back exactly once. A
// worker SIGKILLed inside the rollback's transaction neither loses nor doubles it: the other one
// completes it, once. A soak survives a worker restart unchanged (it derives from stored rows).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { soak } from '../../lib/domain/soak';
import { ensureEnvironments, tokenFor } from '../factories/rollouts';
import { setupTestDatabase, type TestDatabase } from '../helpers/db';
import { evidenceRollout, push } from '../helpers/evidence';
import { SYSTEM_ACTOR } from '../../lib/auth/actor';
import { ingestMetrics } from '../../lib/services/ingest-metrics';
import { getReadinessRoute, rollout, startedRollout } from '../helpers/evaluator';

const root = path.resolve(__dirname, '../..');
let db: TestDatabase;
let engineer: string;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  db = await setupTestDatabase();
  await ensureEnvironments();
  engineer = await tokenFor('engineer');
});

// a test that fails half-way must not leave its workers evaluating the next test's rollouts
afterEach(async () => {
  await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? stopWorker(w, 'SIGKILL') : null)));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? stopWorker(w, 'SIGKILL') : null)));
});

/** a worker process; resolves once it says it started. `name` becomes its Postgres application_name */
async function startWorker(name: string): Promise<ChildProcess> {
  const url = new URL(db.url);
  url.searchParams.set('application_name', name);
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/worker/main.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url.toString(), SWITCHYARD_EVALUATOR_TICK_SECONDS: '1', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker ${name} did not start in 20 s:\n${out}`)), 20_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('evaluator started')) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      reject(new Error(`worker ${name} exited (${signal ?? code}) before starting:\n${out}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

function stopWorker(w: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (w.exitCode !== null || w.signalCode !== null) return resolve(w.exitCode);
    w.once('exit', (code) => resolve(code));
    w.kill(signal);
  });
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const RED_FLAG = { when: { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 5, window: '15m' }, severity: 'critical', action: 'rollback', after: 3, interval: '1s' };
const pushErrorRate = (key: string, value: number) =>
  push('metrics', key, engineer, { samples: [{ metric: 'error_rate', arm: 'candidate', value, at: new Date().toISOString(), count: 50 }] });

async function assertRolledBackOnce(r: { id: string; key: string }) {
  const after = await rollout(r.key);
  expect(after.status).toBe('rolled_back');
  expect(after.flags[0].values.length).toBeGreaterThan(0);
  expect(after.flags[0].values.every((v) => v.value === 'v1' && v.phaseKey === null)).toBe(true);
  const rollbacks = await prisma().auditEvent.findMany({ where: { rolloutId: r.id, action: 'rollback' } });
  expect(rollbacks).toHaveLength(1);
  expect(rollbacks[0]).toMatchObject({ actorType: 'system', actorName: 'red flag: error_rate', toStatus: 'rolled_back' });
  expect(rollbacks[0].reason).toMatch(/^red flag \(critical, rollback\): error_rate candidate 7\.2 % > 5 % for \d+ evaluations$/);
  const details = rollbacks[0].details as { redFlag: { action: string }; evaluations: { value: number }[] };
  expect(details.redFlag.action).toBe('rollback');
  expect(details.evaluations.length).toBe(3);
  expect(details.evaluations.every((e) => e.value === 7.2)).toBe(true);
  const trips = await prisma().redFlagTrip.findMany({ where: { rolloutId: r.id } });
  expect(trips).toHaveLength(1);
  expect(trips[0].auditEventId).toBe(rollbacks[0].id);
  return { rollbacks: rollbacks.length, trips: trips.length };
}

describe('evaluator worker processes', () => {
  it('two workers: a critical red flag rolls back exactly once, audited with its evidence', async () => {
    const t0 = Date.now();
    const r = await startedRollout({ redFlags: [RED_FLAG] });
    const [a, b] = await Promise.all([startWorker('worker-a'), startWorker('worker-b')]);
    const startedMs = Date.now() - t0;
    expect((await pushErrorRate(r.key, 7.2)).status).toBe(201);
    const pushedAt = Date.now();
    await until('the rollback', async () => (await rollout(r.key)).status === 'rolled_back');
    const tookMs = Date.now() - pushedAt;
    // a few more ticks of both workers: nothing more happens
    await new Promise((res) => setTimeout(res, 2_500));
    const counts = await assertRolledBackOnce(r);
    const evaluations = await prisma().criterionEvaluation.count({ where: { rolloutId: r.id } });
    expect(a.exitCode).toBeNull();
    expect(b.exitCode).toBeNull();
    console.log(`[worker] two workers: rolled back ${(tookMs / 1000).toFixed(1)} s after the failing evidence; ${evaluations} evaluations stored; ${counts.rollbacks} rollback audit row, ${counts.trips} trip; workers up in ${(startedMs / 1000).toFixed(1)} s; test ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect([await stopWorker(a, 'SIGTERM'), await stopWorker(b, 'SIGTERM')]).toEqual([0, 0]);
  }, 60_000);

  it('a worker SIGKILLed inside the rollback transaction neither loses nor doubles it: the other completes it once', async () => {
    const t0 = Date.now();
    const r = await startedRollout({ redFlags: [RED_FLAG] });
    // hold the rollout row (NO KEY UPDATE: evaluations' foreign keys still pass) so a trip's
    // compare-and-set waits inside its transaction, and we can kill the worker right there
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM rollouts WHERE id = $1 FOR NO KEY UPDATE', [r.id]);
      const lockerPid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const [a, b] = await Promise.all([startWorker('worker-kill-a'), startWorker('worker-kill-b')]);
      expect((await pushErrorRate(r.key, 7.2)).status).toBe(201);
      const blockedIn = async (app: string) => {
        const q = await prisma().$queryRaw<{ query: string }[]>`
          SELECT query FROM pg_stat_activity
          WHERE application_name = ${app} AND ${lockerPid}::int = ANY(pg_blocking_pids(pid))`;
        return q[0]?.query ?? null;
      };
      const query = await until('worker A blocked in the trip transaction', () => blockedIn('worker-kill-a'));
      // inside the rollback transaction: waiting on the rollout row (its FOR UPDATE lock, or the update)
      expect(query).toMatch(/UPDATE "public"\."rollouts"|FROM rollouts WHERE key = \$1 FOR UPDATE/);
      await stopWorker(a, 'SIGKILL');
      // nothing of the killed worker's effect is visible
      expect(await prisma().redFlagTrip.count({ where: { rolloutId: r.id } })).toBe(0);
      expect(await prisma().auditEvent.count({ where: { rolloutId: r.id, action: 'rollback' } })).toBe(0);
      await until('worker B blocked too', () => blockedIn('worker-kill-b'));
      await locker.query('COMMIT');
      await until('the rollback', async () => (await rollout(r.key)).status === 'rolled_back');
      await new Promise((res) => setTimeout(res, 2_000));
      const counts = await assertRolledBackOnce(r);
      expect(b.exitCode).toBeNull();
      console.log(`[worker] SIGKILL mid-transaction: worker A killed while blocked in "${query.slice(0, 40)}…"; worker B completed it: ${counts.rollbacks} rollback audit row, ${counts.trips} trip; test ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      expect(await stopWorker(b, 'SIGTERM')).toBe(0);
    } finally {
      await locker.end().catch(() => {});
    }
  }, 60_000);

  it('a soak is unchanged across a worker restart: it derives from the stored evaluations', async () => {
    const t0 = Date.now();
    const criterion = { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 1, window: '15m', for: '1h', interval: '1s' };
    const r = await startedRollout({ criteria: [criterion] });
    expect((await pushErrorRate(r.key, 0.4)).status).toBe(201);
    const stored = () => prisma().criterionEvaluation.findMany({ where: { rolloutId: r.id, kind: 'criterion' }, orderBy: { evaluatedAt: 'asc' } });
    const soakOf = async () => {
      const rows = await stored();
      return soak(rows.map((e) => ({ at: e.evaluatedAt, status: e.status as 'pass' })), 3600, new Date(), 900);
    };

    const a = await startWorker('worker-soak-a');
    await until('4 stored evaluations', async () => (await stored()).length >= 4);
    expect(await stopWorker(a, 'SIGTERM')).toBe(0);
    const before = await soakOf();
    const beforeRows = (await stored()).length;
    const readinessBefore = (await getReadinessRoute(r.key, engineer)).body.reasons!.find((x) => x.kind === 'metric')!;
    expect(before.since).not.toBeNull();
    expect(readinessBefore.soak!.since).toBe(before.since!.toISOString());

    // down for a while: no evaluations are made up for the gap
    await new Promise((res) => setTimeout(res, 2_000));
    expect((await stored()).length).toBe(beforeRows);

    const b = await startWorker('worker-soak-b');
    await until('3 more stored evaluations', async () => (await stored()).length >= beforeRows + 3);
    expect(await stopWorker(b, 'SIGTERM')).toBe(0);
    const after = await soakOf();
    const rows = await stored();
    const readinessAfter = (await getReadinessRoute(r.key, engineer)).body.reasons!.find((x) => x.kind === 'metric')!;
    // not reset: the run still starts at the first evaluation; not extended: held is the span of the stored rows
    expect(after.since!.toISOString()).toBe(before.since!.toISOString());
    expect(readinessAfter.soak!.since).toBe(before.since!.toISOString());
    expect(after.heldSeconds).toBeCloseTo((rows[rows.length - 1].evaluatedAt.getTime() - rows[0].evaluatedAt.getTime()) / 1000, 3);
    const gaps = rows.slice(1).map((e, i) => e.evaluatedAt.getTime() - rows[i].evaluatedAt.getTime());
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(2_000);
    expect(new Set(rows.map((e) => String(e.slot))).size).toBe(rows.length);
    console.log(`[worker] soak across a restart: since ${before.since!.toISOString()} kept; held ${before.heldSeconds.toFixed(1)} s → ${after.heldSeconds.toFixed(1)} s over ${rows.length} stored evaluations (restart gap ${(Math.max(...gaps) / 1000).toFixed(1)} s); test ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 60_000);

  it('a worker purges evidence older than the retention (one purge job per hour slot), and keeps the rest', async () => {
    const r = await evidenceRollout();
    const then = new Date(Date.now() - 100 * 86_400_000);
    const items = Array.from({ length: 20 }, (_, i) => ({ metric: 'scan_time', arm: 'baseline', value: i, at: new Date(then.getTime() + i * 60_000).toISOString() }));
    expect((await ingestMetrics(SYSTEM_ACTOR, { key: r.key, items, now: new Date(then.getTime() + 3600_000) })).status).toBe(201);
    expect((await push('metrics', r.key, engineer, { samples: [{ metric: 'scan_time', arm: 'baseline', value: 1, at: new Date().toISOString() }] })).status).toBe(201);
    const count = () => prisma().metricSample.count({ where: { rolloutId: r.id } });
    expect(await count()).toBe(21);
    // earlier tests' workers already ran this hour slot's purge (before this old evidence
    // existed): start a new slot, as the next hour would
    await prisma().$executeRawUnsafe(`DELETE FROM pgboss.job WHERE name = 'purge-evidence'`);
    await prisma().$executeRawUnsafe(`DELETE FROM pgboss.archive WHERE name = 'purge-evidence'`);
    const w = await startWorker('worker-purge');
    await until('the old samples purged', async () => (await count()) === 1);
    expect(await prisma().metricBucket.count({ where: { rolloutId: r.id, start: { lt: new Date(Date.now() - 90 * 86_400_000) } } })).toBe(0);
    const jobs = await prisma().$queryRaw<{ n: bigint }[]>`SELECT count(*)::bigint AS n FROM pgboss.job WHERE name = 'purge-evidence'`;
    expect(Number(jobs[0].n)).toBe(1);
    expect(await stopWorker(w, 'SIGTERM')).toBe(0);
  }, 60_000);
});
