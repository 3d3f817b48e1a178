import { prisma } from '@/lib/db';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '@/lib/errors';

export const dynamic = 'force-dynamic';

// 200 when the app can reach its database, 503 (with Retry-After) otherwise. Bounded in time:
// lib/db.ts's pool gives up on a connection after a few seconds.
export async function GET() {
  const t0 = Date.now();
  try {
    await prisma().$queryRaw`SELECT 1`;
    return Response.json({ status: 'ok', database: 'reachable', latencyMs: Date.now() - t0 }, { headers: { 'cache-control': 'no-store' } });
  } catch (e) {
    const unreachable = isDatabaseUnavailable(e);
    // an unrecognised failure is logged here (the body says only what kind it was)
    if (!unreachable) console.error('[switchyard] health check failed:', e);
    return Response.json(
      {
        status: 'unavailable',
        database: unreachable ? 'unreachable' : 'error',
        detail: unreachable
          ? `the database is unavailable; the app retries on its own (checked in ${Date.now() - t0} ms)`
          : 'the database answered with an unexpected error; see the server log',
      },
      { status: 503, headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS), 'cache-control': 'no-store' } },
    );
  }
}
