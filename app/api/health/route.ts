import { prisma } from '@/lib/db';

export const dynamic = 'force-dynamic';

// 200 when the app can reach its database, 503 otherwise.
export async function GET() {
  try {
    await prisma().$queryRaw`SELECT 1`;
    return Response.json({ status: 'ok', database: 'reachable' });
  } catch {
    return Response.json({ status: 'unavailable', database: 'unreachable' }, { status: 503 });
  }
}
