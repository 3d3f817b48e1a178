import { json, parseWith, readBody, route } from '@/lib/http';
import { deleteWebhook, updateWebhook, ZUpdateWebhookSchema, ZWebhookIdSchema } from '@/lib/services/update-webhook';

export const dynamic = 'force-dynamic';

export const PATCH = route<{ id: string }>(async ({ req, params, actor }) => {
  const a = await actor();
  const id = parseWith(ZWebhookIdSchema, params.id, { root: 'id' });
  const body = parseWith(ZUpdateWebhookSchema, await readBody(req));
  return json(await updateWebhook(a, id, body));
});

export const DELETE = route<{ id: string }>(async ({ params, actor }) => {
  const a = await actor();
  return json(await deleteWebhook(a, parseWith(ZWebhookIdSchema, params.id, { root: 'id' })));
});
