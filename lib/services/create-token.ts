// Creates an API token. The secret is returned once and only its hash is stored.
import { z } from 'zod';
import { authorize, ROLES, type Actor } from '../auth/actor';
import { hashToken, newTokenSecret, tokenPrefix } from '../auth/tokens';
import { prisma } from '../db';
import { badRequest } from '../errors';
import type { TokenView } from '../queries/tokens';

export const ZCreateTokenSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'must not be empty').max(100),
    role: z.enum(ROLES),
    environment: z.string().min(1).optional(),
  })
  .refine((t) => (t.role === 'flags') === (t.environment !== undefined), {
    message: 'a "flags" token needs an environment, and only a flags token takes one',
    path: ['environment'],
  });
export type TCreateTokenSchema = z.infer<typeof ZCreateTokenSchema>;

/** the token as listed, plus its secret: shown once */
export type CreatedToken = Omit<TokenView, 'lastUsedAt' | 'revoked'> & { token: string };

export async function createToken(actor: Actor, input: TCreateTokenSchema): Promise<CreatedToken> {
  authorize(actor, 'token.manage');
  return prisma().$transaction(async (tx) => {
    let environmentId: string | null = null;
    if (input.environment) {
      const env = await tx.environment.findUnique({ where: { key: input.environment } });
      if (!env) throw badRequest(`unknown environment "${input.environment}"`, { errors: [{ path: 'environment', message: 'unknown environment' }] });
      environmentId = env.id;
    }
    const secret = newTokenSecret();
    const row = await tx.apiToken.create({
      data: {
        name: input.name,
        role: input.role,
        environmentId,
        tokenHash: hashToken(secret),
        prefix: tokenPrefix(secret),
        createdById: actor.kind === 'user' ? actor.id : null,
      },
    });
    await tx.auditEvent.create({
      data: {
        actorType: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        action: 'token.create',
        reason: `token "${input.name}" (${input.role}${input.environment ? ` @ ${input.environment}` : ''})`,
        details: { tokenId: row.id, role: input.role, environment: input.environment ?? null },
      },
    });
    return {
      id: row.id,
      name: row.name,
      role: row.role,
      environment: input.environment ?? null,
      prefix: row.prefix,
      createdAt: row.createdAt.toISOString(),
      token: secret,
    };
  });
}
