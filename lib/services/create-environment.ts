// Adds an environment (admin). Every existing rollout's flags get their current state in it at
// once, so the flag server can serve the new environment immediately.
import { z } from 'zod';
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { conflict } from '../errors';
import { LIMITS } from '../limits';
import { phaseDefs } from '../queries/rollouts';
import { applyFlagState } from './apply-flag-state';

export const ZCreateEnvironmentSchema = z.strictObject({
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes')
    .max(LIMITS.keyLength, `at most ${LIMITS.keyLength} characters`),
  name: z.string().trim().min(1, 'must not be empty').max(LIMITS.nameLength, `at most ${LIMITS.nameLength} characters`).optional(),
  // stored as int4
  sortOrder: z.int32({ error: `must be a whole number from ${LIMITS.sortOrderMin} to ${LIMITS.sortOrderMax}` }).optional(),
});
export type TCreateEnvironmentSchema = z.infer<typeof ZCreateEnvironmentSchema>;

export async function createEnvironment(actor: Actor, input: TCreateEnvironmentSchema) {
  authorize(actor, 'environment.manage');
  return prisma().$transaction(async (tx) => {
    if (await tx.environment.findUnique({ where: { key: input.key } })) {
      throw conflict(`environment "${input.key}" already exists`);
    }
    const env = await tx.environment.create({
      data: { key: input.key, name: input.name ?? input.key, sortOrder: input.sortOrder ?? 100 },
    });
    const rollouts = await tx.rollout.findMany({ include: { flags: true, phases: { orderBy: { index: 'asc' } } } });
    for (const r of rollouts) {
      await applyFlagState(tx, r.flags.map((f) => ({ id: f.id, key: f.key, baseline: f.baseline })), phaseDefs(r.phases), r.currentPhaseIndex);
    }
    await tx.auditEvent.create({
      data: { actorType: actor.kind, actorId: actor.id, actorName: actor.name, action: 'environment.create', reason: `environment "${env.key}"`, details: { environment: env.key } },
    });
    return { key: env.key, name: env.name, sortOrder: env.sortOrder };
  });
}

export async function listEnvironments(actor: Actor) {
  authorize(actor, 'rollout.read');
  const rows = await prisma().environment.findMany({ orderBy: [{ sortOrder: 'asc' }, { key: 'asc' }] });
  return rows.map((e) => ({ key: e.key, name: e.name, sortOrder: e.sortOrder, revision: Number(e.revision) }));
}
