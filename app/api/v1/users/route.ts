import { json, parseWith, readBody, route } from '@/lib/http';
import { listUsers } from '@/lib/queries/users';
import { createUser, ZCreateUserSchema } from '@/lib/services/create-user';

export const dynamic = 'force-dynamic';

export const GET = route(async ({ actor }) => json({ users: await listUsers(await actor()) }));

export const POST = route(async ({ req, actor }) => {
  const a = await actor();
  const body = parseWith(ZCreateUserSchema, await readBody(req));
  return json(await createUser(a, body), 201);
});
