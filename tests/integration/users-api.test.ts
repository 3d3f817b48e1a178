// Issue 9, "Sign-offs": admins manage people and the sign-off roles they hold. REST routes and
// server actions against a real database: create/list/get/update as admin, everyone else 403
// with nothing written, one audit row per change with the role and sign-off-role diff, field-named
// 400s, 409 for a taken email and for an admin locking themselves (or everyone) out.
import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.NEXTAUTH_SECRET = 'test-nextauth-secret-0123456789abcdef';
  process.env.SWITCHYARD_URL = 'http://localhost:3000';
});
vi.mock('next-auth', async (orig) => (await import('../helpers/browser-session')).mockNextAuth(await orig<object>()));
vi.mock('next/headers', async (orig) => (await import('../helpers/browser-session')).mockNextHeaders(await orig<object>()));

const { prisma } = await import('../../lib/db');
const { hashPassword } = await import('../../lib/auth/password');
const { browser, signInAs } = await import('../helpers/browser-session');
const { tokenFor, uniq } = await import('../factories/rollouts');
const { setupTestDatabase } = await import('../helpers/db');
const usersRoute = await import('../../app/api/v1/users/route');
const userRoute = await import('../../app/api/v1/users/[id]/route');
const { createUserAction, updateUserAction } = await import('../../lib/actions/users');

const ORIGIN = 'http://localhost:3000';
type Who = 'viewer' | 'engineer' | 'approver' | 'admin';
const tokens: Partial<Record<Who, string>> = {};
const people: Partial<Record<Who, string>> = {};

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** calls a route with a token (`who` or a secret), or with the signed-in session when `who` is null */
async function call(handler: unknown, who: Who | { secret: string } | null, opts: { method?: string; params?: Record<string, string>; body?: unknown } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', origin: ORIGIN };
  if (who) headers.authorization = `Bearer ${typeof who === 'string' ? tokens[who] : who.secret}`;
  const req = new Request(`${ORIGIN}/api/v1/users`, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const res = await (handler as Handler)(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

const post = (who: Who | null, body: unknown) => call(usersRoute.POST, who, { method: 'POST', body });
const patch = (who: Who | { secret: string } | null, id: string, body: unknown) => call(userRoute.PATCH, who, { method: 'PATCH', params: { id }, body });

async function counts() {
  const db = prisma();
  return {
    users: await db.user.count(),
    audit: await db.auditEvent.count(),
    sessions: await db.session.count({ where: { revokedAt: null } }),
    tokens: await db.apiToken.count({ where: { revokedAt: null } }),
    snapshot: JSON.stringify(await db.user.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true, role: true, signoffRoles: true, disabledAt: true, passwordHash: true } })),
  };
}

const newUser = (over: Record<string, unknown> = {}) => ({ email: `${uniq('person')}@users.test`, name: 'Pat Person', role: 'engineer', signoffRoles: ['Technical Lead'], ...over });

beforeAll(async () => {
  await setupTestDatabase();
  for (const role of ['viewer', 'engineer', 'approver', 'admin'] as const) {
    tokens[role] = await tokenFor(role);
    people[role] = (await prisma().user.create({ data: { email: `${role}@users.test`, name: `${role} person`, role, passwordHash: await hashPassword('x') } })).id;
  }
});

