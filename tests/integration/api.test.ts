// Every REST route × {no token, viewer, engineer, approver, admin, flags token}: the status the
// issue specifies, and no write when a call is refused. Route handlers are called directly
// with real Request objects against a real (template-cloned) database.
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { ensureEnvironments, marketScanPlan, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import * as rolloutsRoute from '../../app/api/v1/rollouts/route';
import * as rolloutRoute from '../../app/api/v1/rollouts/[key]/route';
import * as actionRoute from '../../app/api/v1/rollouts/[key]/[action]/route';
import * as auditRoute from '../../app/api/v1/rollouts/[key]/audit/route';
import * as tokensRoute from '../../app/api/v1/tokens/route';
import * as tokenRoute from '../../app/api/v1/tokens/[id]/route';
import * as envRoute from '../../app/api/v1/environments/route';

type Who = 'none' | 'viewer' | 'approver' | 'engineer' | 'admin' | 'flags';
const tokens: Partial<Record<Who, string>> = {};

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  for (const role of ['viewer', 'approver', 'engineer', 'admin'] as const) tokens[role] = await tokenFor(role);
  tokens.flags = await tokenFor('flags', 'production');
});

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(handler: Handler, who: Who, opts: { method?: string; params?: Record<string, string>; body?: unknown; path?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (who !== 'none') headers.authorization = `Bearer ${tokens[who]}`;
  const req = new Request(`http://test${opts.path ?? '/api/v1/x'}`, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
}

async function snapshot() {
  return {
    rollouts: await prisma().rollout.count(),
    audit: await prisma().auditEvent.count(),
    tokens: await prisma().apiToken.count(),
    envs: await prisma().environment.count(),
    versions: (await prisma().rollout.findMany({ select: { key: true, version: true }, orderBy: { key: 'asc' } })).map((r) => `${r.key}@${r.version}`),
  };
}

async function draftRollout() {
  const { plan } = marketScanPlan();
  const res = await call(rolloutsRoute.POST as Handler, 'admin', { method: 'POST', body: plan });
  expect(res.status).toBe(201);
  return plan.key;
}

const READERS: Who[] = ['viewer', 'approver', 'engineer', 'admin'];

describe('authentication and authorization on every route', () => {
  it('GET /api/v1/rollouts: 401 without a token, 403 for a flags token, 200 for every management role', async () => {
    await draftRollout();
    expect((await call(rolloutsRoute.GET as Handler, 'none')).status).toBe(401);
    expect((await call(rolloutsRoute.GET as Handler, 'flags')).status).toBe(403);
    for (const who of READERS) {
      const r = await call(rolloutsRoute.GET as Handler, who);
      expect(r.status, who).toBe(200);
      expect(r.body.rollouts.length).toBeGreaterThan(0);
      expect(r.body.rollouts[0]).toHaveProperty('currentPhase');
    }
  });

  it('an unknown token is 401 (not treated as anonymous), with a problem+json body', async () => {
    const req = new Request('http://test/api/v1/rollouts', { headers: { authorization: 'Bearer sy_not-a-real-token' } });
    const res = await (rolloutsRoute.GET as Handler)(req, { params: Promise.resolve({}) });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()).detail).toMatch(/unknown or revoked/);
  });

  it('POST /api/v1/rollouts: 401/403 write nothing; engineer and admin create (201)', async () => {
    const before = await snapshot();
    expect((await call(rolloutsRoute.POST as Handler, 'none', { method: 'POST', body: marketScanPlan().plan })).status).toBe(401);
    for (const who of ['viewer', 'approver', 'flags'] as Who[]) {
      const r = await call(rolloutsRoute.POST as Handler, who, { method: 'POST', body: marketScanPlan().plan });
      expect(r.status, who).toBe(403);
      expect(r.type).toContain('application/problem+json');
    }
    expect(await snapshot()).toEqual(before);
    for (const who of ['engineer', 'admin'] as Who[]) {
      const r = await call(rolloutsRoute.POST as Handler, who, { method: 'POST', body: marketScanPlan().plan });
      expect(r.status, who).toBe(201);
      expect(r.body.status).toBe('draft');
    }
  });

  it('POST /api/v1/rollouts accepts YAML with Content-Type: application/yaml and reports bad YAML/JSON clearly', async () => {
    const key = uniq('yaml');
    const yaml = `key: ${key}\nname: From YAML\nflags:\n  - key: YAML_${key.replace(/-/g, '_')}\n    type: boolean\n    baseline: false\nphases:\n  - key: on\n    name: On\n    flags: { YAML_${key.replace(/-/g, '_')}: true }\n`;
    const ok = await call(rolloutsRoute.POST as Handler, 'engineer', { method: 'POST', body: yaml, headers: { 'content-type': 'application/yaml' } });
    expect(ok.status).toBe(201);
    expect(ok.body.phases[0].flags).toEqual({ [`YAML_${key.replace(/-/g, '_')}`]: true });
    const badYaml = await call(rolloutsRoute.POST as Handler, 'engineer', { method: 'POST', body: 'key: [unclosed', headers: { 'content-type': 'application/yaml' } });
    expect(badYaml.status).toBe(400);
    expect(badYaml.body.detail).toMatch(/not valid YAML/);
    const badJson = await call(rolloutsRoute.POST as Handler, 'engineer', { method: 'POST', body: '{"key":' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.detail).toMatch(/not valid JSON/);
  });

  it('a bad plan is a 400 listing every problem by path', async () => {
    const r = await call(rolloutsRoute.POST as Handler, 'engineer', {
      method: 'POST',
      body: { key: uniq('bad'), name: 'Bad', flags: [{ key: 'B_FLAG', type: 'boolean', baseline: 'yes' }], phases: [{ key: 'a', name: 'A', flags: { ENGINE: 1 } }] },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'flags[0].baseline', message: expect.stringMatching(/true or false/) },
        { path: 'phases[0].flags.ENGINE', message: 'unknown flag' },
      ]),
    );
  });

  it('GET /api/v1/rollouts/{key} and /audit: 401, 403 (flags), 200 for readers, 404 for an unknown key', async () => {
    const key = await draftRollout();
    for (const h of [rolloutRoute.GET, auditRoute.GET] as Handler[]) {
      expect((await call(h, 'none', { params: { key } })).status).toBe(401);
      expect((await call(h, 'flags', { params: { key } })).status).toBe(403);
      for (const who of READERS) expect((await call(h, who, { params: { key } })).status, who).toBe(200);
      const missing = await call(h, 'viewer', { params: { key: 'no-such-rollout' } });
      expect(missing.status).toBe(404);
      expect(missing.type).toContain('application/problem+json');
    }
    const detail = await call(rolloutRoute.GET as Handler, 'viewer', { params: { key } });
    expect(detail.body).toMatchObject({ key, status: 'draft', version: 1, currentPhase: null });
    expect(detail.body.phases[0]).toMatchObject({ key: 'dual', name: 'Dual mode monitoring', status: 'pending' });
    expect(detail.body.flags[0]).toMatchObject({ type: 'string', baseline: 'v1', value: 'v1' });
    const audit = await call(auditRoute.GET as Handler, 'viewer', { params: { key } });
    expect(audit.body.events.map((e: { action: string }) => e.action)).toEqual(['create']);
  });

  it('POST /api/v1/rollouts/{key}/{action}: 401/403 write nothing; engineer/admin 200; 409 stale; 400 bad body; 404 unknown action', async () => {
    const key = await draftRollout();
    const before = await snapshot();
    const body = { reason: 'go', expectedVersion: 1 };
    expect((await call(actionRoute.POST as Handler, 'none', { method: 'POST', params: { key, action: 'start' }, body })).status).toBe(401);
    for (const who of ['viewer', 'approver', 'flags'] as Who[]) {
      expect((await call(actionRoute.POST as Handler, who, { method: 'POST', params: { key, action: 'start' }, body })).status, who).toBe(403);
    }
    expect(await snapshot()).toEqual(before);

    const started = await call(actionRoute.POST as Handler, 'engineer', { method: 'POST', params: { key, action: 'start' }, body });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'active', version: 2, currentPhase: { key: 'dual', index: 0 } });

    const stale = await call(actionRoute.POST as Handler, 'admin', { method: 'POST', params: { key, action: 'promote' }, body });
    expect(stale.status).toBe(409);
    expect(stale.type).toContain('application/problem+json');
    expect(stale.body).toMatchObject({ status: 409, currentVersion: 2, currentStatus: 'active' });

    const forbidden = await call(actionRoute.POST as Handler, 'admin', { method: 'POST', params: { key, action: 'resume' }, body: { reason: 'x', expectedVersion: 2 } });
    expect(forbidden.status).toBe(409);
    expect(forbidden.body.detail).toMatch(/cannot resume/);

    const noReason = await call(actionRoute.POST as Handler, 'admin', { method: 'POST', params: { key, action: 'promote' }, body: { expectedVersion: 2 } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([{ path: 'reason', message: expect.any(String) }]);

    const unknown = await call(actionRoute.POST as Handler, 'admin', { method: 'POST', params: { key, action: 'explode' }, body: { reason: 'x', expectedVersion: 2 } });
    expect(unknown.status).toBe(404);

    const rb = await call(actionRoute.POST as Handler, 'admin', { method: 'POST', params: { key, action: 'rollback' }, body: { reason: 'back', expectedVersion: 2, to: 'baseline' } });
    expect(rb.status).toBe(200);
    expect(rb.body).toMatchObject({ status: 'rolled_back', version: 3, currentPhase: null });
  });

  it('POST/GET /api/v1/tokens: admin only; the secret is returned once and only its hash is stored', async () => {
    const before = await snapshot();
    expect((await call(tokensRoute.POST as Handler, 'none', { method: 'POST', body: { name: 'ci', role: 'engineer' } })).status).toBe(401);
    for (const who of ['viewer', 'approver', 'engineer', 'flags'] as Who[]) {
      expect((await call(tokensRoute.POST as Handler, who, { method: 'POST', body: { name: 'ci', role: 'engineer' } })).status, who).toBe(403);
      expect((await call(tokensRoute.GET as Handler, who)).status, who).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
    const created = await call(tokensRoute.POST as Handler, 'admin', { method: 'POST', body: { name: 'ci', role: 'engineer' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^sy_/);
    const stored = await prisma().apiToken.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(stored.tokenHash).not.toContain(created.body.token);
    expect(JSON.stringify(stored)).not.toContain(created.body.token);
    const list = await call(tokensRoute.GET as Handler, 'admin');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    // the new token works
    tokens.engineer = created.body.token;
    expect((await call(rolloutsRoute.GET as Handler, 'engineer')).status).toBe(200);
    // a flags token needs an environment
    const bad = await call(tokensRoute.POST as Handler, 'admin', { method: 'POST', body: { name: 'f', role: 'flags' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('environment');
  });

  it('DELETE /api/v1/tokens/{id}: admin only; a revoked token is refused at once; revoking twice is a 409', async () => {
    const created = await call(tokensRoute.POST as Handler, 'admin', { method: 'POST', body: { name: 'to-revoke', role: 'viewer' } });
    const id = created.body.id as string;
    const victim = created.body.token as string;
    const before = await snapshot();
    expect((await call(tokenRoute.DELETE as Handler, 'none', { method: 'DELETE', params: { id } })).status).toBe(401);
    for (const who of ['viewer', 'approver', 'engineer', 'flags'] as Who[]) {
      expect((await call(tokenRoute.DELETE as Handler, who, { method: 'DELETE', params: { id } })).status, who).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
    const listWith = (t: string) => rolloutsRoute.GET(new Request('http://test/api/v1/rollouts', { headers: { authorization: `Bearer ${t}` } }), { params: Promise.resolve({}) });
    expect((await listWith(victim)).status).toBe(200);
    const r = await call(tokenRoute.DELETE as Handler, 'admin', { method: 'DELETE', params: { id } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, name: 'to-revoke' });
    expect((await listWith(victim)).status).toBe(401);
    expect(await prisma().auditEvent.count({ where: { action: 'token.revoke' } })).toBe(1);
    expect((await call(tokenRoute.DELETE as Handler, 'admin', { method: 'DELETE', params: { id } })).status).toBe(409);
    expect((await call(tokenRoute.DELETE as Handler, 'admin', { method: 'DELETE', params: { id: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
    const bad = await call(tokenRoute.DELETE as Handler, 'admin', { method: 'DELETE', params: { id: 'nope' } });
    expect(bad.status).toBe(400);
    expect(await prisma().auditEvent.count({ where: { action: 'token.revoke' } })).toBe(1);
  });

  it('GET/POST /api/v1/environments: readers list, only admin creates', async () => {
    for (const who of READERS) expect((await call(envRoute.GET as Handler, who)).status, who).toBe(200);
    expect((await call(envRoute.GET as Handler, 'none')).status).toBe(401);
    const before = await snapshot();
    for (const who of ['viewer', 'approver', 'engineer', 'flags'] as Who[]) {
      expect((await call(envRoute.POST as Handler, who, { method: 'POST', body: { key: 'qa' } })).status, who).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
    const key = await draftRollout();
    const r = await call(envRoute.POST as Handler, 'admin', { method: 'POST', body: { key: 'qa', name: 'QA' } });
    expect(r.status).toBe(201);
    // the new environment immediately has every flag at its current value
    const detail = await call(rolloutRoute.GET as Handler, 'viewer', { params: { key } });
    expect(detail.body.flags[0].environments.qa).toEqual({ value: 'v1', phaseKey: null });
    expect((await call(envRoute.POST as Handler, 'admin', { method: 'POST', body: { key: 'qa' } })).status).toBe(409);
  });
});

describe('GET /api/v1/environments/{env}', () => {
  it('lists every flag with its value in that environment and the phase that set it', async () => {
    const envFlags = await import('../../app/api/v1/environments/[env]/route');
    const { plan, flag } = marketScanPlan();
    await call(rolloutsRoute.POST as Handler, 'admin', { method: 'POST', body: plan });
    await call(actionRoute.POST as Handler, 'admin', { method: 'POST', params: { key: plan.key, action: 'start' }, body: { reason: 'go', expectedVersion: 1 } });
    const r = await call(envFlags.GET as Handler, 'viewer', { params: { env: 'production' } });
    expect(r.status).toBe(200);
    expect(r.body.flags.find((f: { key: string }) => f.key === flag)).toMatchObject({ value: 'dual', phaseKey: 'dual', baseline: 'v1', rollout: { key: plan.key, status: 'active' } });
    expect((await call(envFlags.GET as Handler, 'none', { params: { env: 'production' } })).status).toBe(401);
    expect((await call(envFlags.GET as Handler, 'flags', { params: { env: 'production' } })).status).toBe(403);
    expect((await call(envFlags.GET as Handler, 'viewer', { params: { env: 'mars' } })).status).toBe(404);
  });
});
