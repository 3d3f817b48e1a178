import { json, parseWith, readBody, route } from '@/lib/http';
import { getUser } from '@/lib/queries/users';
import { updateUser, ZUpdateUserSchema, ZUserIdSchema } from '@/lib/services/update-user';

export const dynamic = 'force-dynamic';

export const GET = route<{ id: string }>(async ({ params, actor }) => {
  const a = await actor();
  return json(await getUser(a, parseWith(ZUserIdSchema, params.id, { root: 'id' })));
});

export const PATCH = route<{ id: string }>(async ({ req, params, actor }) => {
  const a = await actor();
  const id = parseWith(ZUserIdSchema, params.id, { root: 'id' });
  const body = parseWith(ZUpdateUserSchema, await readBody(req));
  return json(await updateUser(a, id, body));
});
