import { json, parseWith, readBody, route } from '@/lib/http';
import { getMetricSeries, parseQuery, ZMetricSeriesQuerySchema } from '@/lib/queries/evidence';
import { ingestMetrics, ZIngestMetricsSchema } from '@/lib/services/ingest-metrics';

export const dynamic = 'force-dynamic';

export const POST = route<{ key: string }>(async ({ req, params, actor, requestId }) => {
  const a = await actor();
  const body = parseWith(ZIngestMetricsSchema, await readBody(req));
  const r = await ingestMetrics(a, { key: params.key, items: body.samples, idempotencyKey: req.headers.get('idempotency-key'), requestId });
  return json(r.body, r.status, r.replayed ? { 'idempotent-replayed': 'true' } : {});
});

export const GET = route<{ key: string }>(async ({ req, params, actor }) => {
  const a = await actor();
  return json(await getMetricSeries(a, params.key, parseQuery(ZMetricSeriesQuerySchema, new URL(req.url).searchParams)));
});
