// Evidence test helpers: a rollout whose plan declares metrics (written into the stored plan,
// as the plan schema's `metrics` list would), and calls to the evidence routes.
import { SYSTEM_ACTOR } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import type { Prisma } from '../../lib/generated/prisma/client';
import { createRollout } from '../../lib/services/create-rollout';
import { marketScanPlan } from '../factories/rollouts';
import * as metricsRoute from '../../app/api/v1/rollouts/[key]/metrics/route';
import * as comparisonsRoute from '../../app/api/v1/rollouts/[key]/comparisons/route';

export const METRICS = [
  { key: 'error_rate', unit: '%', better: 'lower' },
  { key: 'scan_time', unit: 's', better: 'lower' },
];

export async function evidenceRollout({ metrics = METRICS as unknown[] | null } = {}): Promise<{ key: string; id: string }> {
  const { plan } = marketScanPlan();
  const r = await createRollout(SYSTEM_ACTOR, plan, { requestId: 'evidence-test' });
  const row = await prisma().rollout.update({ where: { key: r.key }, data: { plan: (metrics ? { ...plan, metrics } : plan) as unknown as Prisma.InputJsonValue } });
  return { key: r.key, id: row.id };
}

export interface Call {
  status: number;
  body: Record<string, unknown> & { errors?: { path: string; message: string }[] };
  headers: Headers;
}

async function call(handler: (req: Request, ctx: { params: Promise<{ key: string }> }) => Promise<Response>, req: Request, key: string): Promise<Call> {
  const res = await handler(req, { params: Promise.resolve({ key }) });
  return { status: res.status, body: (await res.json()) as Call['body'], headers: res.headers };
}

/** POST …/metrics or …/comparisons; `body` is sent as is when a string (e.g. JSON holding 1e999) */
export function push(kind: 'metrics' | 'comparisons', key: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<Call> {
  const req = new Request(`http://localhost:3000/api/v1/rollouts/${encodeURIComponent(key)}/${kind}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return call(kind === 'metrics' ? metricsRoute.POST : comparisonsRoute.POST, req, key);
}

export function series(kind: 'metrics' | 'comparisons', key: string, token: string, query: Record<string, string>): Promise<Call> {
  const req = new Request(`http://localhost:3000/api/v1/rollouts/${encodeURIComponent(key)}/${kind}?${new URLSearchParams(query)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return call(kind === 'metrics' ? metricsRoute.GET : comparisonsRoute.GET, req, key);
}

export async function evidenceCounts(rolloutId: string) {
  const db = prisma();
  const [samples, buckets, comparisons, comparisonBuckets, keys] = await Promise.all([
    db.metricSample.count({ where: { rolloutId } }),
    db.metricBucket.count({ where: { rolloutId } }),
    db.comparison.count({ where: { rolloutId } }),
    db.comparisonBucket.count({ where: { rolloutId } }),
    db.evidenceIdempotencyKey.count({ where: { rolloutId } }),
  ]);
  return { samples, buckets, comparisons, comparisonBuckets, keys };
}
