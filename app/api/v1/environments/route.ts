import { json, parseWith, readBody, route } from '@/lib/http';
import { createEnvironment, listEnvironments, ZCreateEnvironmentSchema } from '@/lib/services/create-environment';

export const dynamic = 'force-dynamic';

export const GET = route(async ({ actor }) => json({ environments: await listEnvironments(await actor()) }));

export const POST = route(async ({ req, actor }) => {
  const a = await actor();
  return json(await createEnvironment(a, parseWith(ZCreateEnvironmentSchema, await readBody(req))), 201);
});
