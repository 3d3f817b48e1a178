// Size limits (issue 7, defects 8 and 9): bodies are capped before they are read whole; strings,
// flags, phases and values have documented maxima (lib/limits.ts); a 2,000-flag plan is created.
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { LIMITS } from '../../lib/limits';
import { ensureEnvironments, marketScanPlan, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import * as rolloutsRoute from '../../app/api/v1/rollouts/route';
import * as rolloutRoute from '../../app/api/v1/rollouts/[key]/route';
import * as actionRoute from '../../app/api/v1/rollouts/[key]/[action]/route';

let admin = '';

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  admin = await tokenFor('admin');
});

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function post(handler: Handler, body: BodyInit, headers: Record<string, string> = {}, params: Record<string, string> = {}) {
  const req = new Request('http://test/api/v1/rollouts', {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const res = await handler(req, { params: Promise.resolve(params) });
  return { status: res.status, body: await res.json() };
}

const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path);

/** a plan with `n` boolean flags, each switched on by its one phase */
function bigPlan(n: number) {
  const key = uniq('big');
  const prefix = key.replace(/-/g, '_').toUpperCase();
  const flags = Array.from({ length: n }, (_, i) => ({ key: `${prefix}_F${i}`, type: 'boolean', baseline: false }));
  return {
    key,
    name: 'Many flags',
    flags,
    phases: [
      { key: 'half', name: 'Half on', flags: Object.fromEntries(flags.filter((_, i) => i % 2 === 0).map((f) => [f.key, true])) },
      { key: 'all', name: 'All on', flags: Object.fromEntries(flags.map((f) => [f.key, true])) },
    ],
  };
}

describe('request body size', () => {
  it('a Content-Length over the cap is a 413 before the body is read', async () => {
    let pulled = 0;
    const stream = new ReadableStream({
      pull(c) {
        pulled++;
        c.enqueue(new TextEncoder().encode(' '));
      },
    });
    const r = await post(rolloutsRoute.POST as Handler, stream, { 'content-length': String(20 * 1024 * 1024) });
    expect(r.status).toBe(413);
    expect(r.body.detail).toMatch(/1 MiB|1048576/);
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it('a body with no Content-Length is counted while it streams and cut off past the cap', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream({
      pull(c) {
        if (sent >= 20 * 1024 * 1024) return c.close();
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    const before = await prisma().rollout.count();
    const r = await post(rolloutsRoute.POST as Handler, stream);
    expect(r.status).toBe(413);
    // it stopped reading soon after the cap, not at the end of the 20 MB
    expect(sent).toBeLessThan(LIMITS.bodyBytes + 4 * chunk.length);
    expect(await prisma().rollout.count()).toBe(before);
  });

  it('a plan just under the cap is read (and judged on its content)', async () => {
    const { plan } = marketScanPlan();
    const padded = JSON.stringify(plan) + ' '.repeat(LIMITS.bodyBytes - JSON.stringify(plan).length);
    expect(Buffer.byteLength(padded)).toBe(LIMITS.bodyBytes);
    const r = await post(rolloutsRoute.POST as Handler, padded);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
});

describe('string, count and value limits', () => {
  it('over-long names, descriptions, keys and reasons are 400s by path', async () => {
    const { plan } = marketScanPlan();
    const r = await post(
      rolloutsRoute.POST as Handler,
      JSON.stringify({
        ...plan,
        name: 'n'.repeat(LIMITS.nameLength + 1),
        description: 'd'.repeat(LIMITS.descriptionLength + 1),
        owner: 'o'.repeat(LIMITS.nameLength + 1),
        phases: [{ ...plan.phases[0], key: 'k'.repeat(LIMITS.keyLength + 1) }, ...plan.phases.slice(1)],
      }),
    );
    expect(r.status).toBe(400);
    expect(paths(r.body)).toEqual(expect.arrayContaining(['name', 'description', 'owner', 'phases[0].key']));
  });

  it('a flag value over the serialized-size cap is a plan error by path', async () => {
    const { plan, flag } = marketScanPlan();
    const big = 'x'.repeat(LIMITS.valueBytes);
    const r = await post(
      rolloutsRoute.POST as Handler,
      JSON.stringify({
        ...plan,
        flags: [{ key: flag, type: 'json', baseline: { big } }],
        phases: [{ key: 'one', name: 'One', flags: { [flag]: [big] } }],
      }),
    );
    expect(r.status).toBe(400);
    expect(paths(r.body)).toEqual(['flags[0].baseline', `phases[0].flags.${flag}`]);
    expect(r.body.detail).toMatch(/8 KiB/);
  });

  it('more flags or phases than the caps are refused', async () => {
    const many = bigPlan(LIMITS.flagsPerPlan + 1);
    many.phases = many.phases.slice(0, 1);
    many.phases[0].flags = {};
    const r = await post(rolloutsRoute.POST as Handler, JSON.stringify(many));
    expect(r.status).toBe(400);
    expect(paths(r.body)).toContain('flags');
    const { plan } = marketScanPlan();
    const phases = Array.from({ length: LIMITS.phasesPerPlan + 1 }, (_, i) => ({ key: `p${i}`, name: `P${i}`, flags: {} }));
    const p = await post(rolloutsRoute.POST as Handler, JSON.stringify({ ...plan, phases }));
    expect(p.status).toBe(400);
    expect(paths(p.body)).toEqual(['phases']);
  });
});

describe('a 2,000-flag plan', () => {
  it('is created, started and promoted within the transaction timeouts', async () => {
    const plan = bigPlan(2000);
    const t0 = Date.now();
    const r = await post(rolloutsRoute.POST as Handler, JSON.stringify(plan));
    expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(201);
    expect(r.body.flags).toHaveLength(2000);
    const values = await prisma().flagValue.count({ where: { flag: { rollout: { key: plan.key } } } });
    expect(values).toBe(2000 * 2);
    const startedAt = Date.now();
    const s = await post(actionRoute.POST as Handler, JSON.stringify({ reason: 'go', expectedVersion: 1 }), {}, { key: plan.key, action: 'start' });
    expect(s.status, JSON.stringify(s.body).slice(0, 500)).toBe(200);
    const p = await post(actionRoute.POST as Handler, JSON.stringify({ reason: 'all', expectedVersion: 2 }), {}, { key: plan.key, action: 'promote' });
    expect(p.status, JSON.stringify(p.body).slice(0, 500)).toBe(200);
    console.log(`2,000 flags: create ${startedAt - t0} ms, start + promote ${Date.now() - startedAt} ms`);
    const detail = await (rolloutRoute.GET as Handler)(
      new Request(`http://test/api/v1/rollouts/${plan.key}`, { headers: { authorization: `Bearer ${admin}` } }),
      { params: Promise.resolve({ key: plan.key }) },
    );
    const body = await detail.json();
    expect(body.flags.every((f: { environments: Record<string, { value: unknown }> }) => Object.values(f.environments).every((e) => e.value === true))).toBe(true);
  }, 60_000);
});
