// The five seed runbooks, loaded by the real seed step, driven end to end over the REST API:
// every phase in order to completed, each environment serving exactly the phase's state vector,
// then an emergency rollback to baseline.
import { beforeAll, describe, expect, it } from 'vitest';
import { flagStateFor } from '../../lib/domain/flag-state';
import { prisma } from '../../lib/db';
import { DEMO_USERS, seed } from '../../prisma/seed';
import { verifyPassword } from '../../lib/auth/password';
import * as actionRoute from '../../app/api/v1/rollouts/[key]/[action]/route';
import * as rolloutRoute from '../../app/api/v1/rollouts/[key]/route';
import { tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';

const SEEDS = ['assignment-pipeline-v3', 'deal-type-awareness', 'market-scan-v2', 'marketplace-v2', 'matching-engine-v1'];
let token = '';

beforeAll(async () => {
  // the first admin user for installs without demo data (read once, by the seed's env())
  process.env.SWITCHYARD_ADMIN_EMAIL = 'Ops@Example.com';
  process.env.SWITCHYARD_ADMIN_PASSWORD = 'correct horse battery';
  await setupTestDatabase();
  await seed({ demo: true, log: () => {} });
  token = await tokenFor('admin');
});

type Detail = {
  status: string;
  version: number;
  currentPhase: { key: string; index: number } | null;
  environments: string[];
  phases: { key: string; minDurationSeconds: number; environments: string[]; flags: Record<string, unknown> }[];
  flags: { key: string; baseline: unknown; environments: Record<string, { value: unknown; phaseKey: string | null }> }[];
};

async function get(key: string): Promise<Detail> {
  const res = await rolloutRoute.GET(new Request(`http://test/api/v1/rollouts/${key}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ key }) });
  expect(res.status).toBe(200);
  return (await res.json()) as Detail;
}

async function actRaw(key: string, action: string, expectedVersion: number, extra: Record<string, unknown> = {}): Promise<{ status: number; body: unknown }> {
  const res = await actionRoute.POST(
    new Request(`http://test/api/v1/rollouts/${key}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: `seed walk: ${action}`, expectedVersion, ...extra }),
    }),
    { params: Promise.resolve({ key, action }) },
  );
  return { status: res.status, body: await res.json() };
}

