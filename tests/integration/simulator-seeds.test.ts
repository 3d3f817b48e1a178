// The demo simulator (scripts/simulate.ts) against the real REST handlers and a real Postgres:
// its HTTP calls go, unchanged, to the route handlers of /api/v1/tokens and the evidence routes
// (the simulator never touches the database itself). A backfill of a seed rollout lands per
// metric and arm, a re-run stores nothing twice, a later run adds only the windows completed
// since; the trip scenario trips the seed's red flag and the evaluator rolls the rollout back.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { evaluateRollout } from '../../lib/services/evaluate-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { seed } from '../../prisma/seed';
import { floorToWindow, PROFILES, simulate, WINDOW_MS, type Io, type TSimulateOptions } from '../../scripts/simulate';
import * as tokensRoute from '../../app/api/v1/tokens/route';
import * as tokenRoute from '../../app/api/v1/tokens/[id]/route';
import * as metricsRoute from '../../app/api/v1/rollouts/[key]/metrics/route';
import * as comparisonsRoute from '../../app/api/v1/rollouts/[key]/comparisons/route';
import * as readinessRoute from '../../app/api/v1/rollouts/[key]/readiness/route';
import { tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';

const BASE = 'http://switchyard.test';
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
const ROUTES: [RegExp, Record<string, Handler | undefined>, string[]][] = [
  [/^\/api\/v1\/tokens$/, tokensRoute as unknown as Record<string, Handler>, []],
  [/^\/api\/v1\/tokens\/([^/]+)$/, tokenRoute as unknown as Record<string, Handler>, ['id']],
  [/^\/api\/v1\/rollouts\/([^/]+)\/metrics$/, metricsRoute as unknown as Record<string, Handler>, ['key']],
  [/^\/api\/v1\/rollouts\/([^/]+)\/comparisons$/, comparisonsRoute as unknown as Record<string, Handler>, ['key']],
  [/^\/api\/v1\/rollouts\/([^/]+)\/readiness$/, readinessRoute as unknown as Record<string, Handler>, ['key']],
];

/** fetch, served by the app's route handlers (what Next.js would call for these paths) */
const routedFetch = (async (input: string | URL | Request, init?: RequestInit) => {
  const req = new Request(input, init);
  const url = new URL(req.url);
  if (url.origin !== BASE) throw new TypeError(`fetch failed: ${url.origin} is not the app under test`);
  for (const [re, mod, names] of ROUTES) {
    const m = re.exec(url.pathname);
    const handler = m && mod[req.method];
    if (m && handler) return handler(req, { params: Promise.resolve(Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]))) });
  }
  return new Response(JSON.stringify({ title: 'not found' }), { status: 404 });
}) as typeof fetch;

const io = (now: Date, log: string[] = []): Io => ({ fetch: routedFetch, log: (l) => log.push(l), now: () => now, sleep: async () => {} });
const options = (over: Partial<TSimulateOptions>): TSimulateOptions => ({
  url: BASE,
  days: 0.25,
  rollouts: ['market-scan-v2'],
  scenario: 'healthy',
  tripMinutes: 30,
  follow: false,
  ifEmpty: false,
  concurrency: 3,
  waitSeconds: 0,
  ...over,
});
const ADMIN: Actor = { kind: 'user', id: null, name: 'Test Admin', role: 'admin' };

let admin: string;
beforeAll(async () => {
  await setupTestDatabase();
  await seed({ demo: true, log: () => {} });
  admin = await tokenFor('admin');
});

async function storedPerMetric(rolloutId: string): Promise<Record<string, Record<string, number>>> {
  const rows = await prisma().metricSample.groupBy({ by: ['metric', 'arm'], where: { rolloutId }, _count: { _all: true } });
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) (out[r.metric] ??= {})[r.arm] = r._count._all;
  return out;
}
async function duplicates(rolloutId: string): Promise<number> {
  const [{ n }] = await prisma().$queryRaw<{ n: bigint }[]>`SELECT count(*) - count(DISTINCT (metric, arm, at, value)) AS n FROM metric_samples WHERE rollout_id = ${rolloutId}::uuid`;
  return Number(n);
}

