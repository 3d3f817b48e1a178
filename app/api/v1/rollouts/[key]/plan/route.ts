// GET: the plan document the rollout runs now (ETag: the rollout version). PUT: replace it with a
// new version (lib/services/edit-plan.ts). The version being changed goes in `?expectedVersion=`
// or in `If-Match` (the ETag from GET); one of them is required, and they must agree.
import { authorize } from '@/lib/auth/actor';
import { badRequest } from '@/lib/errors';
import { json, readBody, route } from '@/lib/http';
import { getRolloutPlan } from '@/lib/queries/rollout-plan';
import { editPlan } from '@/lib/services/edit-plan';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string }>(async ({ params, actor }) => {
  const p = await getRolloutPlan(await actor(), params.key);
  return json(p.plan, 200, { etag: `"${p.version}"`, 'x-plan-version': String(p.planVersion) });
});

function expectedVersionOf(req: Request): number {
  const q = new URL(req.url).searchParams.get('expectedVersion');
  const h = req.headers.get('if-match');
  const fromHeader = h === null ? null : /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(h)?.[1];
  if (h !== null && !fromHeader) {
    throw badRequest('If-Match must be the ETag of GET …/plan: the rollout version in quotes, e.g. "3"', { errors: [{ path: 'If-Match', message: 'not a version' }] });
  }
  if (q !== null && !/^\d{1,9}$/.test(q.trim())) {
    throw badRequest('expectedVersion must be a whole number (the rollout version you are changing)', { errors: [{ path: 'expectedVersion', message: 'not a whole number' }] });
  }
  if (q === null && !fromHeader) {
    throw badRequest('say which version you are changing: ?expectedVersion=N or If-Match: "N" (the ETag of GET …/plan)', {
      errors: [{ path: 'expectedVersion', message: 'required (or an If-Match header)' }],
    });
  }
  if (q !== null && fromHeader && Number(q) !== Number(fromHeader)) {
    throw badRequest(`expectedVersion ${q} and If-Match "${fromHeader}" disagree`, { errors: [{ path: 'expectedVersion', message: 'differs from If-Match' }] });
  }
  return Number(q ?? fromHeader);
}

export const PUT = route<{ key: string }>(async ({ req, params, actor, requestId }) => {
  const a = await actor();
  // the service authorizes too; first here, so a viewer hears 403 before any 400 about the request
  authorize(a, 'rollout.create');
  const expectedVersion = expectedVersionOf(req);
  const document = await readBody(req, { allowYaml: true });
  const r = await editPlan(a, { key: params.key, document, expectedVersion, requestId });
  return json(
    { rollout: r.rollout, fromPlanVersion: r.fromPlanVersion, toPlanVersion: r.toPlanVersion, diff: r.diff, invalidatedSignoffs: r.invalidatedSignoffs, resetTicks: r.resetTicks },
    200,
    { etag: `"${r.rollout.version}"` },
  );
});
