// Resolves who is calling: an API token (Authorization: Bearer / X-API-Key) or a signed-in
// user's session. The role always comes from the database, on every request.
import { getServerSession } from 'next-auth';
import { redirect } from 'next/navigation';
import { prisma } from '../db';
import { env } from '../env';
import { unauthorized } from '../errors';
import type { Actor } from './actor';
import { authOptions } from './options';
import { hashToken } from './tokens';

export async function sessionActor(): Promise<Actor | null> {
  let session;
  try {
    session = await getServerSession(authOptions);
  } catch {
    // outside a Next request scope (scripts, tests calling handlers directly): no session
    return null;
  }
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  const user = await prisma().user.findUnique({ where: { id }, select: { id: true, name: true, email: true, role: true } });
  if (!user) return null;
  return { kind: 'user', id: user.id, name: user.name || user.email, role: user.role };
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
  const t = await prisma().apiToken.findUnique({ where: { tokenHash: hash } });
  if (!t) {
    // SWITCHYARD_ADMIN_TOKEN works even before the seed step has stored its hash
    const bootstrap = env().SWITCHYARD_ADMIN_TOKEN;
    if (bootstrap && hash === hashToken(bootstrap)) return { kind: 'token', id: null, name: 'bootstrap admin token', role: 'admin' };
    return null;
  }
  if (t.revokedAt) return null;
  // best effort, off the request's critical path
  void prisma()
    .apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date() } })
    .catch(() => {});
  return { kind: 'token', id: t.id, name: t.name, role: t.role, environmentId: t.environmentId };
}

/** For REST routes: a token if one is presented (an unknown one is a 401), else the session. */
export async function requestActor(req: Request): Promise<Actor> {
  const secret = presentedToken(req.headers);
  if (secret !== null) {
    const a = await tokenActor(secret);
    if (!a) throw unauthorized('unknown or revoked API token');
    return a;
  }
  const s = await sessionActor();
  if (!s) throw unauthorized('send "Authorization: Bearer <token>" or sign in');
  return s;
}

/** For pages: the signed-in user, or a redirect to the sign-in page. */
export async function pageActor(returnTo = '/rollouts'): Promise<Actor> {
  const a = await sessionActor();
  if (!a) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  return a;
}
