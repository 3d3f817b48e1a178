// Issue 7, defect 12: a clone in a private folder (/root is 0700) run as root. Postgres runs as
// the `postgres` OS user there, who cannot enter the folder: neither the data folder nor the
// binaries under node_modules. The helper must place both where that user can reach them (and
// say where the data lives), never chmod the user's folders, and stop with one sentence when it
// cannot. Run as another user, Postgres runs as that user and everything stays where it is.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres.mjs';

const asRoot = process.getuid?.() === 0;
let base: string;
let privateDir: string;
let reachable: string;
let privateNative: string;

/** the npm package's Postgres distribution (bin/, lib/, share/) */
function packagedNative(): string {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.resolve(path.dirname(entry), '..', 'native');
}

beforeAll(() => {
  // /var/tmp: world-traversable on any Linux, whatever TMPDIR says
  base = mkdtempSync(path.join('/var/tmp', 'switchyard-root-test-'));
  chmodSync(base, 0o755);
  // a folder like /root: only its owner may enter; a repo with node_modules inside it
  privateDir = path.join(base, 'home');
  mkdirSync(privateDir, { mode: 0o700 });
  chmodSync(privateDir, 0o700);
  privateNative = path.join(privateDir, 'repo', 'node_modules', 'native');
  cpSync(packagedNative(), privateNative, { recursive: true, verbatimSymlinks: true });
  // stands in for /var/lib/switchyard, so the test leaves nothing behind there
  reachable = path.join(base, 'reachable');
});

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

it('starts with its data folder and binaries inside a 0700 folder, TMPDIR in it too, chmodding none of it', async () => {
  const dir = path.join(privateDir, 'repo', '.data', 'pg');
  const lines: string[] = [];
  const tmpdir = process.env.TMPDIR;
  const tmp = path.join(privateDir, 'tmp');
  mkdirSync(tmp, { mode: 0o700 });
  process.env.TMPDIR = tmp; // where embedded-postgres used to write initdb's password file
  // clusters relocated earlier: one whose folder is gone (rm -rf .data, a deleted temp folder)
  // is swept when the next one is placed; one whose folder is still there is kept
  const orphan = path.join(reachable, 'data-00000000000000aa');
  const kept = path.join(reachable, 'data-00000000000000bb');
  if (asRoot) {
    for (const [home, origin] of [[orphan, path.join(privateDir, 'gone')], [kept, privateDir]]) {
      mkdirSync(path.join(home, 'data'), { recursive: true });
      writeFileSync(path.join(home, 'FOR'), `${origin}\n`);
    }
  }
  let handle: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  try {
    handle = await startEmbeddedPostgres({ dir, port: 0, persistent: false, nativeDir: privateNative, reachable, log: (l) => lines.push(l) });
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
  try {
    const [row] = await query(handle.url, "SELECT current_setting('server_version_num')::int AS v, current_setting('data_directory') AS d");
    expect(row.v).toBeGreaterThanOrEqual(180000);
    expect(row.d).toBe(handle.dataDir);
    if (asRoot) {
      // both moved out of the private folder, and the move said where the data is
      expect(handle.binDir.startsWith(`${reachable}/`)).toBe(true);
      expect(handle.dataDir.startsWith(`${reachable}/`)).toBe(true);
      expect(lines.some((l) => l.includes(dir) && l.includes(path.dirname(handle!.dataDir)))).toBe(true);
      expect(readFileSync(path.join(path.dirname(handle.dataDir), 'FOR'), 'utf8').trim()).toBe(dir);
      // the owner runs the server, not root
      expect(statSync(handle.dataDir).uid).not.toBe(0);
      expect([existsSync(orphan), existsSync(kept)]).toEqual([false, true]);
    } else {
      expect(handle.dataDir).toBe(path.join(dir, 'data'));
      expect(handle.binDir).toBe(path.join(privateNative, 'bin'));
    }
    // the user's folders keep their modes
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    expect(statSync(tmp).mode & 0o777).toBe(0o700);
  } finally {
    await handle.stop();
  }
  // not persistent: the cluster is gone, wherever it was
  expect(existsSync(handle.dataDir)).toBe(false);
  expect(existsSync(dir)).toBe(false);
}, 30_000);

it('keeps a persistent cluster across restarts', async () => {
  const dir = path.join(privateDir, 'repo2', '.data', 'pg');
  let handle = await startEmbeddedPostgres({ dir, port: 0, nativeDir: privateNative, reachable });
  await query(handle.url, 'CREATE DATABASE kept');
  await handle.stop();
  handle = await startEmbeddedPostgres({ dir, port: 0, nativeDir: privateNative, reachable });
  try {
    expect(await query(handle.url, "SELECT 1 AS one FROM pg_database WHERE datname = 'kept'")).toEqual([{ one: 1 }]);
  } finally {
    await handle.stop();
  }
}, 30_000);

it('refuses, in one sentence naming the fix, a folder to place things in that others could write to', async () => {
  const loose = path.join(base, 'loose');
  mkdirSync(loose);
  chmodSync(loose, 0o777);
  const start = startEmbeddedPostgres({ dir: path.join(privateDir, 'repo4', 'pg'), port: 0, persistent: false, nativeDir: privateNative, reachable: loose });
  if (asRoot) {
    const e = await start.then(
      () => null,
      (err: Error) => err,
    );
    expect(e?.name).toBe('EmbeddedPostgresError');
    expect(e?.message).toMatch(new RegExp(`^${loose} must be a folder owned by root that only root can write to .*; remove it, or set DATABASE_URL\\.$`));
    expect(e?.stack).toBe(e?.message); // printed without a trace
  } else {
    // not root: nothing needs placing, so the folder is never looked at
    await (await start).stop();
  }
}, 30_000);
