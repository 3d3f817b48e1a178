'use server';
import { requireSessionActor } from '@/lib/auth/session';
import { asActionResult, type ActionResult } from '@/lib/errors';
import { parseWith } from '@/lib/http';
import { createEnvironment, ZCreateEnvironmentSchema } from '@/lib/services/create-environment';

export async function createEnvironmentAction(input: { key: string; name?: string }): Promise<ActionResult<{ key: string }>> {
  return asActionResult(async () => {
    const actor = await requireSessionActor();
    const env = await createEnvironment(actor, parseWith(ZCreateEnvironmentSchema, { key: input.key, ...(input.name ? { name: input.name } : {}) }));
    return { key: env.key };
  });
}
