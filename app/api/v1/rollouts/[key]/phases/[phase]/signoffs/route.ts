import { json, parseWith, readBody, route } from '@/lib/http';
import { getSignoffSheet } from '@/lib/queries/governance';
import { recordSignoff, ZRecordSignoffSchema } from '@/lib/services/record-signoff';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string; phase: string }>(async ({ params, actor }) => json(await getSignoffSheet(await actor(), params.key, params.phase)));

export const POST = route<{ key: string; phase: string }>(async ({ req, params, actor, requestId }) => {
  const a = await actor();
  const body = parseWith(ZRecordSignoffSchema, await readBody(req));
  return json(await recordSignoff(a, { key: params.key, phase: params.phase, ...body, requestId }), 201);
});
