// Sign-out ends the session on the server: the `sessions` row is revoked, so the cookie (a JWT
// valid for 12 h) is worthless from this moment on, wherever a copy of it is.
import { prisma } from '../db';
import type { Actor } from '../auth/actor';
import { recordSecurityEvent } from '../security/log';
import type { RequestInfo } from '../security/request-info';

export async function signOut(actor: Actor | null, sessionId: string | null, info: Partial<RequestInfo>): Promise<void> {
  if (!sessionId) return;
  const r = await prisma().session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
  if (r.count > 0) await recordSecurityEvent({ type: 'signout', actor, info, detail: 'session ended' });
}
