// Resolves who is calling: an API token (Authorization: Bearer / X-API-Key) or a signed-in
// user's session. The role always comes from the database, on every request, and so does the
// session itself: the next-auth JWT only carries the id of a `sessions` row, which sign-out
// revokes (lib/services/sign-out.ts) — an old cookie stops working at once.
import { getServerSession } from 'next-auth';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { prisma } from '../db';
import { env } from '../env';
import { unauthorized } from '../errors';
import { markLogged, recordSecurityEvent } from '../security/log';
import { assertTrustedOrigin } from '../security/origin';
import { clientIp, requestInfoOf } from '../security/request-info';
import type { Actor } from './actor';
import { authOptions } from './options';
import { hashToken } from './tokens';

export interface SessionClaims {
  uid: string;
  sid: string;
}

/** The claims of the session cookie, or null (no cookie, a bad one, or outside a request). */
export async function sessionClaims(): Promise<SessionClaims | null> {
  let session;
  try {
    session = await getServerSession(authOptions);
  } catch {
    // outside a Next request scope (scripts, tests calling handlers directly): no session
    return null;
  }
  const u = session?.user as { id?: string; sid?: string } | undefined;
  return u?.id && u.sid ? { uid: u.id, sid: u.sid } : null;
}

export async function sessionActor(): Promise<Actor | null> {
  const claims = await sessionClaims();
  if (!claims) return null;
  const s = await prisma().session.findUnique({
    where: { id: claims.sid },
    select: { userId: true, revokedAt: true, expiresAt: true, user: { select: { id: true, name: true, email: true, role: true, disabledAt: true } } },
  });
  if (!s || s.userId !== claims.uid || s.revokedAt || s.expiresAt.getTime() <= Date.now()) return null;
  const user = s.user;
  // disabling revokes the sessions too; this also covers one created while the disable committed
  if (user.disabledAt) return null;
  return { kind: 'user', id: user.id, name: user.name || user.email, role: user.role, sessionId: claims.sid, userId: user.id };
}

export async function requireSessionActor(): Promise<Actor> {
  const a = await sessionActor();
  if (!a) throw unauthorized('sign in first');
  return a;
}

export function presentedToken(headers: Headers): string | null {
  const auth = headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m ? m[1].trim() : null;
  }
  return headers.get('x-api-key')?.trim() || null;
}

export async function tokenActor(secret: string): Promise<Actor | null> {
  const hash = hashToken(secret);
  const t = await prisma().apiToken.findUnique({
    where: { tokenHash: hash },
    include: { user: { select: { id: true, name: true, email: true, role: true, disabledAt: true } } },
  });
  if (!t) {
    // SWITCHYARD_ADMIN_TOKEN works even before the seed step has stored its hash
    const bootstrap = env().SWITCHYARD_ADMIN_TOKEN;
    if (bootstrap && hash === hashToken(bootstrap)) return { kind: 'token', id: null, name: 'bootstrap admin token', role: 'admin' };
    return null;
  }
  if (t.revokedAt) return null;
  // a personal token acts as its user, with the user's role now (not when the token was made);
  // a disabled user's tokens are revoked, and refused here even if one slipped past that
  const person = t.userId ? t.user : null;
  if (t.userId && (!person || person.disabledAt)) return null;
  // best effort, off the request's critical path
  void prisma()
    .apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date() } })
    .catch(() => {});
  if (person) return { kind: 'token', id: t.id, name: `${person.name || person.email} (token ${t.name})`, role: person.role, environmentId: null, userId: person.id };
  return { kind: 'token', id: t.id, name: t.name, role: t.role, environmentId: t.environmentId };
}

const seenTokenIps = new Set<string>();

/** A token seen from an IP it was never used from is a security event (once per token and IP). */
async function noteTokenIp(actor: Actor, req: Request, requestId?: string): Promise<void> {
  const ip = clientIp(req.headers);
  if (!ip) return;
  const key = actor.id ?? 'bootstrap';
  // a pair this process has already recorded needs no write: only the first use from an IP does
  const pair = `${key} ${ip}`;
  if (seenTokenIps.has(pair)) return;
  try {
    const inserted = await prisma().$executeRaw`
      INSERT INTO token_ips (token_key, ip) VALUES (${key}, ${ip}) ON CONFLICT DO NOTHING`;
    if (seenTokenIps.size > 50_000) seenTokenIps.clear();
    seenTokenIps.add(pair);
    if (inserted > 0) {
      await recordSecurityEvent({ type: 'token.new_ip', actor, info: requestInfoOf(req), detail: `token "${actor.name}" used from ${ip} for the first time`, requestId });
    }
  } catch (e) {
    console.error('[switchyard] could not record token IP:', e instanceof Error ? e.message : e);
  }
}

const resolved = new WeakMap<Request, Actor>();
/** The actor `requestActor` resolved for this request, if it got that far (for the security log). */
export function resolvedActorOf(req: Request): Actor | null {
  return resolved.get(req) ?? null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * For REST routes: a token if one is presented (an unknown one is a 401), else the session.
 * A session may only change things from a trusted Origin (CSRF); tokens are not sent by
 * browsers on their own, so they need no such check.
 */
export async function requestActor(req: Request, requestId?: string): Promise<Actor> {
  const secret = presentedToken(req.headers);
  if (secret !== null) {
    const a = await tokenActor(secret);
    if (!a) {
      await recordSecurityEvent({ type: 'authn.failed', info: requestInfoOf(req), detail: 'unknown or revoked API token', requestId });
      throw markLogged(unauthorized('unknown or revoked API token'));
    }
    resolved.set(req, a);
    await noteTokenIp(a, req, requestId);
    return a;
  }
  const s = await sessionActor();
  if (!s) throw unauthorized('send "Authorization: Bearer <token>" or sign in');
  resolved.set(req, s);
  if (!SAFE_METHODS.has(req.method.toUpperCase())) {
    try {
      assertTrustedOrigin(req.headers.get('origin'), 'cookie-authenticated write');
    } catch (e) {
      await recordSecurityEvent({ type: 'origin.refused', actor: s, info: requestInfoOf(req), detail: (e as Error).message, requestId });
      throw markLogged(e);
    }
  }
  return s;
}

/** The path (and query) of the page being rendered, as the proxy recorded it. */
async function currentPath(): Promise<string | null> {
  try {
    const p = (await headers()).get('x-switchyard-path');
    return p && p.startsWith('/') && !p.startsWith('//') ? p : null;
  } catch {
    return null;
  }
}

/** For pages: the signed-in user, or a redirect to the sign-in page that comes back here. */
export async function pageActor(returnTo?: string): Promise<Actor> {
  const a = await sessionActor();
  if (!a) {
    const back = returnTo ?? (await currentPath()) ?? '/rollouts';
    redirect(`/signin?callbackUrl=${encodeURIComponent(back)}`);
  }
  return a;
}
