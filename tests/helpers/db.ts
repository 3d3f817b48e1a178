// A fresh database for one test file, cloned from the migrated template the global setup made
// (tests/setup/global-db.ts). The shared Prisma client and DATABASE_URL point at it, and it is
// dropped when the file's tests are done.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { createPrisma, prisma, setPrisma } from '../../lib/db';
import { withDatabase } from '../../scripts/embedded-postgres.mjs';

export interface TestDatabase {
  url: string;
  /** server-level URL (database `postgres`), for creating or dropping other databases */
  serverUrl: string;
  drop: () => Promise<void>;
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function setupTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject('pgServerUrl');
  const template = inject('pgTemplate');
  const name = `switchyard_test_${process.pid}_${randomUUID().slice(0, 8)}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(serverUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      break;
    } catch (e) {
      // "source database is being accessed by other users": another file is cloning right now
      if (attempt >= 20 || !/being accessed by other users/.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = withDatabase(serverUrl, name);
  const client = createPrisma(url);
  setPrisma(client);
  process.env.DATABASE_URL = url;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await prisma().$disconnect().catch(() => {});
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  afterAll(drop);
  return { url, serverUrl, drop };
}
