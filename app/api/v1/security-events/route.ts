import { badRequest } from '@/lib/errors';
import { json, route } from '@/lib/http';
import { listSecurityEvents } from '@/lib/queries/security-events';
import { SECURITY_EVENT_TYPES, type SecurityEventType } from '@/lib/security/log';

export const dynamic = 'force-dynamic';

const MAX_EVENT_ID = 2n ** 63n - 1n;
const invalid = (path: string, message: string) => badRequest(`${path}: ${message}`, { errors: [{ path, message }] });

export const GET = route(async ({ req, actor }) => {
  const url = new URL(req.url);
  const limit = url.searchParams.get('limit');
  const before = url.searchParams.get('before');
  const type = url.searchParams.get('type');
  if (limit !== null && (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > 500)) throw invalid('limit', 'must be a whole number from 1 to 500');
  if (before !== null && (!/^\d{1,19}$/.test(before) || BigInt(before) > MAX_EVENT_ID)) throw invalid('before', `must be an event id (a whole number up to ${MAX_EVENT_ID})`);
  if (type !== null && !(SECURITY_EVENT_TYPES as readonly string[]).includes(type)) throw invalid('type', `must be one of ${SECURITY_EVENT_TYPES.join(', ')}`);
  const events = await listSecurityEvents(await actor(), {
    limit: limit ? Number(limit) : undefined,
    before: before ? BigInt(before) : undefined,
    type: (type as SecurityEventType | null) ?? undefined,
  });
  return json({ events });
});
