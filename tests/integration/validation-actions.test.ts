// The server actions take the same inputs as REST and reach the same validation (issue 7,
// defects 2, 8, 9, 11): they call the same services and schemas, so a hostile plan, reason or
// name is a bad_request naming the field, never a database error. Session lookup and request
// headers are replaced as in actions.test.ts; everything else is real.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { prisma } from '../../lib/db';
import { LIMITS } from '../../lib/limits';
import { ensureEnvironments, marketScanPlan, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';

vi.mock('next-auth', async (orig) => (await import('../helpers/browser-session')).mockNextAuth(await orig<object>()));
vi.mock('next/headers', async (orig) => (await import('../helpers/browser-session')).mockNextHeaders(await orig<object>()));

const { signInAs } = await import('../helpers/browser-session');
const { transitionAction, createRolloutAction } = await import('../../lib/actions/rollouts');
const { createEnvironmentAction } = await import('../../lib/actions/environments');
const { hashPassword } = await import('../../lib/auth/password');

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  const u = await prisma().user.create({ data: { email: 'admin@validation-actions.test', name: 'admin', role: 'admin', passwordHash: await hashPassword('x') } });
  await signInAs(u.id);
});

const errorsOf = (r: { ok: boolean; error?: { code: string; errors?: unknown } }) => {
  expect(r.ok).toBe(false);
  expect(r.error?.code).toBe('bad_request');
  return r.error?.errors as { path: string; message: string }[];
};

describe('server actions hit the boundary checks', () => {
  it('createRolloutAction: NUL in a value, a lone surrogate in a name, deep nesting, a long duration, an env-name clash', async () => {
    const before = await prisma().rollout.count();
    const { plan, flag } = marketScanPlan();
    const withNul = { ...plan, flags: [{ key: flag, type: 'json', baseline: { note: 'a\u0000b' } }], phases: [{ key: 'one', name: 'One', flags: {} }] };
    expect(errorsOf(await createRolloutAction(JSON.stringify(withNul)))).toEqual([{ path: 'flags[0].baseline.note', message: 'contains a NUL character' }]);
    expect(errorsOf(await createRolloutAction(JSON.stringify({ ...plan, name: 'x\udc00' })))[0].path).toBe('name');
    const deep = '['.repeat(LIMITS.depth + 5) + ']'.repeat(LIMITS.depth + 5);
    const deepDoc = JSON.stringify({ ...plan, flags: [{ key: flag, type: 'json', baseline: 0 }] }).replace('"baseline":0', `"baseline":${deep}`);
    expect(errorsOf(await createRolloutAction(deepDoc))[0].message).toMatch(/nested deeper than 32 levels/);
    const long = { ...plan, phases: [{ ...plan.phases[0], minDuration: '999999999w' }] };
    expect(errorsOf(await createRolloutAction(JSON.stringify(long)))).toEqual([{ path: 'phases[0].minDuration', message: expect.stringMatching(/at most 365d/) }]);
    const clash = { ...plan, flags: [{ key: 'X.y', type: 'boolean', baseline: false }, { key: 'X-y', type: 'boolean', baseline: false }], phases: [{ key: 'one', name: 'One', flags: {} }] };
    expect(errorsOf(await createRolloutAction(JSON.stringify(clash))).map((e) => e.path)).toEqual(['flags[1].key']);
    expect(await prisma().rollout.count()).toBe(before);
  });

  it('transitionAction: a reason over 2,000 characters is too long; a NUL in the reason or key is named', async () => {
    const { plan } = marketScanPlan();
    expect((await createRolloutAction(JSON.stringify(plan))).ok).toBe(true);
    const long = await transitionAction({ key: plan.key, action: 'start', expectedVersion: 1, reason: 'r'.repeat(2001) });
    expect(errorsOf(long)).toEqual([{ path: 'reason', message: 'too long: at most 2,000 characters' }]);
    expect(errorsOf(await transitionAction({ key: plan.key, action: 'start', expectedVersion: 1, reason: 'ok\u0000' }))).toEqual([{ path: 'reason', message: 'contains a NUL character' }]);
    expect(errorsOf(await transitionAction({ key: `${plan.key}\u0000`, action: 'start', expectedVersion: 1, reason: 'ok' }))[0].path).toBe('key');
    expect((await prisma().rollout.findUniqueOrThrow({ where: { key: plan.key } })).version).toBe(1);
  });

  it('createEnvironmentAction: a NUL in the name', async () => {
    const key = uniq('env');
    expect(errorsOf(await createEnvironmentAction({ key, name: 'Q\u0000A' }))).toEqual([{ path: 'name', message: 'contains a NUL character' }]);
    expect(await prisma().environment.count({ where: { key } })).toBe(0);
  });
});
