// JSON Schema of the plan document, derived from the zod schema so the two can't drift.
// Semantic rules (flag references, variants, durations, split weights) are checked by
// validatePlan and listed in docs/plan-format.md.
import { z } from 'zod';
import { ZPlan } from './plan';

export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ZPlan, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: '/api/v1/plan.schema.json',
    title: 'Switchyard rollout plan',
    description:
      'A phased migration plan: flags with their baseline, and ordered phases with the value of each flag while the phase is current. See docs/plan-format.md.',
  };
}
