// Database down for a while under load: the real REST route handlers answer every read and write
// with 503 + Retry-After (problem+json, a clear detail) within a bounded time — no 500, no hang —
// and recover on their own, with the same Prisma client, when Postgres returns. Runs its own
// embedded Postgres (the shared test server is never stopped).
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPrisma, prisma, setPrisma } from '../../lib/db';
import * as healthRoute from '../../app/api/health/route';
import * as rolloutsRoute from '../../app/api/v1/rollouts/route';
import * as rolloutRoute from '../../app/api/v1/rollouts/[key]/route';
import * as actionRoute from '../../app/api/v1/rollouts/[key]/[action]/route';
import { ensureEnvironments, marketScanPlan, tokenFor } from '../factories/rollouts';
import { startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

let pg: OwnPostgres;
let token: string;
const keys: string[] = [];

async function call(handler: Handler, opts: { method?: string; params?: Record<string, string>; body?: unknown } = {}) {
  const req = new Request('http://test/api/v1/x', {
    method: opts.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const t0 = Date.now();
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return {
    status: res.status,
    ms: Date.now() - t0,
    type: res.headers.get('content-type') ?? '',
    retryAfter: res.headers.get('retry-after'),
    body: text ? JSON.parse(text) : null,
  };
}
type Answer = Awaited<ReturnType<typeof call>>;

beforeAll(async () => {
  pg = await startOwnPostgres('db-outage');
  setPrisma(createPrisma(pg.url));
  process.env.DATABASE_URL = pg.url;
  await ensureEnvironments();
  token = await tokenFor('admin');
  for (let i = 0; i < 6; i++) {
    const { plan } = marketScanPlan();
    expect((await call(rolloutsRoute.POST as Handler, { method: 'POST', body: plan })).status).toBe(201);
    expect((await call(actionRoute.POST as Handler, { method: 'POST', params: { key: plan.key, action: 'start' }, body: { reason: 'load', expectedVersion: 1 } })).status).toBe(200);
    keys.push(plan.key);
  }
}, 120_000);

afterAll(async () => {
  // the server first: a client stuck on a failed test's blackhole must not keep it running
  await pg?.destroy();
  await prisma().$disconnect().catch(() => {});
}, 30_000);

/**
 * Workers calling reads (list, detail) and writes (pause/resume with the last version seen,
 * create a rollout) until stopped. Every answer is kept with the time it was sent.
 */
function load(workers = 12) {
  const answers: { at: number; kind: 'read' | 'write'; a: Answer }[] = [];
  let running = true;
  const one = async (w: number) => {
    const key = keys[w % keys.length];
    let version = 2;
    let status = 'active';
    for (let i = 0; running; i++) {
      const at = Date.now();
      const step = i % 4;
      if (step === 0) answers.push({ at, kind: 'read', a: await call(rolloutsRoute.GET as Handler) });
      else if (step === 1) {
        const a = await call(rolloutRoute.GET as Handler, { params: { key } });
        if (a.status === 200) ({ version, status } = a.body);
        answers.push({ at, kind: 'read', a });
      } else if (step === 2 || w % 3 !== 0) {
        const action = status === 'active' ? 'pause' : 'resume';
        const a = await call(actionRoute.POST as Handler, { method: 'POST', params: { key, action }, body: { reason: 'outage load', expectedVersion: version } });
        if (a.status === 200) ({ version, status } = a.body);
        answers.push({ at, kind: 'write', a });
      } else {
        answers.push({ at, kind: 'write', a: await call(rolloutsRoute.POST as Handler, { method: 'POST', body: marketScanPlan().plan }) });
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, w) => one(w)));
  return {
    answers,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const statusesOf = (xs: { a: Answer }[]) => xs.reduce<Record<number, number>>((m, x) => ((m[x.a.status] = (m[x.a.status] ?? 0) + 1), m), {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !done() && Date.now() < deadline; ) await sleep(50);
}

it('answers 503 + Retry-After to every read and write while Postgres is down, never a 500 or a hang, and recovers by itself', async () => {
  const client = prisma();
  expect((await (healthRoute.GET as () => Promise<Response>)()).status).toBe(200);

  const l = load();
  // enough answers from a healthy database first (a loaded CI machine may need a while)
  await until(() => l.answers.filter((x) => x.a.status < 500).length >= 100, 30_000);
  const stopAt = Date.now();
  await pg.stop();
  const downAt = Date.now();
  await sleep(3_000);
  const health = await (healthRoute.GET as () => Promise<Response>)();
  const healthBody = await health.json();
  const restartAt = Date.now();
  await pg.restart();
  const upAt = Date.now();
  // the pool reconnects on its own: wait for the first success, then keep the load going
  let recoveredAt = 0;
  for (const deadline = Date.now() + 15_000; !recoveredAt && Date.now() < deadline; await sleep(50)) {
    const ok = l.answers.find((x) => x.at >= upAt && x.a.status < 500);
    if (ok) recoveredAt = ok.at + ok.a.ms;
  }
  await until(() => l.answers.filter((x) => recoveredAt && x.at >= recoveredAt).length >= 100, 30_000);
  await l.stop();

  const before = l.answers.filter((x) => x.at + x.a.ms < stopAt);
  const during = l.answers.filter((x) => x.at >= downAt && x.at + x.a.ms < restartAt);
  const after = l.answers.filter((x) => recoveredAt && x.at >= recoveredAt);
  const all = statusesOf(l.answers);

  // nothing anywhere — before, while Postgres shut down, during, while it came back — was a 500
  expect(Object.keys(all).map(Number).every((s) => [200, 201, 409, 503].includes(s)), JSON.stringify(all)).toBe(true);
  expect(Object.keys(statusesOf(before)).map(Number).every((s) => s < 500)).toBe(true);
  expect(before.length).toBeGreaterThan(50);

  // during the outage: every read and every write is a 503 problem with Retry-After, answered fast
  expect(during.length).toBeGreaterThan(100);
  expect(statusesOf(during)).toEqual({ 503: during.length });
  for (const { a } of during) {
    expect(a.type).toContain('application/problem+json');
    expect(a.retryAfter).toBe('5');
    expect(a.body).toMatchObject({ status: 503, title: 'Service unavailable', detail: 'the database is unavailable; retry in 5 s', retryAfter: 5 });
    expect(JSON.stringify(a.body)).not.toMatch(/at .*\.ts:\d+|PrismaClient|ECONNREFUSED/);
  }
  expect(during.some((x) => x.kind === 'write') && during.some((x) => x.kind === 'read')).toBe(true);
  const slowest = Math.max(...during.map((x) => x.a.ms));
  expect(slowest).toBeLessThan(4_000);

  // /api/health says so
  expect(health.status).toBe(503);
  expect(health.headers.get('retry-after')).toBe('5');
  expect(healthBody).toMatchObject({ status: 'unavailable', database: 'unreachable' });

  // back without a restart of the app: same client, reads and writes succeed again
  expect(recoveredAt).toBeGreaterThan(0);
  expect(prisma()).toBe(client);
  expect(after.length).toBeGreaterThan(50);
  expect(Object.keys(statusesOf(after)).map(Number).every((s) => s < 500), JSON.stringify(statusesOf(after))).toBe(true);
  expect(after.some((x) => x.kind === 'write' && x.a.status === 200)).toBe(true);
  expect((await (healthRoute.GET as () => Promise<Response>)()).status).toBe(200);

  console.log(
    `[resilience:db-outage] ${l.answers.length} requests by 12 workers; ${during.length} during a ${restartAt - downAt} ms outage, all 503 + Retry-After ` +
      `(slowest ${slowest} ms; ${during.filter((x) => x.kind === 'write').length} writes, ${during.filter((x) => x.kind === 'read').length} reads); ` +
      `Postgres shut down in ${downAt - stopAt} ms; first success ${recoveredAt - upAt} ms after it was back; statuses overall ${JSON.stringify(all)}; 0 × 500`,
  );
}, 120_000);

it('a database that accepts connections but never answers gives a 503 in a few seconds, not a hang', async () => {
  const sockets: net.Socket[] = [];
  const blackhole = net.createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', () => r()));
  const real = prisma();
  const stuck = createPrisma(`postgresql://postgres:postgres@127.0.0.1:${(blackhole.address() as net.AddressInfo).port}/switchyard`);
  setPrisma(stuck);
  try {
    const answers = await Promise.all([
      call(rolloutsRoute.GET as Handler),
      call(actionRoute.POST as Handler, { method: 'POST', params: { key: keys[0], action: 'pause' }, body: { reason: 'stuck', expectedVersion: 2 } }),
    ]);
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.retryAfter).toBe('5');
      expect(a.ms).toBeLessThan(6_000);
    }
    const health = await (healthRoute.GET as () => Promise<Response>)();
    expect(health.status).toBe(503);
    console.log(`[resilience:db-blackhole] a silent database: 503 + Retry-After after ${answers.map((a) => a.ms).join(' / ')} ms`);
  } finally {
    setPrisma(real);
    await stuck.$disconnect().catch(() => {});
    for (const s of sockets) s.destroy();
    blackhole.close();
  }
}, 30_000);
