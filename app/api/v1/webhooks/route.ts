import { json, parseWith, readBody, route } from '@/lib/http';
import { listWebhooks } from '@/lib/queries/webhooks';
import { createWebhook, ZCreateWebhookSchema } from '@/lib/services/create-webhook';

export const dynamic = 'force-dynamic';

export const GET = route(async ({ actor }) => json({ webhooks: await listWebhooks(await actor()) }));

export const POST = route(async ({ req, actor }) => {
  const a = await actor();
  const body = parseWith(ZCreateWebhookSchema, await readBody(req));
  return json(await createWebhook(a, body), 201);
});