describe('simulator backfill over the REST API', () => {
  it('backfills market-scan-v2: every plan metric with both arms and the dual-run comparisons land as sent; a re-run stores nothing; a later run adds only the new windows', async () => {
    const r = await prisma().rollout.findUniqueOrThrow({ where: { key: 'market-scan-v2' } });
    const plan = r.plan as { metrics: { key: string }[] };
    expect(PROFILES['market-scan-v2'].metrics).toEqual(plan.metrics.map((m) => m.key));

    const earlier = new Date(Date.now() - 20 * 60_000);
    const log: string[] = [];
    const first = await simulate(options({ adminToken: admin }), io(earlier, log));
    await first.done;
    const s = first.stats[0];
    const windows = Math.round((floorToWindow(earlier.getTime()) - floorToWindow(earlier.getTime() - 0.25 * 86_400_000) - WINDOW_MS) / WINDOW_MS);
    expect(s.windows).toBe(windows);
    expect(s.metrics).toMatchObject({ added: s.metrics.batches, replayed: 0, kept: 0 });
    expect(s.metrics.stored).toBeGreaterThan(windows * 5 * 2 * 3); // ≥ 3 samples per arm-metric-minute on average (uptime every minute)

    // the data landed: per metric and arm exactly what the simulator says it stored
    const perMetric = await storedPerMetric(r.id);
    expect(perMetric).toEqual(s.metrics.perMetric);
    for (const m of plan.metrics) expect(Object.keys(perMetric[m.key] ?? {}).sort(), m.key).toEqual(['baseline', 'candidate']);
    const comparisons = await prisma().comparison.count({ where: { rolloutId: r.id } });
    expect(comparisons).toBe(s.comparisons.stored);
    expect(comparisons).toBeGreaterThan(windows * 5);
    const categories = await prisma().comparison.groupBy({ by: ['category'], where: { rolloutId: r.id }, _count: { _all: true } });
    expect(categories.map((c) => c.category)).toEqual(expect.arrayContaining([null, 'type_mismatch', 'unexpected_null']));
    // the metrics token it created for itself is revoked at the end
    const tokens = await prisma().apiToken.findMany({ where: { role: 'metrics' } });
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ rolloutKeys: ['market-scan-v2'], revokedAt: expect.any(Date) });
    expect(log.join('\n')).toMatch(/market-scan-v2: \d+ windows — samples [\d,]+ in [\d,]+ batches \([\d,]+ new, 0 already there\)/);

    // the same run again: every batch is replayed, nothing is stored
    const again = await simulate(options({ adminToken: admin }), io(earlier));
    await again.done;
    expect(again.stats[0].metrics).toMatchObject({ batches: s.metrics.batches, added: 0, replayed: s.metrics.batches, stored: 0 });
    expect(again.stats[0].comparisons).toMatchObject({ added: 0, replayed: s.comparisons.batches, stored: 0 });
    expect(await storedPerMetric(r.id)).toEqual(perMetric);
    expect(await prisma().comparison.count({ where: { rolloutId: r.id } })).toBe(comparisons);

    // 20 minutes later: the windows completed since are new, the rest replayed; no sample twice
    const later = await simulate(options({ adminToken: admin }), io(new Date()));
    await later.done;
    const added = later.stats[0].metrics.added;
    expect(added).toBeGreaterThanOrEqual(3);
    expect(added).toBeLessThanOrEqual(5);
    expect(later.stats[0].metrics.kept).toBe(0);
    expect(await prisma().metricSample.count({ where: { rolloutId: r.id } })).toBe(s.metrics.stored + later.stats[0].metrics.stored);
    expect(await duplicates(r.id)).toBe(0);
  });

  it('backfills matching-engine-v1 with match-count pairs, and refuses clearly what it cannot do', async () => {
    const sim = await simulate(options({ adminToken: admin, rollouts: ['matching-engine-v1'], days: 0.5 }), io(new Date()));
    const s = sim.stats[0];
    const r = await prisma().rollout.findUniqueOrThrow({ where: { key: 'matching-engine-v1' } });
    const pairs = await prisma().comparison.findMany({ where: { rolloutId: r.id }, select: { baseline: true, candidate: true, compatible: true } });
    expect(pairs.length).toBe(s.comparisons.stored);
    expect(pairs.length).toBeGreaterThan(50);
    expect(pairs.every((p) => p.compatible === null && p.baseline !== null && p.candidate !== null)).toBe(true);
    expect(await storedPerMetric(r.id)).toEqual(s.metrics.perMetric);
    expect(Object.keys(s.metrics.perMetric.runs)).toEqual(['candidate']); // the plan's arms: [candidate]

    // --if-empty (what `npm run dev` runs): a rollout that holds evidence is left alone, an empty one is backfilled
    const log: string[] = [];
    const once = await simulate(options({ adminToken: admin, rollouts: ['market-scan-v2', 'marketplace-v2'], days: 0.05, ifEmpty: true }), io(new Date(Date.now() - 40 * 60_000), log));
    expect(once.stats.map((x) => [x.rollout, x.skipped ?? null, x.metrics.added > 0])).toEqual([
      ['market-scan-v2', expect.stringMatching(/^it already holds success_rate samples$/), false],
      ['marketplace-v2', null, true],
    ]);
    expect(log).toContain('[simulate] market-scan-v2: it already holds success_rate samples; backfill skipped (--if-empty)');

    await expect(simulate(options({ rollouts: ['market-scan-v2'] }), io(new Date()))).rejects.toThrow(/no token: pass --token/);
    await expect(simulate(options({ adminToken: admin, rollouts: ['nope'] }), io(new Date()))).rejects.toThrow(/no simulator profile for "nope"/);
    await expect(simulate(options({ token: 'not-a-token', rollouts: ['deal-type-awareness'] }), io(new Date()))).rejects.toThrow(/deal-type-awareness: GET …\/readiness answered 401/);
    const viewer = await tokenFor('viewer');
    await expect(simulate(options({ token: viewer, rollouts: ['assignment-pipeline-v3'] }), io(new Date()))).rejects.toThrow(/assignment-pipeline-v3: POST …\/metrics .* refused: 403/);
  });
});

