// Fail static: the flag server keeps answering from its last snapshot while Postgres is down —
// zero 5xx under load — and catches up when it returns. Runs its own embedded Postgres (the
// shared one is never stopped) so it can stop and start the database at will.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { createPrisma, prisma, setPrisma } from '../../lib/db';
import type { FlagServer } from '../../lib/flag-server/server';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres.mjs';
import { migrate } from '../../scripts/migrate.mjs';
import { act, createServingRollout, ensureFlagEnvironments, eventually, flagsToken, post, startTestFlagServer } from '../factories/flags';

const PORT = 54360 + (process.pid % 10);
let dir: string;
let postgres: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let url: string;
let server: FlagServer;
let token: string;
let keys: Awaited<ReturnType<typeof createServingRollout>>['keys'];
let rolloutKey: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'switchyard-flags-fault-'));
  // the shared helper: as root it also places the cluster where the `postgres` user can reach it
  postgres = await startEmbeddedPostgres({ dir, port: PORT });
  expect(postgres.port).toBe(PORT);
  const admin = new pg.Client({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${PORT}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE flags_fault');
  await admin.end();
  url = `postgresql://postgres:postgres@127.0.0.1:${PORT}/flags_fault`;
  await migrate(url, { log: () => {} });
  setPrisma(createPrisma(url));
  await ensureFlagEnvironments();
  ({ keys, rolloutKey } = await createServingRollout());
  await act(rolloutKey, 'start'); // dual
  token = await flagsToken('production');
  server = await startTestFlagServer(url, { pollIntervalMs: 200 });
  await server.store.waitReady();
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (url) await prisma().$disconnect().catch(() => {});
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** N workers hammering single and bulk evaluation until stopped; every answer is recorded */
function load(baseUrl: string, workers = 16) {
  const statuses = new Map<number, number>();
  const engineValues = new Map<string, number>();
  let networkErrors = 0;
  let staleSeen = 0;
  let running = true;
  const one = async (i: number) => {
    while (running) {
      try {
        const bulk = i % 2 === 0;
        const r = await post(baseUrl, bulk ? '/ofrep/v1/evaluate/flags' : `/ofrep/v1/evaluate/flags/${keys.engine}`, token, { context: { targetingKey: `w${i}` } });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.headers.get('x-switchyard-stale')) staleSeen++;
        const v = bulk ? (r.body?.flags as { key: string; value: string }[] | undefined)?.find((f) => f.key === keys.engine)?.value : (r.body?.value as string | undefined);
        if (v !== undefined) engineValues.set(v, (engineValues.get(v) ?? 0) + 1);
      } catch {
        networkErrors++;
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, i) => one(i)));
  return {
    statuses,
    engineValues,
    get networkErrors() {
      return networkErrors;
    },
    get staleSeen() {
      return staleSeen;
    },
    total: () => [...statuses.values()].reduce((a, b) => a + b, 0),
    stop: async () => {
      running = false;
      await done;
    },
  };
}

it('keeps serving the last snapshot with zero 5xx while Postgres is down, and catches up after', async () => {
  const before = load(server.url);
  await new Promise((r) => setTimeout(r, 1_000));
  const revisionBefore = server.store.revisionOf('production');

  await postgres.stop();
  const outageStart = before.total();
  // the store notices (a poll or the LISTEN connection fails)…
  await eventually(async () => !server.store.dbReachable, 5_000);
  // …and nobody else does: 3 s of load against a database that isn't there
  await new Promise((r) => setTimeout(r, 3_000));
  const duringOutage = before.total() - outageStart;
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

  // a replica that starts now has no snapshot: not ready, and it serves no defaults
  const cold = await startTestFlagServer(url, { pollIntervalMs: 200 });
  try {
    await new Promise((r) => setTimeout(r, 500));
    expect((await fetch(`${cold.url}/readyz`)).status).toBe(503);
    expect((await post(cold.url, `/ofrep/v1/evaluate/flags/${keys.engine}`, token, {})).status).toBe(503);

    postgres = await startEmbeddedPostgres({ dir, port: PORT });
    expect(postgres.port).toBe(PORT);
    // the Prisma pool reconnects on its own; wait until the database answers, then change a flag
    await eventually(() => prisma().$queryRaw`SELECT 1`.then(() => true), 20_000, 200);
    await act(rolloutKey, 'promote'); // dual → targeted: BETA becomes an allow-list
    await act(rolloutKey, 'promote'); // → ab (staging only)
    await act(rolloutKey, 'promote'); // → full: v2
    const t0 = Date.now();
    await eventually(async () => (await post(server.url, `/ofrep/v1/evaluate/flags/${keys.engine}`, token, {})).body?.value === 'v2', 10_000, 50);
    const catchUp = Date.now() - t0;

    // the cold replica became ready once Postgres was back and converges on the current values
    // (it may have loaded its first snapshot between two of the promotes above)
    await cold.store.waitReady(10_000);
    await eventually(async () => (await post(cold.url, `/ofrep/v1/evaluate/flags/${keys.engine}`, token, {})).body?.value === 'v2', 5_000, 50);

    await before.stop();
    const statuses = Object.fromEntries(before.statuses);
    // every answer during the whole run — before, during and after the outage — was a 200
    expect(statuses).toEqual({ 200: before.total() });
    expect(before.networkErrors).toBe(0);
    expect(duringOutage).toBeGreaterThan(200);
    expect(before.staleSeen).toBeGreaterThan(0);
    // during the outage the last known value was served (v2 only appears after recovery)
    expect(before.engineValues.get('dual')).toBeGreaterThan(0);
    expect([...before.engineValues.keys()].every((v) => v === 'dual' || v === 'v2')).toBe(true);
    expect(server.store.revisionOf('production')!).toBeGreaterThan(revisionBefore!);
    expect(server.store.dbReachable).toBe(true);
    console.log(`[fault] ${before.total()} requests, ${duringOutage} during a 3 s outage, statuses ${JSON.stringify(statuses)}; caught up ${catchUp} ms after the change`);
  } finally {
    await cold.close();
  }
}, 90_000);
