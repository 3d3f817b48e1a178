// Vitest global setup for the integration tests: a Postgres server (DATABASE_URL's, or an
// embedded one when unset) and one migrated template database. Each test file clones the
// template with CREATE DATABASE … TEMPLATE (tests/helpers/db.ts), as Unleash's tests do.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, withDatabase } from '../../scripts/embedded-postgres.mjs';
import { migrate } from '../../scripts/migrate.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplate: string;
  }
}

const root = path.resolve(__dirname, '../..');

/** the template's name changes whenever a migration does, so a stale template is never used */
function templateName(): string {
  const dir = path.join(root, 'prisma/migrations');
  const h = createHash('sha256');
  for (const d of readdirSync(dir).sort()) {
    if (d.endsWith('.toml')) continue;
    h.update(d).update(readFileSync(path.join(dir, d, 'migration.sql')));
  }
  return `switchyard_tpl_${h.digest('hex').slice(0, 12)}`;
}

export default async function setup(project: TestProject) {
  let serverUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-test-pg-'));
    const pgHandle = await startEmbeddedPostgres({ dir, port: 0, persistent: false });
    serverUrl = pgHandle.url as string;
    stop = pgHandle.stop;
  }
  const template = templateName();
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    // serialise template creation across concurrent test runs on one server
    await admin.query('SELECT pg_advisory_lock(4242001)');
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      const building = `${template}_building`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${building}"`);
      await migrate(withDatabase(serverUrl, building), { log: () => {} });
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
    }
    await admin.query('SELECT pg_advisory_unlock(4242001)');
  } finally {
    await admin.end();
  }
  project.provide('pgServerUrl', serverUrl);
  project.provide('pgTemplate', template);
  return async () => {
    await stop?.();
  };
}
