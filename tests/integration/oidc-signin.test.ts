// Issue 9, OIDC sign-in: the service behind next-auth's OIDC callback (lib/services/sign-in-oidc.ts)
// and the callbacks that call it (lib/auth/options.ts), against a real database. The protocol
// itself (discovery, PKCE, state, ID token signature) runs against a real OpenID provider in
// tests/e2e/oidc.spec.ts.
import type { Profile } from 'next-auth';
import { decode, encode } from 'next-auth/jwt';
import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.NEXTAUTH_SECRET = 'test-nextauth-secret-0123456789abcdef';
  process.env.SWITCHYARD_URL = 'http://localhost:3000';
});
vi.mock('next-auth', async (orig) => (await import('../helpers/browser-session')).mockNextAuth(await orig<object>()));
vi.mock('next/headers', async (orig) => (await import('../helpers/browser-session')).mockNextHeaders(await orig<object>()));

const { prisma } = await import('../../lib/db');
const { hashPassword } = await import('../../lib/auth/password');
const { sessionActor } = await import('../../lib/auth/session');
const { authOptions, OIDC_PROVIDER_ID } = await import('../../lib/auth/options');
const { browser } = await import('../helpers/browser-session');
const { setupTestDatabase } = await import('../helpers/db');
const { signInWithOidc, OidcSignInRefused } = await import('../../lib/services/sign-in-oidc');
const { updateUser } = await import('../../lib/services/update-user');
const { SYSTEM_ACTOR } = await import('../../lib/auth/actor');

const ISS = 'https://idp.example.test';
const info = { ip: '10.7.7.7', userAgent: 'vitest-oidc', method: 'GET', path: '/api/auth/callback/oidc' };

beforeAll(async () => {
  await setupTestDatabase();
});

const events = (type: string, account: string) => prisma().securityEvent.findMany({ where: { type, account }, orderBy: { id: 'asc' } });

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OidcSignInRefused);
  return (e as InstanceType<typeof OidcSignInRefused>).reason;
}

