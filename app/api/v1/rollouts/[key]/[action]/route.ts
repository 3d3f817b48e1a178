import { ACTIONS, type RolloutAction } from '@/lib/domain/lifecycle';
import { notFound } from '@/lib/errors';
import { json, parseWith, readBody, route } from '@/lib/http';
import { transitionRollout, ZTransitionSchema } from '@/lib/services/transition-rollout';

export const dynamic = 'force-dynamic';

export const POST = route<{ key: string; action: string }>(async ({ req, params, actor, requestId }) => {
  if (!(ACTIONS as readonly string[]).includes(params.action)) {
    throw notFound(`unknown action "${params.action}" (actions: ${ACTIONS.join(', ')})`);
  }
  const a = await actor();
  const body = parseWith(ZTransitionSchema, await readBody(req));
  const rollout = await transitionRollout(a, {
    key: params.key,
    action: params.action as RolloutAction,
    expectedVersion: body.expectedVersion,
    reason: body.reason,
    to: body.to,
    override: body.override,
    requestId,
  });
  return json(rollout);
});
