import { json, parseWith, route } from '@/lib/http';
import { revokeToken, ZTokenIdSchema } from '@/lib/services/revoke-token';

export const dynamic = 'force-dynamic';

export const DELETE = route<{ id: string }>(async ({ params, actor }) => {
  const a = await actor();
  return json(await revokeToken(a, parseWith(ZTokenIdSchema, params.id, { root: 'id' })));
});
