// Fixed-window counters in Postgres, so a limit holds across replicas and restarts. One
// statement per hit (INSERT … ON CONFLICT DO UPDATE), atomic under concurrency.
import { prisma } from '../db';

export interface Limit {
  /** how many hits a window allows */
  max: number;
  windowSeconds: number;
}

export interface LimitState {
  count: number;
  /** seconds until the window ends (0 when not limited) */
  retryAfter: number;
  limited: boolean;
}

function state(limit: Limit, row: { count: number; window_start: Date } | undefined): LimitState {
  if (!row) return { count: 0, retryAfter: 0, limited: false };
  const ends = row.window_start.getTime() + limit.windowSeconds * 1000;
  const left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
  if (left === 0) return { count: 0, retryAfter: 0, limited: false };
  return { count: row.count, retryAfter: row.count >= limit.max ? left : 0, limited: row.count >= limit.max };
}

/** The current state of a counter, without counting. */
export async function peekLimit(key: string, limit: Limit): Promise<LimitState> {
  const rows = await prisma().$queryRaw<{ count: number; window_start: Date }[]>`
    SELECT count, window_start FROM rate_limits WHERE key = ${key}`;
  return state(limit, rows[0]);
}

/** Counts one hit (a new window starts when the old one is over). */
export async function hitLimit(key: string, limit: Limit): Promise<LimitState> {
  const w = limit.windowSeconds;
  const rows = await prisma().$queryRaw<{ count: number; window_start: Date }[]>`
    INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, now(), 1)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limits.window_start < now() - (${w}::int * interval '1 second') THEN 1 ELSE rate_limits.count + 1 END,
      window_start = CASE WHEN rate_limits.window_start < now() - (${w}::int * interval '1 second') THEN now() ELSE rate_limits.window_start END
    RETURNING count, window_start`;
  return state(limit, rows[0]);
}

export async function resetLimit(key: string): Promise<void> {
  await prisma().$executeRaw`DELETE FROM rate_limits WHERE key = ${key}`;
}
