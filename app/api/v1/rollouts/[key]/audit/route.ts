import { badRequest } from '@/lib/errors';
import { json, route } from '@/lib/http';
import { listAudit } from '@/lib/queries/rollouts';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string }>(async ({ req, params, actor }) => {
  const url = new URL(req.url);
  const limit = url.searchParams.get('limit');
  const before = url.searchParams.get('before');
  if (limit !== null && !/^\d+$/.test(limit)) throw badRequest('limit must be a positive integer');
  if (before !== null && !/^\d+$/.test(before)) throw badRequest('before must be an event id');
  const events = await listAudit(await actor(), params.key, {
    limit: limit ? Number(limit) : undefined,
    before: before ? BigInt(before) : undefined,
  });
  return json({ events });
});
