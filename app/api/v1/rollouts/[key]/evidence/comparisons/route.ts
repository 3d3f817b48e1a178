import { json, route } from '@/lib/http';
import { getComparisonRows, parseDashboardQuery, ZComparisonRowsQuerySchema } from '@/lib/queries/dashboards';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string }>(async ({ req, params, actor }) => {
  const a = await actor();
  return json(await getComparisonRows(a, params.key, parseDashboardQuery(ZComparisonRowsQuerySchema, new URL(req.url).searchParams)));
});
