// A throwaway database for benchmarks: on DATABASE_URL's server if set, else on an embedded
// Postgres (scripts/embedded-postgres.mjs, the same helper `npm run dev` and the tests use)
// started in a temp dir and deleted afterwards. Migrated with the project's migrations.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from '../scripts/embedded-postgres.mjs';
import { migrate } from '../scripts/migrate.mjs';

export interface BenchDb {
  url: string;
  /** "embedded Postgres 18 (…)" or "DATABASE_URL" — printed with the figures */
  server: string;
  close: () => Promise<void>;
}

/** `serverUrl`: a Postgres server to use instead of DATABASE_URL / the embedded one */
export async function benchDatabase(name: string, opts: { serverUrl?: string; label?: string } = {}): Promise<BenchDb> {
  let serverUrl = opts.serverUrl ?? process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-'));
    const pgServer = await startEmbeddedPostgres({ dir, port: 0, persistent: false, log: (l: string) => console.error(l) });
    serverUrl = pgServer.url;
    stopEmbedded = pgServer.stop;
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const version = (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = withDatabase(serverUrl, name);
  await migrate(url, { log: () => {} });
  return {
    url,
    server: `${opts.label ?? (stopEmbedded ? 'embedded' : 'DATABASE_URL')} Postgres ${version}`,
    close: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
      if (stopEmbedded) await stopEmbedded();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
