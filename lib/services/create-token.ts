// Creates an API token. The secret is returned once and only its hash is stored.
// A service token has its own role (and a flags token its environment). A personal token
// (`user: "<email>"`) acts as that person: lib/auth/session.ts gives it the user's CURRENT role on
// every request (the role stored on the row is a copy kept in step by update-user), and it stops
// working when the user is disabled.
import { z } from 'zod';
import { authorize, ROLES, type Actor, type Role } from '../auth/actor';
import { hashToken, newTokenSecret, tokenPrefix } from '../auth/tokens';
import { prisma } from '../db';
import { badRequest, conflict } from '../errors';
import { LIMITS } from '../limits';
import type { TokenView } from '../queries/tokens';
import { ZEmail } from './create-user';

export const ZCreateTokenSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'must not be empty').max(100),
    role: z.enum(ROLES).optional(),
    environment: z.string().min(1).optional(),
    /** a personal token: acts as this user (by email), with that user's role at the time of each request */
    user: ZEmail.optional(),
    /** a metrics token limited to these rollouts (keys); left out = every rollout */
    rollouts: z.array(z.string().min(1, 'must not be empty').max(LIMITS.keyLength), { error: 'expected a list of rollout keys' }).min(1, 'must not be empty (leave it out for every rollout)').max(100, 'at most 100 rollouts').optional(),
  })
  .superRefine((t, ctx) => {
    if (t.rollouts !== undefined && t.role !== 'metrics') ctx.addIssue({ code: 'custom', path: ['rollouts'], message: 'only a "metrics" token is limited to rollouts' });
    if (t.user !== undefined) {
      // the user decides the role; a personal token is never an environment's flags token
      for (const k of ['role', 'environment'] as const) {
        if (t[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `a personal token (with "user") takes its role from the user; leave out "${k}"` });
      }
      return;
    }
    if (t.role === undefined) {
      ctx.addIssue({ code: 'custom', path: ['role'], message: 'required (or give "user" for a personal token)' });
      return;
    }
    if ((t.role === 'flags') !== (t.environment !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['environment'], message: 'a "flags" token needs an environment, and only a flags token takes one' });
    }
  });
export type TCreateTokenSchema = z.infer<typeof ZCreateTokenSchema>;

/** the token as listed, plus its secret: shown once; `user` is the email of a personal token's owner */
export type CreatedToken = Omit<TokenView, 'lastUsedAt' | 'revoked'> & { token: string; user?: string | null; rollouts?: string[] };

export async function createToken(actor: Actor, input: TCreateTokenSchema): Promise<CreatedToken> {
  authorize(actor, 'token.manage');
  return prisma().$transaction(async (tx) => {
    let environmentId: string | null = null;
    if (input.environment) {
      const env = await tx.environment.findUnique({ where: { key: input.environment } });
      if (!env) throw badRequest(`unknown environment "${input.environment}"`, { errors: [{ path: 'environment', message: 'unknown environment' }] });
      environmentId = env.id;
    }
    let owner: { id: string; email: string; role: Role } | null = null;
    if (input.user !== undefined) {
      // FOR SHARE: a concurrent disable (update-user locks the row FOR UPDATE) either sees this
      // token and revokes it, or commits first and this sees the user disabled
      const [u] = await tx.$queryRaw<{ id: string; email: string; role: Role; disabledAt: Date | null }[]>`
        SELECT id::text AS id, email, role::text AS role, disabled_at AS "disabledAt" FROM users WHERE email = ${input.user} FOR SHARE`;
      if (!u) throw badRequest(`user: no user with email "${input.user}"`, { errors: [{ path: 'user', message: 'unknown user' }] });
      if (u.disabledAt) throw conflict(`user: "${u.email}" is disabled; enable them first`, { errors: [{ path: 'user', message: 'the user is disabled' }] });
      owner = { id: u.id, email: u.email, role: u.role };
    }
    const role: Role = owner ? owner.role : input.role!;
    const rolloutKeys = [...new Set(input.rollouts ?? [])];
    if (rolloutKeys.length) {
      const found = new Set((await tx.rollout.findMany({ where: { key: { in: rolloutKeys } }, select: { key: true } })).map((r) => r.key));
      const missing = rolloutKeys.filter((k) => !found.has(k));
      if (missing.length) throw badRequest(`rollouts: no rollout with key ${missing.map((k) => `"${k}"`).join(', ')}`, { errors: [{ path: 'rollouts', message: `unknown rollout ${missing.join(', ')}` }] });
    }
    const secret = newTokenSecret();
    const row = await tx.apiToken.create({
      data: {
        name: input.name,
        role,
        environmentId,
        rolloutKeys,
        userId: owner?.id ?? null,
        tokenHash: hashToken(secret),
        prefix: tokenPrefix(secret),
        createdById: actor.kind === 'user' ? actor.id : null,
      },
    });
    const what = owner ? `personal, acting as ${owner.email}` : `${role}${input.environment ? ` @ ${input.environment}` : ''}`;
    await tx.auditEvent.create({
      data: {
        actorType: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        action: 'token.create',
        reason: `token "${input.name}" (${what})`,
        details: { tokenId: row.id, role, environment: input.environment ?? null, ...(rolloutKeys.length ? { rollouts: rolloutKeys } : {}), ...(owner ? { userId: owner.id, user: owner.email } : {}) },
      },
    });
    return {
      id: row.id,
      name: row.name,
      role: row.role,
      environment: input.environment ?? null,
      prefix: row.prefix,
      createdAt: row.createdAt.toISOString(),
      user: owner?.email ?? null,
      ...(rolloutKeys.length ? { rollouts: rolloutKeys } : {}),
      token: secret,
    };
  });
}
