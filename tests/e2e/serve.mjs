// The app under test for the browser tests: a production build served by `npm start`'s own
// script (scripts/run.mjs start: migrations, seed, flag server, Next), on a database of its own —
// a fresh `switchyard_e2e` database on DATABASE_URL's server, or a fresh embedded Postgres.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withDatabase } from '../../scripts/embedded-postgres.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const env = { ...process.env, NODE_ENV: 'production', SWITCHYARD_SEED_DEMO: '1' };

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of readdirSync(p)) if (e !== 'generated') max = Math.max(max, newestMtime(path.join(p, e)));
  return max;
}

// rebuild only when a source is newer than the last build
const buildId = path.join(root, '.next/BUILD_ID');
const sources = ['app', 'components', 'lib', 'next.config.js', 'proxy.ts', 'package-lock.json', 'postcss.config.mjs'].map((p) => path.join(root, p));
if (!existsSync(buildId) || Math.max(...sources.map(newestMtime)) > statSync(buildId).mtimeMs) {
  console.log('[e2e] building the app (next build)…');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (process.env.DATABASE_URL) {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: withDatabase(process.env.DATABASE_URL, 'postgres') });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS switchyard_e2e WITH (FORCE)');
  await admin.query('CREATE DATABASE switchyard_e2e');
  await admin.end();
  env.DATABASE_URL = withDatabase(process.env.DATABASE_URL, 'switchyard_e2e');
} else {
  const dir = path.join(tmpdir(), `switchyard-e2e-${process.env.PORT}`);
  rmSync(dir, { recursive: true, force: true });
  env.SWITCHYARD_DATA_DIR = dir;
  env.EMBEDDED_PG_PORT = '0';
}

const child = spawn(process.execPath, [path.join(root, 'scripts/run.mjs'), 'start'], { cwd: root, env, stdio: 'inherit' });
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
