import { json, parseWith, readBody, route } from '@/lib/http';
import { tickChecklistItem, ZTickChecklistSchema } from '@/lib/services/tick-checklist-item';

export const dynamic = 'force-dynamic';

export const POST = route<{ key: string; phase: string; item: string }>(async ({ req, params, actor, requestId }) => {
  const a = await actor();
  const body = parseWith(ZTickChecklistSchema, await readBody(req));
  return json(await tickChecklistItem(a, { key: params.key, phase: params.phase, item: params.item, ...body, requestId }));
});
