// The `metrics` token role (issue 8): it may push evidence and read readiness, nothing else; one
// limited to some rollouts pushes (and reads readiness) only for those. Engineers and admins may
// push too; viewers and approvers may not. Refusals store nothing and are in the security log.
import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { createToken } from '../../lib/services/create-token';
import { ensureEnvironments, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { evidenceCounts, evidenceRollout, push, series } from '../helpers/evidence';
import * as readinessRoute from '../../app/api/v1/rollouts/[key]/readiness/route';
import * as actionRoute from '../../app/api/v1/rollouts/[key]/[action]/route';
import * as rolloutRoute from '../../app/api/v1/rollouts/[key]/route';
import * as rolloutsRoute from '../../app/api/v1/rollouts/route';
import * as tokensRoute from '../../app/api/v1/tokens/route';
import * as auditRoute from '../../app/api/v1/rollouts/[key]/audit/route';

const ORIGIN = 'http://localhost:3000';
const sample = () => ({ samples: [{ metric: 'error_rate', arm: 'candidate', value: 0.4, at: new Date().toISOString() }] });
const result = () => ({ results: [{ ref: 'r1', at: new Date().toISOString(), compatible: true }] });

type H = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function call(h: H, token: string, path: string, params: Record<string, string>, init: { method?: string; body?: unknown } = {}) {
  const req = new Request(`${ORIGIN}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const res = await h(req, { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json().catch(() => null)) as { detail?: string; errors?: unknown[] } | null };
}

let metrics: string;

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  metrics = await tokenFor('metrics');
});

describe('a metrics token', () => {
  it('pushes metrics and comparisons and reads readiness', async () => {
    const r = await evidenceRollout();
    expect((await push('metrics', r.key, metrics, sample())).status).toBe(201);
    expect((await push('comparisons', r.key, metrics, result())).status).toBe(201);
    const rd = await call(readinessRoute.GET as H, metrics, `/api/v1/rollouts/${r.key}/readiness`, { key: r.key });
    expect(rd.status).toBe(200);
    expect(await evidenceCounts(r.id)).toMatchObject({ samples: 1, comparisons: 1 });
  });

  it('cannot promote, read the rollout, its audit, its evidence series, the list, or manage tokens (403, nothing written, logged)', async () => {
    const r = await evidenceRollout();
    const before = await prisma().rollout.findUniqueOrThrow({ where: { key: r.key } });
    const logBefore = await prisma().securityEvent.count({ where: { type: 'authz.denied' } });
    const refused = [
      await call(actionRoute.POST as H, metrics, `/api/v1/rollouts/${r.key}/start`, { key: r.key, action: 'start' }, { method: 'POST', body: { expectedVersion: 1, reason: 'sneaky' } }),
      await call(rolloutRoute.GET as H, metrics, `/api/v1/rollouts/${r.key}`, { key: r.key }),
      await call(auditRoute.GET as H, metrics, `/api/v1/rollouts/${r.key}/audit`, { key: r.key }),
      await call(rolloutsRoute.GET as H, metrics, '/api/v1/rollouts', {}),
      await call(tokensRoute.POST as H, metrics, '/api/v1/tokens', {}, { method: 'POST', body: { name: uniq('x'), role: 'admin' } }),
      await series('metrics', r.key, metrics, { metric: 'error_rate' }),
      await series('comparisons', r.key, metrics, {}),
    ];
    expect(refused.map((x) => x.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
    expect(refused[0].body?.detail).toMatch(/role "metrics" may not rollout: transition/);
    const after = await prisma().rollout.findUniqueOrThrow({ where: { key: r.key } });
    expect({ status: after.status, version: after.version }).toEqual({ status: before.status, version: before.version });
    expect(await prisma().securityEvent.count({ where: { type: 'authz.denied' } })).toBeGreaterThanOrEqual(logBefore + refused.length);
  });

  it('limited to rollout A: pushes to A, is refused for B (403, nothing stored) and reads only A\'s readiness', async () => {
    const a = await evidenceRollout();
    const b = await evidenceRollout();
    const limited = await createToken(SYSTEM_ACTOR, { name: uniq('pusher'), role: 'metrics', rollouts: [a.key] });
    expect(limited.rollouts).toEqual([a.key]);
    expect((await push('metrics', a.key, limited.token, sample())).status).toBe(201);
    const toB = await push('metrics', b.key, limited.token, sample());
    expect(toB.status).toBe(403);
    expect(toB.body.detail).toBe(`this token may only push evidence for rollout "${a.key}", not "${b.key}"`);
    expect((await push('comparisons', b.key, limited.token, result())).status).toBe(403);
    // an unknown key is refused the same way: a limited token cannot probe for other rollouts
    expect((await push('metrics', 'no-such-rollout', limited.token, sample())).status).toBe(403);
    expect(await evidenceCounts(b.id)).toMatchObject({ samples: 0, comparisons: 0 });
    expect((await call(readinessRoute.GET as H, limited.token, `/api/v1/rollouts/${a.key}/readiness`, { key: a.key })).status).toBe(200);
    expect((await call(readinessRoute.GET as H, limited.token, `/api/v1/rollouts/${b.key}/readiness`, { key: b.key })).status).toBe(403);
  });

  it('"rollouts" is only for metrics tokens, and names existing rollouts', async () => {
    const admin = await tokenFor('admin');
    const a = await evidenceRollout();
    const wrongRole = await call(tokensRoute.POST as H, admin, '/api/v1/tokens', {}, { method: 'POST', body: { name: uniq('x'), role: 'engineer', rollouts: [a.key] } });
    expect(wrongRole.status).toBe(400);
    expect(wrongRole.body?.errors).toEqual([{ path: 'rollouts', message: 'only a "metrics" token is limited to rollouts' }]);
    const unknown = await call(tokensRoute.POST as H, admin, '/api/v1/tokens', {}, { method: 'POST', body: { name: uniq('x'), role: 'metrics', rollouts: [a.key, 'nope'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body?.detail).toBe('rollouts: no rollout with key "nope"');
  });
});

describe('who else may push', () => {
  it('engineers and admins may; viewers and approvers may not (403); the flags token may not', async () => {
    const r = await evidenceRollout();
    const got: Record<string, number> = {};
    for (const role of ['engineer', 'admin', 'viewer', 'approver'] as const) got[role] = (await push('metrics', r.key, await tokenFor(role), sample())).status;
    got.flags = (await push('metrics', r.key, await tokenFor('flags', 'production'), sample())).status;
    expect(got).toEqual({ engineer: 201, admin: 201, viewer: 403, approver: 403, flags: 403 });
    expect((await evidenceCounts(r.id)).samples).toBe(2);
    // and anyone who may read the rollout may read its series
    expect((await series('metrics', r.key, await tokenFor('viewer'), { metric: 'error_rate' })).status).toBe(200);
  });
});
