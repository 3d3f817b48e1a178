// One Prisma client per process (kept on globalThis so Next's dev reloads don't leak pools).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';
import { env } from './env';

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

const g = globalThis as unknown as { __switchyardPrisma?: PrismaClient };

// Fail fast when Postgres is down or stuck, so a request gets a 503 with Retry-After in seconds
// instead of hanging (node-postgres waits forever for a connection by default). The pool drops
// broken connections itself and opens new ones once Postgres is back: no restart needed.
export const DB_TIMEOUTS = {
  /** opening a connection, or waiting for a free one in the pool */
  connectionTimeoutMillis: 3_000,
  /** server side: one statement (longest today: a big plan's multi-row flag write) */
  statement_timeout: 10_000,
  /** client side, for a server that stopped answering without closing the socket */
  query_timeout: 12_000,
  /** a transaction left open by a crashed client releases its row locks */
  idle_in_transaction_session_timeout: 20_000,
} as const;

export function createPrisma(connectionString: string): PrismaClient {
  const pool = new pg.Pool({ connectionString, max: 10, keepAlive: true, ...DB_TIMEOUTS });
  // A connection Postgres ends (shutdown: 57P01) emits 'error' on its client; pg's pool listens
  // only while the client is idle, so one checked out at that moment would raise an unhandled
  // 'error' event and take the process down (seen in tests/integration/resilience-db-outage).
  // The query that was running gets the error anyway; the pool discards the broken client.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
}

export function prisma(): PrismaClient {
  g.__switchyardPrisma ??= createPrisma(env().DATABASE_URL);
  return g.__switchyardPrisma;
}

/** For tests: point the shared client at another database. */
export function setPrisma(client: PrismaClient): void {
  g.__switchyardPrisma = client;
}
