import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';

export async function listTokens(actor: Actor) {
  authorize(actor, 'token.manage');
  const rows = await prisma().apiToken.findMany({ orderBy: { createdAt: 'desc' }, include: { environment: true } });
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    role: t.role,
    environment: t.environment?.key ?? null,
    prefix: t.prefix,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revoked: t.revokedAt !== null,
  }));
}