describe('simulator --follow', () => {
  it('after the backfill, pushes each window as it completes — the same batches a later backfill sends, so that one adds nothing twice', async () => {
    const r = await prisma().rollout.findUniqueOrThrow({ where: { key: 'marketplace-v2' } });
    // marketplace-v2 holds evidence up to 40 minutes ago (the test above); a clock that runs 5 minutes per tick from there
    let t = Date.now() - 40 * 60_000;
    const before = await prisma().metricSample.count({ where: { rolloutId: r.id } });
    const log: string[] = [];
    let sim: Awaited<ReturnType<typeof simulate>> | null = null;
    const clock: Io = {
      ...io(new Date(t), log),
      now: () => new Date(t),
      sleep: async () => {
        await new Promise((res) => setTimeout(res, 0));
        if (t + WINDOW_MS > Date.now()) sim?.stop();
        else t += WINDOW_MS;
      },
    };
    sim = await simulate(options({ adminToken: admin, rollouts: ['marketplace-v2'], days: 0.05, follow: true }), clock);
    expect(sim.stats[0].metrics.added).toBe(0); // the backfill part: all there already
    const backfilled = sim.stats[0].metrics.batches;
    await sim.done;
    const followed = sim.stats[0].metrics.added;
    expect(followed).toBeGreaterThanOrEqual(6);
    expect(sim.stats[0].metrics.batches - backfilled).toBe(followed);
    expect(log.filter((l) => l.startsWith('[simulate] window '))).toHaveLength(followed);
    expect(await prisma().metricSample.count({ where: { rolloutId: r.id } })).toBe(before + sim.stats[0].metrics.stored);
    // its token is revoked when it stops
    expect(await prisma().apiToken.count({ where: { role: 'metrics', revokedAt: null } })).toBe(0);

    const later = await simulate(options({ adminToken: admin, rollouts: ['marketplace-v2'], days: 0.05 }), io(new Date()));
    expect(later.stats[0].metrics.added).toBeLessThanOrEqual(1);
    expect(later.stats[0].metrics.kept).toBe(0);
    expect(await duplicates(r.id)).toBe(0);
  });
});

