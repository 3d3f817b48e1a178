import { json, readBody, route } from '@/lib/http';
import { listRollouts } from '@/lib/queries/rollouts';
import { createRollout } from '@/lib/services/create-rollout';

export const dynamic = 'force-dynamic';

export const GET = route(async ({ actor }) => json({ rollouts: await listRollouts(await actor()) }));

export const POST = route(async ({ req, actor, requestId }) => {
  const a = await actor();
  const body = await readBody(req, { allowYaml: true });
  const rollout = await createRollout(a, body, { requestId });
  return json(rollout, 201, { location: `/api/v1/rollouts/${rollout.key}` });
});
