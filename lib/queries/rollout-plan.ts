// The plan a rollout runs now, as a document to edit and PUT back (GET /api/v1/rollouts/{key}/plan,
// the Edit plan page): the document, the rollout version to send as expectedVersion, the plan version.
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { notFound } from '../errors';
import type { TPlan } from '../domain/plan';
import type { RolloutStatus } from '../domain/lifecycle';
import { planVersionOf } from '../services/edit-plan';

export interface RolloutPlan {
  key: string;
  name: string;
  status: RolloutStatus;
  version: number;
  planVersion: number;
  plan: TPlan;
}

export async function getRolloutPlan(actor: Actor, key: string): Promise<RolloutPlan> {
  authorize(actor, 'rollout.read');
  const db = prisma();
  const r = await db.rollout.findUnique({ where: { key }, select: { id: true, key: true, name: true, status: true, version: true, plan: true } });
  if (!r) throw notFound(`no rollout with key "${key}"`);
  return { key: r.key, name: r.name, status: r.status, version: r.version, planVersion: await planVersionOf(db, r.id), plan: r.plan as unknown as TPlan };
}