async function act(key: string, action: string, expectedVersion: number, extra: Record<string, unknown> = {}): Promise<Detail> {
  const res = await actionRoute.POST(
    new Request(`http://test/api/v1/rollouts/${key}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: `seed walk: ${action}`, expectedVersion, ...extra }),
    }),
    { params: Promise.resolve({ key, action }) },
  );
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as Detail;
}

/** what each environment serves must be the domain's state vector for the current phase */
function expectServing(r: Detail, phaseIndex: number | null) {
  for (const env of r.environments) {
    const want = flagStateFor(r.flags, r.phases, phaseIndex, env);
    for (const f of r.flags) {
      expect(f.environments[env], `${f.key} in ${env}`).toEqual({ value: want[f.key].value, phaseKey: want[f.key].phaseKey });
    }
  }
}

describe('seed', () => {
  it('loads the five demo rollouts (marketplace-v2 four days into week 1, the others drafts at baseline), and a second run adds nothing', async () => {
    const rows = await prisma().rollout.findMany({ orderBy: { key: 'asc' }, include: { phases: { orderBy: { index: 'asc' } } } });
    expect(rows.map((r) => r.key)).toEqual(SEEDS);
    expect(rows.filter((r) => r.key !== 'marketplace-v2').every((r) => r.status === 'draft' && r.version === 1)).toBe(true);
    const mp = rows.find((r) => r.key === 'marketplace-v2')!;
    expect(mp).toMatchObject({ status: 'active', version: 2, currentPhaseIndex: 0 });
    const days = (Date.now() - mp.phaseEnteredAt!.getTime()) / 86400_000;
    expect(days).toBeGreaterThan(3.9);
    expect(days).toBeLessThan(4.1);
    const start = await prisma().auditEvent.findFirstOrThrow({ where: { rolloutId: mp.id, action: 'start' } });
    expect(start.createdAt).toEqual(mp.phaseEnteredAt);
    expect(start).toMatchObject({ actorType: 'system', reason: 'demo history: week 1 pre-deployment began 4 days ago' });
    const audit = await prisma().auditEvent.count();
    await seed({ demo: true, log: () => {} });
    expect(await prisma().rollout.count()).toBe(5);
    expect(await prisma().auditEvent.count()).toBe(audit);
    expect(await prisma().user.count()).toBe(DEMO_USERS.length + 1);
  });

  it('creates the first admin user from SWITCHYARD_ADMIN_EMAIL/PASSWORD once, with a hashed password', async () => {
    const u = await prisma().user.findUniqueOrThrow({ where: { email: 'ops@example.com' } });
    expect(u.role).toBe('admin');
    expect(u.passwordHash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', u.passwordHash ?? "")).toBe(true);
    await prisma().user.update({ where: { id: u.id }, data: { role: 'viewer' } });
    await seed({ demo: false, log: () => {} });
    // an existing user is left as it is (an admin may have changed it since)
    expect((await prisma().user.findUniqueOrThrow({ where: { id: u.id } })).role).toBe('viewer');
  });

  for (const key of SEEDS) {
    it(`${key}: start, promote through every phase to completed, then roll back to baseline — over REST`, async () => {
      let r = await get(key);
      // marketplace-v2's demo history has it in its first phase already
      if (r.status === 'active') {
        expect(r.currentPhase?.index).toBe(0);
        expectServing(r, 0);
        r = await act(key, 'rollback', r.version, { to: 'baseline' });
      }
      expectServing(r, null);
      // a first phase with a checklist or sign-offs guards the start: refused with its reasons,
      // then overridden by the admin token (recorded as such)
      const startTry = await actRaw(key, 'start', r.version);
      if (startTry.status === 409) {
        expect(startTry.body).toMatchObject({ reasonCode: 'not_ready' });
        expect((startTry.body as { reasons: { gate: string }[] }).reasons.every((x) => x.gate === 'enter')).toBe(true);
        r = await act(key, 'start', r.version, { override: true });
      } else {
        expect(startTry.status).toBe(200);
        r = startTry.body as Detail;
      }
      expect(r.currentPhase?.index).toBe(0);
      expectServing(r, 0);
      for (let i = 1; i < r.phases.length; i++) {
        // each phase's planned minimum has not passed: a promote is refused with the reason,
        // and the admin token overrides the gate (recorded as such)
        const refused = await actRaw(key, 'promote', r.version);
        if (r.phases[i - 1].minDurationSeconds > 0) {
          expect(refused.status).toBe(409);
          expect(refused.body).toMatchObject({ reasonCode: 'not_ready' });
          expect((refused.body as { reasons: unknown[] }).reasons).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'duration', status: 'fail', phase: r.phases[i - 1].key })]));
          r = await act(key, 'promote', r.version, { override: true });
        } else if (refused.status === 409) {
          // no soak, but the next phase's checklist or sign-offs are not done
          expect((refused.body as { reasons: { gate: string }[] }).reasons.every((x) => x.gate === 'enter')).toBe(true);
          r = await act(key, 'promote', r.version, { override: true });
        } else {
          expect(refused.status).toBe(200);
          r = refused.body as Detail;
        }
        expect(r).toMatchObject({ status: 'active', currentPhase: { index: i } });
        expectServing(r, i);
      }
      r = await act(key, 'promote', r.version, { override: true });
      expect(r.status).toBe('completed');
      expectServing(r, r.phases.length - 1);
      r = await act(key, 'rollback', r.version, { to: 'baseline' });
      expect(r).toMatchObject({ status: 'rolled_back', currentPhase: null });
      expectServing(r, null);
      for (const f of r.flags) for (const env of r.environments) expect(f.environments[env].value).toEqual(f.baseline);
    });
  }
});
