// The server actions the UI calls go through the same services, so authorization holds for a
// direct call too: a signed-in viewer is refused and nothing is written. Only the session lookup
// (next-auth's cookie reading, which needs a browser request) and Next's request headers are
// replaced; the session row, the user, their role and everything else come from the real database.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { prisma } from '../../lib/db';
import { marketScanPlan, ensureEnvironments } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';

vi.mock('next-auth', async (orig) => (await import('../helpers/browser-session')).mockNextAuth(await orig<object>()));
vi.mock('next/headers', async (orig) => (await import('../helpers/browser-session')).mockNextHeaders(await orig<object>()));

const { signInAs } = await import('../helpers/browser-session');
const { transitionAction, createRolloutAction } = await import('../../lib/actions/rollouts');
const { hashPassword } = await import('../../lib/auth/password');

const users: Record<string, string> = {};

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  const passwordHash = await hashPassword('x');
  for (const role of ['viewer', 'approver', 'engineer'] as const) {
    const u = await prisma().user.create({ data: { email: `${role}@actions.test`, name: `${role} user`, role, passwordHash } });
    users[role] = u.id;
  }
});

async function state(key: string) {
  const r = await prisma().rollout.findUniqueOrThrow({ where: { key } });
  return { version: r.version, status: r.status, audit: await prisma().auditEvent.count({ where: { rolloutId: r.id } }) };
}

describe('server actions', () => {
  it('createRolloutAction: engineer creates from YAML; a viewer is refused; a bad plan lists problems by path', async () => {
    const { plan } = marketScanPlan();
    const yaml = JSON.stringify(plan); // JSON is YAML
    await signInAs(users.viewer);
    const refused = await createRolloutAction(yaml);
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await prisma().rollout.count({ where: { key: plan.key } })).toBe(0);

    await signInAs(users.engineer);
    const bad = await createRolloutAction('key: x\nname: y\nflags: []\nphases: [{ key: a, name: A, flags: { NOPE: 1 } }]');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('bad_request');
      expect(bad.error.errors).toEqual(expect.arrayContaining([{ path: 'flags', message: 'a plan needs at least one flag' }, { path: 'phases[0].flags.NOPE', message: 'unknown flag' }]));
    }
    const unparsable = await createRolloutAction('key: [unclosed');
    expect(unparsable).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    const ok = await createRolloutAction(yaml);
    expect(ok).toEqual({ ok: true, data: { key: plan.key } });
  });

  it('transitionAction: viewer and approver are refused with nothing written; no session is 401; engineer moves it', async () => {
    const { plan } = marketScanPlan();
    await signInAs(users.engineer);
    expect((await createRolloutAction(JSON.stringify(plan))).ok).toBe(true);
    const before = await state(plan.key);

    for (const who of ['viewer', 'approver'] as const) {
      await signInAs(users[who]);
      const r = await transitionAction({ key: plan.key, action: 'start', expectedVersion: 1, reason: 'try' });
      expect(r, who).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    await signInAs(null);
    expect(await transitionAction({ key: plan.key, action: 'start', expectedVersion: 1, reason: 'try' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await state(plan.key)).toEqual(before);

    // a changed role takes effect at once: the role is read from the database on every call
    await prisma().user.update({ where: { id: users.viewer }, data: { role: 'engineer' } });
    await signInAs(users.viewer);
    const started = await transitionAction({ key: plan.key, action: 'start', expectedVersion: 1, reason: 'promoted to engineer' });
    expect(started).toMatchObject({ ok: true, data: { status: 'active', version: 2, currentPhase: { key: 'dual' } } });
    await prisma().user.update({ where: { id: users.viewer }, data: { role: 'viewer' } });
    expect(await transitionAction({ key: plan.key, action: 'pause', expectedVersion: 2, reason: 'demoted again' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    await signInAs(users.engineer);
    const stale = await transitionAction({ key: plan.key, action: 'promote', expectedVersion: 1, reason: 'stale page' });
    expect(stale).toMatchObject({ ok: false, error: { code: 'conflict', currentVersion: 2, currentStatus: 'active' } });
    const bad = await transitionAction({ key: plan.key, action: 'promote', expectedVersion: 2, reason: '   ' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((await state(plan.key)).version).toBe(2);
  });
});
