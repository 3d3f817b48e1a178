// The security log for admins: newest first, paged by id, filtered by type.
import { prisma } from '../db';
import { authorize, type Actor } from '../auth/actor';
import type { SecurityEventType } from '../security/log';

export interface SecurityEventView {
  id: string;
  type: string;
  actor: { type: string; id: string | null; name: string | null } | null;
  account: string | null;
  ip: string | null;
  userAgent: string | null;
  method: string | null;
  path: string | null;
  detail: string;
  requestId: string | null;
  at: string;
}

export async function listSecurityEvents(
  actor: Actor,
  opts: { limit?: number; before?: bigint; type?: SecurityEventType } = {},
): Promise<SecurityEventView[]> {
  authorize(actor, 'security.read');
  const rows = await prisma().securityEvent.findMany({
    where: { ...(opts.before ? { id: { lt: opts.before } } : {}), ...(opts.type ? { type: opts.type } : {}) },
    orderBy: { id: 'desc' },
    take: opts.limit ?? 100,
  });
  return rows.map((r) => ({
    id: r.id.toString(),
    type: r.type,
    actor: r.actorType ? { type: r.actorType, id: r.actorId, name: r.actorName } : null,
    account: r.account,
    ip: r.ip,
    userAgent: r.userAgent,
    method: r.method,
    path: r.path,
    detail: r.detail,
    requestId: r.requestId,
    at: r.createdAt.toISOString(),
  }));
}
