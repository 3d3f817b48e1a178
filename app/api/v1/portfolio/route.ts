import { z } from 'zod';
import { json, route } from '@/lib/http';
import { getPortfolio, parseDashboardQuery } from '@/lib/queries/dashboards';

export const dynamic = 'force-dynamic';

export const GET = route(async ({ req, actor }) => {
  const a = await actor();
  // no parameters: anything in the query string is named back as unknown
  parseDashboardQuery(z.strictObject({}), new URL(req.url).searchParams);
  return json(await getPortfolio(a));
});
