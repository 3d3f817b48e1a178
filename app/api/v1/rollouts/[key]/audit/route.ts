import { badRequest } from '@/lib/errors';
import { json, route } from '@/lib/http';
import { listAudit } from '@/lib/queries/rollouts';

export const dynamic = 'force-dynamic';

// audit event ids are Postgres bigints
const MAX_EVENT_ID = 2n ** 63n - 1n;

const invalid = (path: string, message: string) => badRequest(`${path}: ${message}`, { errors: [{ path, message }] });

export const GET = route<{ key: string }>(async ({ req, params, actor }) => {
  const url = new URL(req.url);
  const limit = url.searchParams.get('limit');
  const before = url.searchParams.get('before');
  if (limit !== null && (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > 500)) {
    throw invalid('limit', 'must be a whole number from 1 to 500');
  }
  if (before !== null && (!/^\d{1,19}$/.test(before) || BigInt(before) > MAX_EVENT_ID)) {
    throw invalid('before', `must be an event id (a whole number up to ${MAX_EVENT_ID})`);
  }
  const events = await listAudit(await actor(), params.key, {
    limit: limit ? Number(limit) : undefined,
    before: before ? BigInt(before) : undefined,
  });
  return json({ events });
});
