// Issue 9, "Sign-offs": what disabling a person and personal tokens mean for access. Disabling
// ends every session and personal token at once (the old cookie or token is a 401 on the next
// request), a disabled person cannot sign in (the same 401 as a wrong password, in the security
// log), and a personal token acts as its user — actor.userId set, with the user's role as it is
// now, not as it was when the token was made.
import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.NEXTAUTH_SECRET = 'test-nextauth-secret-0123456789abcdef';
  process.env.SWITCHYARD_URL = 'http://localhost:3000';
});
vi.mock('next-auth', async (orig) => (await import('../helpers/browser-session')).mockNextAuth(await orig<object>()));
vi.mock('next/headers', async (orig) => (await import('../helpers/browser-session')).mockNextHeaders(await orig<object>()));

const { prisma } = await import('../../lib/db');
const { sessionActor, tokenActor } = await import('../../lib/auth/session');
const { browser, signInAs } = await import('../helpers/browser-session');
const { ensureEnvironments, tokenFor, uniq } = await import('../factories/rollouts');
const { setupTestDatabase } = await import('../helpers/db');
const usersRoute = await import('../../app/api/v1/users/route');
const userRoute = await import('../../app/api/v1/users/[id]/route');
const tokensRoute = await import('../../app/api/v1/tokens/route');
const rolloutsRoute = await import('../../app/api/v1/rollouts/route');
const sessionRoute = await import('../../app/api/session/route');