describe('users: admins create, list, read and change people', () => {
  it('POST creates a user (201): email lower-cased, no password or hash in the answer, an audit row with rollout_id null', async () => {
    const email = `${uniq('Mixed')}@Users.TEST`;
    const res = await post('admin', { email: `  ${email} `, name: ' Ada ', role: 'approver', signoffRoles: ['Product Owner', 'Technical Lead'], password: 'a-long-enough-password' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: email.toLowerCase(), name: 'Ada', role: 'approver', signoffRoles: ['Product Owner', 'Technical Lead'], disabled: false, hasPassword: true });
    expect(res.text).not.toContain('a-long-enough-password');
    expect(res.text).not.toContain('scrypt');
    expect(res.text).not.toMatch(/passwordHash/);
    const row = await prisma().user.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    const audit = await prisma().auditEvent.findMany({ where: { action: 'user.create', actorName: { contains: 'admin' } } });
    const mine = audit.find((a) => (a.details as { userId?: string }).userId === res.body.id)!;
    expect(mine).toMatchObject({ rolloutId: null, actorType: 'token' });
    expect(mine.details).toMatchObject({ email: email.toLowerCase(), before: null, after: { role: 'approver', signoffRoles: ['Product Owner', 'Technical Lead'], disabled: false }, passwordSet: true });
    expect(JSON.stringify({ ...mine, id: String(mine.id) })).not.toContain('a-long-enough-password');
  });

  it('GET lists users and GET /{id} reads one; neither shows a hash', async () => {
    const created = await post('admin', newUser());
    const list = await call(usersRoute.GET, 'admin');
    expect(list.status).toBe(200);
    expect(list.body.users.map((u: { id: string }) => u.id)).toContain(created.body.id);
    expect(list.text).not.toContain('scrypt');
    const one = await call(userRoute.GET, 'admin', { params: { id: created.body.id } });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: created.body.id, role: 'engineer', signoffRoles: ['Technical Lead'], hasPassword: false });
    expect((await call(userRoute.GET, 'admin', { params: { id: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
    const bad = await call(userRoute.GET, 'admin', { params: { id: 'not-a-uuid' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'id', message: 'not a user id (a UUID)' }]);
  });

  it('PATCH changes name, role and sign-off roles in one audit row with before/after', async () => {
    const u = (await post('admin', newUser({ role: 'viewer', signoffRoles: ['QA'] }))).body;
    const res = await patch('admin', u.id, { name: 'Pat Renamed', role: 'approver', signoffRoles: ['QA', 'Security'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Pat Renamed', role: 'approver', signoffRoles: ['QA', 'Security'] });
    const rows = await prisma().auditEvent.findMany({ where: { action: 'user.update' }, orderBy: { id: 'asc' } });
    const row = rows.filter((r) => (r.details as { userId: string }).userId === u.id);
    expect(row).toHaveLength(1);
    expect(row[0].rolloutId).toBeNull();
    expect(row[0].details).toMatchObject({
      changed: ['name', 'role', 'signoffRoles'],
      before: { name: 'Pat Person', role: 'viewer', signoffRoles: ['QA'], disabled: false },
      after: { name: 'Pat Renamed', role: 'approver', signoffRoles: ['QA', 'Security'], disabled: false },
    });
    expect(row[0].reason).toBe(`user "${u.email}": name "Pat Person" → "Pat Renamed"; role viewer → approver; sign-off roles "QA" → "QA", "Security"`);
  });

  it('PATCH with what is already there writes nothing', async () => {
    const u = (await post('admin', newUser())).body;
    const before = await counts();
    const res = await patch('admin', u.id, { role: 'engineer', signoffRoles: ['Technical Lead'] });
    expect(res.status).toBe(200);
    expect(await counts()).toEqual(before);
  });

  it('setting a password stores a new hash, says so in the audit row, and never echoes it', async () => {
    const u = (await post('admin', newUser())).body;
    expect(u.hasPassword).toBe(false);
    const res = await patch('admin', u.id, { password: 'another-long-password' });
    expect(res.status).toBe(200);
    expect(res.body.hasPassword).toBe(true);
    expect(res.text).not.toContain('another-long-password');
    const audit = (await prisma().auditEvent.findMany({ where: { action: 'user.update' } })).find((a) => (a.details as { userId: string }).userId === u.id)!;
    expect(audit.details).toMatchObject({ changed: ['password'], passwordChanged: true });
    const text = JSON.stringify({ ...audit, id: String(audit.id) });
    expect(text).not.toContain('another-long-password');
    expect(text).not.toContain('scrypt');
  });

  it('server actions create and update the same way (admin session)', async () => {
    await signInAs(people.admin!);
    const c = await createUserAction({ email: `${uniq('act')}@USERS.test`, name: 'By action', role: 'viewer', signoffRoles: [] });
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.data.email).toBe(c.data.email.toLowerCase());
    const u = await updateUserAction(c.data.id, { signoffRoles: ['Release Manager'] });
    expect(u).toMatchObject({ ok: true, data: { signoffRoles: ['Release Manager'] } });
    const bad = await updateUserAction(c.data.id, { signoffRoles: ['x'.repeat(201)] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request', errors: [{ path: 'signoffRoles[0]', message: 'at most 200 characters' }] } });
    browser.claims = null;
  });
});

describe('users: only admins', () => {
  it('viewer, engineer and approver get 403 on every route and action, over a token and a session, and nothing is written', async () => {
    const target = (await post('admin', newUser())).body;
    const problems: string[] = [];
    for (const who of ['viewer', 'engineer', 'approver'] as const) {
      for (const via of ['token', 'session'] as const) {
        if (via === 'session') await signInAs(people[who]!);
        else browser.claims = null;
        const caller = via === 'token' ? who : null;
        const before = await counts();
        const outcomes: Record<string, number | string> = {
          list: (await call(usersRoute.GET, caller)).status,
          get: (await call(userRoute.GET, caller, { params: { id: target.id } })).status,
          create: (await post(caller, newUser())).status,
          update: (await patch(caller, target.id, { role: 'admin' })).status,
          disable: (await patch(caller, target.id, { disabled: true })).status,
        };
        if (via === 'session') {
          const c = await createUserAction(newUser() as never);
          const u = await updateUserAction(target.id, { role: 'admin' });
          Object.assign(outcomes, { createAction: c.ok ? 200 : c.error.code, updateAction: u.ok ? 200 : u.error.code });
        }
        for (const [k, v] of Object.entries(outcomes)) if (v !== 403 && v !== 'forbidden') problems.push(`${who} via ${via}: ${k} → ${v}`);
        // sessions count: signInAs made one before `before` was taken
        if (JSON.stringify(await counts()) !== JSON.stringify(before)) problems.push(`${who} via ${via}: something was written`);
      }
    }
    browser.claims = null;
    expect(problems).toEqual([]);
    expect((await call(usersRoute.GET, null)).status).toBe(401);
  });
});

describe('users: validation names the field', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a bad email', { email: 'not-an-email' }, 'email', /not an email address/],
    ['a missing email', { email: undefined }, 'email', /email address/],
    ['a role outside the management roles', { role: 'flags' }, 'role', /one of viewer, engineer, approver, admin/],
    ['an empty name', { name: '   ' }, 'name', /must not be empty/],
    ['a sign-off role listed twice', { signoffRoles: ['QA', ' QA '] }, 'signoffRoles[1]', /listed twice/],
    ['an empty sign-off role', { signoffRoles: ['QA', ''] }, 'signoffRoles[1]', /must not be empty/],
    ['a sign-off role over 200 characters', { signoffRoles: ['x'.repeat(201)] }, 'signoffRoles[0]', /at most 200/],
    ['21 sign-off roles', { signoffRoles: Array.from({ length: 21 }, (_, i) => `role ${i}`) }, 'signoffRoles', /at most 20/],
    ['sign-off roles that are not strings', { signoffRoles: [1] }, 'signoffRoles[0]', /string/],
    ['a password under 12 characters', { password: 'short-pw' }, 'password', /at least 12 characters/],
    ['an unknown field', { isAdmin: true }, '(body)', /isAdmin/],
  ];
  for (const [what, over, path, message] of cases) {
    it(`POST with ${what} is a 400 naming ${path}, and writes nothing`, async () => {
      const before = await counts();
      const res = await post('admin', newUser(over));
      expect(res.status).toBe(400);
      const e = (res.body.errors as { path: string; message: string }[]).find((x) => x.path === path);
      expect(e, JSON.stringify(res.body.errors)).toBeDefined();
      expect(e!.message).toMatch(message);
      expect(res.body.detail).toContain(path);
      expect(await counts()).toEqual(before);
    });
  }

  it('21 sign-off roles is too many; 20 distinct ones of 200 characters are fine', async () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(200, 'x'));
    expect((await post('admin', newUser({ signoffRoles: twenty }))).status).toBe(201);
  });

  it('a taken email is a 409 whatever its case; nothing is written', async () => {
    const u = newUser();
    expect((await post('admin', u)).status).toBe(201);
    const before = await counts();
    const again = await post('admin', { ...newUser(), email: u.email.toUpperCase() });
    expect(again.status).toBe(409);
    expect(again.body.errors).toEqual([{ path: 'email', message: 'already taken' }]);
    expect(await counts()).toEqual(before);
  });

  it('PATCH: an empty body, a bad role, a short password or an email change are 400 naming the field', async () => {
    const u = (await post('admin', newUser())).body;
    const before = await counts();
    const empty = await patch('admin', u.id, {});
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/nothing to change/);
    expect((await patch('admin', u.id, { role: 'root' })).body.errors[0].path).toBe('role');
    expect((await patch('admin', u.id, { password: '12345678901' })).body.errors[0]).toEqual({ path: 'password', message: 'at least 12 characters' });
    expect((await patch('admin', u.id, { disabled: 'yes' })).body.errors[0]).toEqual({ path: 'disabled', message: 'must be true or false' });
    expect((await patch('admin', u.id, { email: 'x@y.z' })).status).toBe(400);
    expect((await patch('admin', '00000000-0000-4000-8000-000000000000', { role: 'viewer' })).status).toBe(404);
    expect(await counts()).toEqual(before);
  });
});

describe('users: no locking out', () => {
  it('an admin cannot disable themselves or drop their own admin role (409 saying why); another admin can', async () => {
    await signInAs(people.admin!);
    const before = await counts();
    const selfDisable = await patch(null, people.admin!, { disabled: true });
    expect(selfDisable.status).toBe(409);
    expect(selfDisable.body.detail).toMatch(/cannot disable your own account/);
    expect(selfDisable.body.errors[0].path).toBe('disabled');
    const selfDemote = await patch(null, people.admin!, { role: 'engineer' });
    expect(selfDemote.status).toBe(409);
    expect(selfDemote.body.detail).toMatch(/cannot remove your own admin role/);
    const viaAction = await updateUserAction(people.admin!, { disabled: true });
    expect(viaAction).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await counts()).toEqual(before);
    // changing their own sign-off roles is fine
    expect((await patch(null, people.admin!, { signoffRoles: ['Release Manager'] })).status).toBe(200);
    browser.claims = null;
  });

  it('the last enabled admin cannot be demoted or disabled, even by an admin service token', async () => {
    // make every other admin a viewer first
    const second = (await post('admin', newUser({ role: 'admin' }))).body;
    const admins = await prisma().user.findMany({ where: { role: 'admin', disabledAt: null } });
    for (const a of admins) if (a.id !== second.id) expect((await patch('admin', a.id, { role: 'viewer' })).status).toBe(200);
    const before = await counts();
    const demote = await patch('admin', second.id, { role: 'viewer' });
    expect(demote.status).toBe(409);
    expect(demote.body.detail).toMatch(/last enabled admin/);
    expect((await patch('admin', second.id, { disabled: true })).status).toBe(409);
    expect(await counts()).toEqual(before);
    // restore the matrix admin for later tests
    expect((await patch('admin', people.admin!, { role: 'admin' })).status).toBe(200);
    expect((await patch('admin', second.id, { disabled: true })).status).toBe(200);
  });
});
