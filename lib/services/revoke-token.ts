// Revokes an API token (admin). The row stays for the record; the flag server drops it from its
// token table on its next poll, and the management API refuses it at once.
import { z } from 'zod';
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { conflict, notFound } from '../errors';

export const ZTokenIdSchema = z.uuid({ error: 'not a token id (a UUID)' });

export async function revokeToken(actor: Actor, id: string): Promise<{ id: string; name: string; revokedAt: string }> {
  authorize(actor, 'token.manage');
  return prisma().$transaction(async (tx) => {
    const t = await tx.apiToken.findUnique({ where: { id } });
    if (!t) throw notFound(`no API token with id "${id}"`);
    const now = new Date();
    // compare-and-set on "not yet revoked", so two revokes record one event
    const res = await tx.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
    if (res.count !== 1) throw conflict(`token "${t.name}" is already revoked`);
    await tx.auditEvent.create({
      data: {
        actorType: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        action: 'token.revoke',
        reason: `token "${t.name}" (${t.role})`,
        details: { tokenId: t.id, role: t.role },
      },
    });
    return { id: t.id, name: t.name, revokedAt: now.toISOString() };
  });
}