describe('signInWithOidc', () => {
  it('a first sign-in creates a viewer with no password, linked to "<issuer> <sub>", with a session row, an audit row and signin.success', async () => {
    const s = await signInWithOidc({ issuer: ISS, subject: 'new-1', email: 'New.Person@Example.test', emailVerified: false, name: 'New Person' }, info);
    expect(s.created).toBe(true);
    const user = await prisma().user.findUniqueOrThrow({ where: { id: s.user.id } });
    expect(user).toMatchObject({ email: 'new.person@example.test', name: 'New Person', role: 'viewer', passwordHash: null, oidcSubject: `${ISS} new-1`, signoffRoles: [] });
    const session = await prisma().session.findUniqueOrThrow({ where: { id: s.sessionId } });
    expect(session).toMatchObject({ userId: user.id, ip: '10.7.7.7', userAgent: 'vitest-oidc', revokedAt: null });
    expect(session.expiresAt.getTime() - Date.now()).toBeGreaterThan(11 * 3600_000);
    const ok = await events('signin.success', 'new.person@example.test');
    expect(ok).toHaveLength(1);
    expect(ok[0].detail).toMatch(/^oidc https:\/\/idp\.example\.test new-1: created a viewer/);
    expect(ok[0]).toMatchObject({ actorId: user.id, ip: '10.7.7.7' });
    const audit = await prisma().auditEvent.findMany({ where: { action: 'user.create', actorId: user.id } });
    expect(audit).toHaveLength(1);
  });

  it('a second sign-in of the same identity reuses the user (no duplicate) with a new session', async () => {
    const first = await signInWithOidc({ issuer: ISS, subject: 'again-1', email: 'again@example.test', emailVerified: true, name: 'Again' }, info);
    // the provider may change the email it sends; the identity (issuer + sub) is what counts
    const second = await signInWithOidc({ issuer: ISS, subject: 'again-1', email: 'renamed@example.test', emailVerified: true, name: 'Renamed' }, info);
    expect(second.user.id).toBe(first.user.id);
    expect(second.created).toBe(false);
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(await prisma().user.count({ where: { oidcSubject: `${ISS} again-1` } })).toBe(1);
    expect(await prisma().user.count({ where: { email: 'renamed@example.test' } })).toBe(0);
    expect(await prisma().session.count({ where: { userId: first.user.id } })).toBe(2);
  });

  it('the same sub at another issuer is another person', async () => {
    const a = await signInWithOidc({ issuer: ISS, subject: 'same-sub', email: 'a@iss-one.test', emailVerified: true }, info);
    const b = await signInWithOidc({ issuer: 'https://other-idp.test', subject: 'same-sub', email: 'b@iss-two.test', emailVerified: true }, info);
    expect(a.user.id).not.toBe(b.user.id);
    // no name claim: the email's local part
    expect(b.user.name).toBe('b');
  });

  it('links an existing user by email only when the provider says it verified the address', async () => {
    const existing = await prisma().user.create({ data: { email: 'linkme@example.test', name: 'Link Me', role: 'engineer', passwordHash: await hashPassword('a-long-password') } });
    const unverified = await refusal(signInWithOidc({ issuer: ISS, subject: 'attacker', email: 'linkme@example.test', emailVerified: false }, info));
    expect(unverified).toBe('oidc_unverified_email');
    expect((await prisma().user.findUniqueOrThrow({ where: { id: existing.id } })).oidcSubject).toBeNull();
    expect(await prisma().session.count({ where: { userId: existing.id } })).toBe(0);
    const failure = await events('signin.failure', 'linkme@example.test');
    expect(failure).toHaveLength(1);
    expect(failure[0].detail).toMatch(/^oidc https:\/\/idp\.example\.test attacker: the identity provider did not verify linkme@example\.test/);

    const s = await signInWithOidc({ issuer: ISS, subject: 'owner', email: 'LinkMe@example.test', emailVerified: true, name: 'Someone Else' }, info);
    expect(s).toMatchObject({ linked: true, created: false, user: { id: existing.id, name: 'Link Me' } });
    const after = await prisma().user.findUniqueOrThrow({ where: { id: existing.id } });
    // the role and the password stay: linking adds a way in, it does not reset the account
    expect(after).toMatchObject({ oidcSubject: `${ISS} owner`, role: 'engineer', name: 'Link Me' });
    expect(after.passwordHash).toMatch(/^scrypt\$/);
    expect(await prisma().auditEvent.count({ where: { action: 'user.link_oidc', actorId: existing.id } })).toBe(1);
    expect((await events('signin.success', 'linkme@example.test'))[0].detail).toMatch(/linked to the existing user by verified email/);

    // a second identity with the same verified address does not take the account over
    expect(await refusal(signInWithOidc({ issuer: 'https://other-idp.test', subject: 'owner', email: 'linkme@example.test', emailVerified: true }, info))).toBe('oidc_linked_elsewhere');
  });

  it('refuses a disabled user, and writes nothing: no session, no link (one transaction)', async () => {
    const linked = await signInWithOidc({ issuer: ISS, subject: 'to-disable', email: 'disable-me@example.test', emailVerified: true }, info);
    await updateUser(SYSTEM_ACTOR, linked.user.id, { disabled: true });
    const sessionsBefore = await prisma().session.count({ where: { userId: linked.user.id } });
    expect(await refusal(signInWithOidc({ issuer: ISS, subject: 'to-disable', email: 'disable-me@example.test', emailVerified: true }, info))).toBe('oidc_disabled');
    expect(await prisma().session.count({ where: { userId: linked.user.id } })).toBe(sessionsBefore);
    expect((await events('signin.failure', 'disable-me@example.test'))[0].detail).toMatch(/^oidc .*: the account disable-me@example\.test is disabled/);

    // a disabled password user whose verified email arrives from the provider: refused, and the
    // link written before the disabled check is rolled back with the rest
    const off = await prisma().user.create({ data: { email: 'off@example.test', name: 'Off', role: 'viewer', passwordHash: null, disabledAt: new Date() } });
    expect(await refusal(signInWithOidc({ issuer: ISS, subject: 'off', email: 'off@example.test', emailVerified: true }, info))).toBe('oidc_disabled');
    expect((await prisma().user.findUniqueOrThrow({ where: { id: off.id } })).oidcSubject).toBeNull();
    expect(await prisma().auditEvent.count({ where: { action: 'user.link_oidc', actorId: off.id } })).toBe(0);
  });

  it('refuses an unknown identity without an email (a user needs one)', async () => {
    expect(await refusal(signInWithOidc({ issuer: ISS, subject: 'no-mail', emailVerified: false }, info))).toBe('oidc_no_email');
    expect(await prisma().user.count({ where: { oidcSubject: `${ISS} no-mail` } })).toBe(0);
    expect((await prisma().securityEvent.findFirstOrThrow({ where: { type: 'signin.failure', account: `${ISS} no-mail` } })).detail).toMatch(/^oidc /);
  });

  it('two first sign-ins of the same person at once make one user', async () => {
    const id = { issuer: ISS, subject: 'racer', email: 'racer@example.test', emailVerified: true };
    const [a, b] = await Promise.all([signInWithOidc(id, info), signInWithOidc(id, info)]);
    expect(a.user.id).toBe(b.user.id);
    expect(await prisma().user.count({ where: { email: 'racer@example.test' } })).toBe(1);
  });
});

