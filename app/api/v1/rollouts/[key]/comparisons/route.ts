import { json, parseWith, readBody, route } from '@/lib/http';
import { getComparisonSeries, parseQuery, ZComparisonSeriesQuerySchema } from '@/lib/queries/evidence';
import { ingestComparisons, ZIngestComparisonsSchema } from '@/lib/services/ingest-comparisons';

export const dynamic = 'force-dynamic';

export const POST = route<{ key: string }>(async ({ req, params, actor, requestId }) => {
  const a = await actor();
  const body = parseWith(ZIngestComparisonsSchema, await readBody(req));
  const r = await ingestComparisons(a, { key: params.key, items: body.results, idempotencyKey: req.headers.get('idempotency-key'), requestId });
  return json(r.body, r.status, r.replayed ? { 'idempotent-replayed': 'true' } : {});
});

export const GET = route<{ key: string }>(async ({ req, params, actor }) => {
  const a = await actor();
  return json(await getComparisonSeries(a, params.key, parseQuery(ZComparisonSeriesQuerySchema, new URL(req.url).searchParams)));
});
