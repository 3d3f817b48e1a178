'use server';
// Server actions for the rollout pages. Thin: parse at the boundary, then the same services the
// REST API calls; authorization happens inside those services.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ACTIONS } from '@/lib/domain/lifecycle';
import { badRequest, type ActionResult } from '@/lib/errors';
import { parseWith } from '@/lib/http';
import { LIMITS, yamlNestingProblem } from '@/lib/limits';
import type { RolloutDetail } from '@/lib/queries/rollouts';
import { createRollout } from '@/lib/services/create-rollout';
import { transitionRollout, ZTransitionSchema } from '@/lib/services/transition-rollout';
import { runAction } from './context';

const ZTransitionActionSchema = ZTransitionSchema.extend({ key: z.string().min(1), action: z.enum(ACTIONS) });
export type TTransitionActionSchema = z.infer<typeof ZTransitionActionSchema>;

export async function transitionAction(input: TTransitionActionSchema): Promise<ActionResult<RolloutDetail>> {
  return runAction('transition', async ({ actor, requestId }) => {
    const { key, action, ...body } = parseWith(ZTransitionActionSchema, input);
    return transitionRollout(actor, { key, action, ...body, requestId });
  });
}

/** Creates a rollout from a plan document pasted as YAML (JSON is valid YAML too). */
export async function createRolloutAction(source: string): Promise<ActionResult<{ key: string }>> {
  return runAction('createRollout', async ({ actor, requestId }) => {
    if (typeof source !== 'string' || !source.trim()) throw badRequest('the plan is empty: paste a plan in YAML or JSON');
    // before the (recursive) YAML composer: deep nesting would end its stack (lib/limits.ts)
    const deep = yamlNestingProblem(source);
    if (deep) {
      const message = `nested deeper than ${LIMITS.depth} levels (at line ${deep.line}, column ${deep.column})`;
      throw badRequest(`the plan is ${message}`, { errors: [{ path: '(plan)', message }] });
    }
    let doc: unknown;
    try {
      doc = parseYaml(source, { prettyErrors: true });
    } catch (e) {
      throw badRequest(`the plan is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    const r = await createRollout(actor, doc, { requestId });
    return { key: r.key };
  });
}