describe('simulator trip scenario and the evaluator', () => {
  it('trip:assignment-pipeline-v3 trips production full mode\'s "success rate below 90 %" red flag (3 evaluations) and the rollout rolls back by itself, once; the healthy series before it does not', async () => {
    const key = 'assignment-pipeline-v3';
    const step = async (action: 'start' | 'promote') => {
      const { version } = await prisma().rollout.findUniqueOrThrow({ where: { key } });
      // past the gates (checklists, staging evidence) as an admin would
      await transitionRollout(ADMIN, { key, action, expectedVersion: version, reason: 'simulator test', override: true });
    };
    await step('start');
    await step('promote');
    await step('promote');
    // production full mode, entered four hours ago so that the backfill counts as its evidence
    const r = await prisma().rollout.update({ where: { key }, data: { phaseEnteredAt: new Date(Date.now() - 4 * 3_600_000) } });
    expect(r.currentPhaseIndex).toBe(2);
    const minutes = (n: number, from: number) => new Date(from + n * 60_000);

    // healthy history up to an hour ago: four evaluations, nothing trips
    const healthyAt = Date.now() - 60 * 60_000;
    const healthy = await simulate(options({ adminToken: admin, rollouts: [key], days: 0.1 }), io(new Date(healthyAt)));
    expect(healthy.stats[0].metrics.added).toBeGreaterThan(20);
    for (const k of [0, 1, 2, 3]) expect((await evaluateRollout(r.id, minutes(k, healthyAt))).trips).toEqual([]);
    expect((await prisma().rollout.findUniqueOrThrow({ where: { key } })).status).toBe('active');

    // now the trip: the coordinator's last 30 minutes go bad; the windows before are new and healthy
    const now = Date.now();
    const sim = await simulate(options({ adminToken: admin, rollouts: [key], days: 0.1, scenario: `trip:${key}`, tripMinutes: 30 }), io(new Date(now)));
    expect(sim.stats[0].metrics).toMatchObject({ kept: 0 });
    expect(sim.stats[0].metrics.added).toBeGreaterThanOrEqual(11);
    const first = await evaluateRollout(r.id, minutes(0, now));
    expect(first.trips).toEqual([]); // 1 of 3 failing evaluations
    expect((await evaluateRollout(r.id, minutes(1, now))).trips).toEqual([]);
    const third = await evaluateRollout(r.id, minutes(2, now));
    // both critical rollback flags (success rate < 90 %, manual review > 5 %) go bad together in this
    // scenario; whichever the evaluator takes first rolls back, and the other finds it done
    expect(third.trips).toEqual([expect.objectContaining({ outcome: 'applied' })]);
    expect(await evaluateRollout(r.id, minutes(3, now))).toMatchObject({ trips: [] });

    expect((await prisma().rollout.findUniqueOrThrow({ where: { key } })).status).toBe('rolled_back');
    const rollbacks = await prisma().auditEvent.findMany({ where: { rolloutId: r.id, action: 'rollback' } });
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]).toMatchObject({ actorType: 'system', fromStatus: 'active', toStatus: 'rolled_back' });
    expect(rollbacks[0].actorName).toMatch(/^red flag: (success_rate|manual_review\w*)$/);
    expect(rollbacks[0].reason).toMatch(/^red flag \(critical, rollback\): (Success rate candidate \d+(\.\d+)? % < 90 %|Manual review rate candidate \d+(\.\d+)? % > 5 %) for 3 evaluations$/);
  });
});
