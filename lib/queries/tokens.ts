import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';

export interface TokenView {
  id: string;
  name: string;
  role: string;
  environment: string | null;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
}

export async function listTokens(actor: Actor): Promise<TokenView[]> {
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
