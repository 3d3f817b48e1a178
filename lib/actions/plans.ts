'use server';
// Server action of the Edit plan page. Thin: parse the pasted YAML/JSON at the boundary, then the
// same service PUT /api/v1/rollouts/{key}/plan calls; authorization happens inside it.
import { parse as parseYaml } from 'yaml';
import { badRequest, type ActionResult } from '@/lib/errors';
import { LIMITS, yamlNestingProblem } from '@/lib/limits';
import { editPlan } from '@/lib/services/edit-plan';
import { runAction } from './context';

export interface EditPlanActionResult {
  key: string;
  version: number;
  toPlanVersion: number;
  changes: number;
  invalidatedSignoffs: number;
  resetTicks: number;
}

/** Replaces the plan of rollout `key` (at `expectedVersion`) with `source`, a plan in YAML or JSON. */
export async function editPlanAction(key: string, source: string, expectedVersion: number): Promise<ActionResult<EditPlanActionResult>> {
  return runAction('editPlan', async ({ actor, requestId }) => {
    if (typeof key !== 'string' || !key) throw badRequest('key: the rollout key is required', { errors: [{ path: 'key', message: 'required' }] });
    if (typeof source !== 'string' || !source.trim()) throw badRequest('the plan is empty: paste a plan in YAML or JSON');
    if (typeof expectedVersion !== 'number') throw badRequest('expectedVersion (the version you are changing) is required', { errors: [{ path: 'expectedVersion', message: 'required' }] });
    // before the (recursive) YAML composer: deep nesting would end its stack (lib/limits.ts)
    const deep = yamlNestingProblem(source);
    if (deep) {
      const message = `nested deeper than ${LIMITS.depth} levels (at line ${deep.line}, column ${deep.column})`;
      throw badRequest(`the plan is ${message}`, { errors: [{ path: '(plan)', message }] });
    }
    let document: unknown;
    try {
      document = parseYaml(source, { prettyErrors: true });
    } catch (e) {
      throw badRequest(`the plan is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    const r = await editPlan(actor, { key, document, expectedVersion, requestId });
    return { key: r.rollout.key, version: r.rollout.version, toPlanVersion: r.toPlanVersion, changes: r.diff.length, invalidatedSignoffs: r.invalidatedSignoffs.length, resetTicks: r.resetTicks.length };
  });
}
