// `npm run dev` / `npm start`: everything Switchyard needs, in one command.
//  1. Postgres: DATABASE_URL if set; otherwise an embedded real Postgres with its data in .data/
//     (run as root from a folder the `postgres` user cannot enter: in /var/lib/switchyard/,
//     see scripts/embedded-postgres.mjs)
//  2. migrations (prisma/migrations, scripts/migrate.mjs) and the seed (environments, the
//     bootstrap admin token, demo users and the five demo rollouts)
//  3. the OFREP flag server (lib/flag-server/main.ts) on FLAGS_PORT (default 3001)
//     and the evaluator worker (lib/worker/main.ts: criteria, soak, red flags)
//  4. Next.js on PORT (default 3000): `next dev` or `next start`
// Ctrl-C stops all of it, the embedded Postgres included.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from './embedded-postgres.mjs';
import { migrate } from './migrate.mjs';

const mode = process.argv[2];
if (mode !== 'dev' && mode !== 'start') {
  console.error('usage: node scripts/run.mjs dev|start');
  process.exit(2);
}
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// local state (embedded Postgres cluster, generated secrets); the e2e tests point it elsewhere
const dataDir = path.resolve(root, process.env.SWITCHYARD_DATA_DIR || '.data');
const log = (line) => console.log(line);

if (existsSync(path.join(root, '.env'))) process.loadEnvFile(path.join(root, '.env'));
process.env.NODE_ENV = mode === 'dev' ? 'development' : 'production';
const PORT = process.env.PORT || '3000';
const FLAGS_PORT = process.env.FLAGS_PORT || '3001';
process.env.FLAGS_PORT = FLAGS_PORT;

if (mode === 'start' && !existsSync(path.join(root, '.next/BUILD_ID'))) {
  console.error('No production build found: run `npm run build` first, then `npm start`.');
  process.exit(1);
}

/** a secret generated once and kept under .data/, for local runs that did not set one */
function localSecret(name) {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

const children = [];
let embedded = null;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  if (embedded) {
    await embedded.stop().catch(() => {});
    log('[db] embedded Postgres stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

function run(name, args, env) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[run] ${name} exited (${signal ?? code}); stopping`);
    shutdown(code || 1);
  });
  return child;
}

function runToEnd(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: process.env, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

try {
  if (!process.env.DATABASE_URL) {
    const pg = await startEmbeddedPostgres({
      dir: path.join(dataDir, 'pg'),
      port: Number(process.env.EMBEDDED_PG_PORT ?? 54329),
      log,
    });
    // a cluster another run started (and still owns) is used but left running at exit
    embedded = pg.reused ? null : pg;
    const serverUrl = pg.url;
    await ensureDatabase(serverUrl, 'switchyard');
    process.env.DATABASE_URL = withDatabase(serverUrl, 'switchyard');
    log(`[db] DATABASE_URL=${process.env.DATABASE_URL}`);
  } else {
    log(`[db] using DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`);
  }

  if (!process.env.NEXTAUTH_SECRET) {
    if (mode === 'start' && process.env.DATABASE_URL && !embedded) {
      log('[auth] NEXTAUTH_SECRET is not set; using a generated one kept in .data/ (set it for real deployments)');
    }
    process.env.NEXTAUTH_SECRET = localSecret('nextauth-secret');
  }
  // `npm run dev` with the demo data: an admin API token generated once and kept under .data/, so the
  // demo evidence simulator (and the README's curl lines) work without editing .env first
  if (mode === 'dev' && !process.env.SWITCHYARD_ADMIN_TOKEN && process.env.SWITCHYARD_SEED_DEMO !== '0') {
    process.env.SWITCHYARD_ADMIN_TOKEN = localSecret('dev-admin-token');
    log(`[auth] dev admin API token: export SWITCHYARD_ADMIN_TOKEN=$(cat ${path.relative(process.cwd(), path.join(dataDir, 'dev-admin-token'))})`);
  }
  process.env.NEXTAUTH_URL ??= `http://localhost:${PORT}`;
  process.env.FLAGS_PUBLIC_URL ??= `http://localhost:${FLAGS_PORT}`;

  await migrate(process.env.DATABASE_URL, { log });
  await runToEnd(['--import', 'tsx', 'prisma/seed.ts']);
} catch (e) {
  console.error(`[run] start-up failed: ${e instanceof Error ? e.message : e}`);
  await shutdown(1);
}

run('flag server', ['--import', 'tsx', 'lib/flag-server/main.ts']);
run('worker', ['--import', 'tsx', 'lib/worker/main.ts']);
const nextBin = path.join(root, 'node_modules/next/dist/bin/next');
run('next', [nextBin, mode, '-p', PORT]);
// demo evidence (issue 8): in dev, with the demo rollouts and SWITCHYARD_ADMIN_TOKEN (the simulator
// goes through the REST API and needs it to create its metrics token), scripts/simulate.ts backfills
// the seed rollouts that hold no evidence yet (first run) and keeps pushing live. Not run() — its
// exit (a refused token, say) must not stop the app; Ctrl-C stops it with the rest.
if (mode === 'dev' && process.env.SWITCHYARD_SEED_DEMO !== '0') {
  if (process.env.SWITCHYARD_ADMIN_TOKEN) {
    const args = ['--import', 'tsx', 'scripts/simulate.ts', '--if-empty', '--follow', '--wait', '300', '--concurrency', '2', '--url', `http://localhost:${PORT}`];
    children.push(spawn(process.execPath, args, { cwd: root, env: process.env, stdio: 'inherit' }));
  } else log('[run] demo evidence: set SWITCHYARD_ADMIN_TOKEN to let the simulator fill the seed rollouts, or run `npm run simulate -- --token <token>`');
}
log(`[run] Switchyard on http://localhost:${PORT}  ·  OFREP flag server on http://localhost:${FLAGS_PORT}`);
