'use server';
import { type ActionResult } from '@/lib/errors';
import { parseWith } from '@/lib/http';
import { createEnvironment, ZCreateEnvironmentSchema } from '@/lib/services/create-environment';
import { runAction } from './context';

export async function createEnvironmentAction(input: { key: string; name?: string }): Promise<ActionResult<{ key: string }>> {
  return runAction('createEnvironment', async ({ actor }) => {
    const i = (input ?? {}) as { key?: unknown; name?: unknown };
    const env = await createEnvironment(actor, parseWith(ZCreateEnvironmentSchema, { key: i.key, ...(i.name ? { name: i.name } : {}) }));
    return { key: env.key };
  });
}