const ORIGIN = 'http://localhost:3000';
let admin = '';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function call(handler: unknown, secret: string | null, opts: { method?: string; params?: Record<string, string>; body?: unknown; ip?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': opts.ip ?? '10.40.0.1' };
  if (secret) headers.authorization = `Bearer ${secret}`;
  const req = new Request(`${ORIGIN}/api/v1/x`, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const res = await (handler as Handler)(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text, headers: res.headers };
}

async function createUser(over: Record<string, unknown> = {}) {
  const res = await call(usersRoute.POST, admin, { method: 'POST', body: { email: `${uniq('p')}@access.test`, name: 'Person', role: 'engineer', signoffRoles: ['Technical Lead'], password: 'correct-horse-battery', ...over } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; email: string; role: string };
}

async function personalToken(email: string, name = uniq('laptop')) {
  const res = await call(tokensRoute.POST, admin, { method: 'POST', body: { name, user: email } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; token: string; role: string; user: string };
}

function signInRequest(email: string, password: string, ip: string) {
  return new Request(`${ORIGIN}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': ip, 'user-agent': 'vitest' },
    body: JSON.stringify({ email, password }),
  });
}

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  admin = await tokenFor('admin');
  // an enabled admin person, so demoting a test user is never "the last admin"
  await prisma().user.create({ data: { email: 'keeper@access.test', name: 'Keeper', role: 'admin', passwordHash: 'none$' } });
});

describe('disabling a person', () => {
  it('ends every session and personal token at once: the old cookie and the old token are 401 on the next request', async () => {
    const u = await createUser();
    // two browser sessions and two personal tokens, all working
    await signInAs(u.id);
    const first = browser.claims!;
    await signInAs(u.id);
    const second = browser.claims!;
    const t1 = await personalToken(u.email);
    const t2 = await personalToken(u.email);
    browser.claims = first;
    expect((await call(rolloutsRoute.GET, null)).status).toBe(200);
    expect((await call(rolloutsRoute.GET, t1.token)).status).toBe(200);

    browser.claims = null;
    const res = await call(userRoute.PATCH, admin, { method: 'PATCH', params: { id: u.id }, body: { disabled: true } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ disabled: true });

    for (const claims of [first, second]) {
      browser.claims = claims;
      expect(await sessionActor()).toBeNull();
      expect((await call(rolloutsRoute.GET, null)).status).toBe(401);
    }
    browser.claims = null;
    for (const t of [t1, t2]) expect((await call(rolloutsRoute.GET, t.token)).status).toBe(401);
    expect(await prisma().session.count({ where: { userId: u.id, revokedAt: null } })).toBe(0);
    expect(await prisma().apiToken.count({ where: { userId: u.id, revokedAt: null } })).toBe(0);

    const audit = (await prisma().auditEvent.findMany({ where: { action: 'user.disable' } })).find((a) => (a.details as { userId: string }).userId === u.id)!;
    expect(audit).toMatchObject({ rolloutId: null, reason: `user "${u.email}": disabled` });
    expect(audit.details).toMatchObject({ changed: ['disabled'], before: { disabled: false }, after: { disabled: true }, sessionsEnded: 2, tokensRevoked: 2 });
  });

  it('a session or personal token of a disabled user is refused even if its row was not revoked', async () => {
    const u = await createUser();
    await signInAs(u.id);
    const claims = browser.claims!;
    const t = await personalToken(u.email);
    // disabled directly (as a racing write could leave it): the checks read disabled_at too
    await prisma().user.update({ where: { id: u.id }, data: { disabledAt: new Date() } });
    browser.claims = claims;
    expect(await sessionActor()).toBeNull();
    browser.claims = null;
    expect(await tokenActor(t.token)).toBeNull();
  });

  it('a disabled person cannot sign in: the same 401 as a wrong password, and the attempt is in the security log', async () => {
    const u = await createUser();
    expect((await sessionRoute.POST(signInRequest(u.email, 'correct-horse-battery', '10.41.0.1'))).status).toBe(200);
    expect((await call(userRoute.PATCH, admin, { method: 'PATCH', params: { id: u.id }, body: { disabled: true } })).status).toBe(200);
    const refused = await sessionRoute.POST(signInRequest(u.email, 'correct-horse-battery', '10.41.0.2'));
    const wrong = await sessionRoute.POST(signInRequest(`${uniq('nobody')}@access.test`, 'correct-horse-battery', '10.41.0.3'));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const [a, b] = [await refused.json(), await wrong.json()];
    expect(a.detail).toBe(b.detail);
    expect(a.detail).toBe('wrong email or password');
    const events = await prisma().securityEvent.findMany({ where: { type: 'signin.failure', account: u.email } });
    expect(events).toHaveLength(1);
    expect(events[0].detail).toMatch(/^the account is disabled \(1 in this window\)$/);
    expect(await prisma().session.count({ where: { userId: u.id, revokedAt: null } })).toBe(0);
  });

  it('enabling lets them sign in again; their old tokens stay revoked', async () => {
    const u = await createUser();
    const t = await personalToken(u.email);
    expect((await call(userRoute.PATCH, admin, { method: 'PATCH', params: { id: u.id }, body: { disabled: true } })).status).toBe(200);
    const res = await call(userRoute.PATCH, admin, { method: 'PATCH', params: { id: u.id }, body: { disabled: false } });
    expect(res.status).toBe(200);
    expect(res.body.disabled).toBe(false);
    expect((await sessionRoute.POST(signInRequest(u.email, 'correct-horse-battery', '10.42.0.1'))).status).toBe(200);
    expect((await call(rolloutsRoute.GET, t.token)).status).toBe(401);
    const enable = (await prisma().auditEvent.findMany({ where: { action: 'user.enable' } })).find((e) => (e.details as { userId: string }).userId === u.id);
    expect(enable?.details).toMatchObject({ before: { disabled: true }, after: { disabled: false } });
  });

  it('a user created without a password cannot sign in until an admin sets one', async () => {
    const u = await createUser({ password: undefined });
    expect((await sessionRoute.POST(signInRequest(u.email, 'none$', '10.43.0.1'))).status).toBe(401);
    const stored = await prisma().user.findUniqueOrThrow({ where: { id: u.id } });
    expect(stored.passwordHash).not.toMatch(/^scrypt\$/);
    // not even the stored value itself works as a password
    expect((await sessionRoute.POST(signInRequest(u.email, stored.passwordHash ?? "", '10.43.0.2'))).status).toBe(401);
    expect((await call(userRoute.PATCH, admin, { method: 'PATCH', params: { id: u.id }, body: { password: 'now-it-has-one' } })).status).toBe(200);
    expect((await sessionRoute.POST(signInRequest(u.email, 'now-it-has-one', '10.43.0.3'))).status).toBe(200);
  });
});

describe('personal tokens', () => {
  it('POST /api/v1/tokens { name, user } → 201; the token acts as the user: actor.userId set, the user\'s role', async () => {
    const u = await createUser({ role: 'viewer', email: `${uniq('Tok')}@ACCESS.test` });
    const t = await personalToken(u.email.toUpperCase());
    expect(t).toMatchObject({ role: 'viewer', user: u.email });
    const a = await tokenActor(t.token);
    expect(a).toMatchObject({ kind: 'token', id: t.id, userId: u.id, role: 'viewer', environmentId: null });
    expect(a!.name).toContain('Person');
    const row = await prisma().apiToken.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.userId).toBe(u.id);
    const audit = (await prisma().auditEvent.findMany({ where: { action: 'token.create' } })).find((e) => (e.details as { tokenId: string }).tokenId === t.id);
    expect(audit?.details).toMatchObject({ userId: u.id, user: u.email });
  });

  it('acts with the user\'s CURRENT role: promoted, it may do more at once; demoted, less', async () => {
    const u = await createUser({ role: 'viewer' });
    const t = await personalToken(u.email);
    expect((await call(usersRoute.GET, t.token)).status).toBe(403);
    expect((await call(userRoute.PATCH, admin, { method: 'PATCH', params: { id: u.id }, body: { role: 'admin' } })).status).toBe(200);
    expect((await tokenActor(t.token))?.role).toBe('admin');
    expect((await call(usersRoute.GET, t.token)).status).toBe(200);
    // the stored copy follows (the token list and the flag server's token table read it)
    expect((await prisma().apiToken.findUniqueOrThrow({ where: { id: t.id } })).role).toBe('admin');
    expect((await call(userRoute.PATCH, admin, { method: 'PATCH', params: { id: u.id }, body: { role: 'viewer' } })).status).toBe(200);
    expect((await call(usersRoute.GET, t.token)).status).toBe(403);
    // read from the user on every request, not from the token's stored copy
    await prisma().user.update({ where: { id: u.id }, data: { role: 'engineer' } });
    expect((await prisma().apiToken.findUniqueOrThrow({ where: { id: t.id } })).role).toBe('viewer');
    expect((await tokenActor(t.token))?.role).toBe('engineer');
  });

  it('an admin acting through their personal token cannot disable themselves either', async () => {
    const u = await createUser({ role: 'admin' });
    const t = await personalToken(u.email);
    const res = await call(userRoute.PATCH, t.token, { method: 'PATCH', params: { id: u.id }, body: { disabled: true } });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/cannot disable your own account/);
  });

  it('service tokens are as before: their own role, no userId', async () => {
    const res = await call(tokensRoute.POST, admin, { method: 'POST', body: { name: uniq('ci'), role: 'engineer' } });
    expect(res.status).toBe(201);
    expect(res.body.user).toBeNull();
    const a = await tokenActor(res.body.token);
    expect(a).toMatchObject({ role: 'engineer' });
    expect(a?.userId ?? null).toBeNull();
  });

  it('validation: an unknown email is a 400 naming user; role or environment with user is a 400; a disabled user is a 409; nothing is written', async () => {
    const u = await createUser();
    const before = await prisma().apiToken.count();
    const unknown = await call(tokensRoute.POST, admin, { method: 'POST', body: { name: 'x', user: `${uniq('ghost')}@access.test` } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ path: 'user', message: 'unknown user' }]);
    const badEmail = await call(tokensRoute.POST, admin, { method: 'POST', body: { name: 'x', user: 'not an email' } });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.errors[0].path).toBe('user');
    const withRole = await call(tokensRoute.POST, admin, { method: 'POST', body: { name: 'x', user: u.email, role: 'admin' } });
    expect(withRole.status).toBe(400);
    expect(withRole.body.errors).toEqual([{ path: 'role', message: 'a personal token (with "user") takes its role from the user; leave out "role"' }]);
    const withEnv = await call(tokensRoute.POST, admin, { method: 'POST', body: { name: 'x', user: u.email, environment: 'production' } });
    expect(withEnv.status).toBe(400);
    expect(withEnv.body.errors[0].path).toBe('environment');
    const neither = await call(tokensRoute.POST, admin, { method: 'POST', body: { name: 'x' } });
    expect(neither.status).toBe(400);
    expect(neither.body.errors[0].path).toBe('role');
    expect((await call(userRoute.PATCH, admin, { method: 'PATCH', params: { id: u.id }, body: { disabled: true } })).status).toBe(200);
    const disabled = await call(tokensRoute.POST, admin, { method: 'POST', body: { name: 'x', user: u.email } });
    expect(disabled.status).toBe(409);
    expect(disabled.body.errors[0].path).toBe('user');
    expect(await prisma().apiToken.count()).toBe(before);
  });

  it('only admins create personal tokens', async () => {
    const u = await createUser();
    const viewer = await tokenFor('viewer');
    const before = await prisma().apiToken.count();
    expect((await call(tokensRoute.POST, viewer, { method: 'POST', body: { name: 'x', user: u.email } })).status).toBe(403);
    expect(await prisma().apiToken.count()).toBe(before);
  });
});
