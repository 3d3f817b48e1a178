import { json, parseWith, readBody, route } from '@/lib/http';
import { listTokens } from '@/lib/queries/tokens';
import { createToken, ZCreateTokenSchema } from '@/lib/services/create-token';

export const dynamic = 'force-dynamic';

export const GET = route(async ({ actor }) => json({ tokens: await listTokens(await actor()) }));

export const POST = route(async ({ req, actor }) => {
  const a = await actor();
  const body = parseWith(ZCreateTokenSchema, await readBody(req));
  return json(await createToken(a, body), 201);
});
