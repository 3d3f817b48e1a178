// A Postgres server of a test file's own (embedded, in a temp folder), for tests that stop and
// start the database or kill clients mid-transaction — the shared test server is never touched.
// Migrated like production (scripts/migrate.mjs); `restart()` reuses the same data folder and port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDatabase, freePort, startEmbeddedPostgres, withDatabase } from '../../scripts/embedded-postgres.mjs';
import { migrate } from '../../scripts/migrate.mjs';

export interface OwnPostgres {
  /** URL of the migrated database */
  url: string;
  port: number;
  stop: () => Promise<void>;
  /** starts the stopped server again on the same port and data folder */
  restart: () => Promise<void>;
  /** stops the server (if running) and deletes its folder */
  destroy: () => Promise<void>;
}

export async function startOwnPostgres(prefix: string, database = 'switchyard'): Promise<OwnPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), `switchyard-${prefix}-`));
  const port = (await freePort()) as number;
  let handle = await startEmbeddedPostgres({ dir, port, persistent: true });
  if (handle.port !== port) throw new Error(`embedded Postgres took port ${handle.port}, not ${port}`);
  let running = true;
  await ensureDatabase(handle.url, database);
  const url = withDatabase(handle.url, database);
  await migrate(url, { log: () => {} });
  return {
    url,
    port,
    stop: async () => {
      running = false;
      await handle.stop();
    },
    restart: async () => {
      handle = await startEmbeddedPostgres({ dir, port, persistent: true });
      if (handle.port !== port) throw new Error(`Postgres came back on port ${handle.port}, not ${port} (was the port taken meanwhile?)`);
      running = true;
    },
    destroy: async () => {
      if (running) await handle.stop().catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