describe('next-auth callbacks (lib/auth/options.ts)', () => {
  const cb = authOptions.callbacks!;
  const account = { provider: OIDC_PROVIDER_ID, type: 'oauth' as const, providerAccountId: 'cb-1' };

  it('signIn + jwt: the token carries uid and sid of a live sessions row, and the existing session actor accepts it', async () => {
    const user = { id: 'cb-1', name: 'From IdP', email: 'cb@example.test' };
    const profile = { iss: ISS, sub: 'cb-1', email: 'cb@example.test', email_verified: 'true', name: 'From IdP' };
    expect(await cb.signIn!({ user, account, profile })).toBe(true);
    const token = await cb.jwt!({ token: { sub: 'cb-1', name: 'From IdP', email: 'cb@example.test' }, user, account, profile, trigger: 'signIn' });
    const row = await prisma().user.findUniqueOrThrow({ where: { email: 'cb@example.test' } });
    expect(token).toMatchObject({ sub: row.id, uid: row.id, name: 'From IdP', email: 'cb@example.test' });
    // the cookie next-auth would set decodes to those claims; sessionActor checks the row
    const cookie = await encode({ token, secret: process.env.NEXTAUTH_SECRET! });
    const claims = await decode({ token: cookie, secret: process.env.NEXTAUTH_SECRET! });
    browser.claims = { uid: claims!.uid as string, sid: claims!.sid as string };
    const actor = await sessionActor();
    expect(actor).toMatchObject({ kind: 'user', id: row.id, role: 'viewer', sessionId: token.sid });
    // request info from the callback's request headers (next/headers)
    const s = await prisma().session.findUniqueOrThrow({ where: { id: token.sid as string } });
    expect(s).toMatchObject({ ip: '127.0.0.1', userAgent: 'vitest' });
    browser.claims = null;
  });

  it('signIn sends a refused person back to the sign-in page with the reason, and refuses other providers', async () => {
    const off = await prisma().user.create({ data: { email: 'cb-off@example.test', name: 'Off', role: 'viewer', passwordHash: null, oidcSubject: `${ISS} cb-off`, disabledAt: new Date() } });
    const res = await cb.signIn!({ user: { id: 'cb-off' }, account: { ...account, providerAccountId: 'cb-off' }, profile: { iss: ISS, sub: 'cb-off', email: off.email, email_verified: true } as Profile });
    expect(res).toBe('/signin?error=oidc_disabled');
    expect(await cb.signIn!({ user: { id: 'x' }, account: { provider: 'credentials', type: 'credentials', providerAccountId: 'x' } })).toBe(false);
  });

  it('a profile without issuer or subject is a failed sign-in in the security log, not a crash', async () => {
    const res = await cb.signIn!({ user: { id: '' }, account, profile: { email: 'nosub@example.test' } });
    expect(res).toBe('/signin?error=oidc_failed');
    expect((await prisma().securityEvent.findFirstOrThrow({ where: { type: 'signin.failure', account: 'nosub@example.test' } })).detail).toMatch(/^oidc: /);
  });
});
