import { json, route } from '@/lib/http';
import { getEvidenceDashboard, parseDashboardQuery, ZEvidenceQuerySchema } from '@/lib/queries/dashboards';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string }>(async ({ req, params, actor }) => {
  const a = await actor();
  return json(await getEvidenceDashboard(a, params.key, parseDashboardQuery(ZEvidenceQuerySchema, new URL(req.url).searchParams)));
});
