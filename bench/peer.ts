// The Unleash peer benchmark (../shared/peer-unleash/run.sh) run from bench/ofrep.ts, and the
// Postgres both share. run.sh keeps a private cluster of Debian's postgresql in
// $PEER_DIR/pg/data and, when that cluster is already running, uses it and leaves it running.
// So bench/ofrep.ts starts that very cluster first (as run.sh would: same binaries, same
// flags, pinned to the server core), puts Switchyard's database in it, lets run.sh put
// Unleash's next to it, and stops it at the end: one Postgres for both servers.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const PEER_SCRIPT = path.resolve(__dirname, '../../shared/peer-unleash/run.sh');
export const PEER_DIR = process.env.PEER_DIR || '/tmp/peer-unleash';
export const PEER_PG_PORT = Number(process.env.PG_PORT || 55432);
export const UNLEASH_PORT = Number(process.env.UNLEASH_PORT || 4242);

export interface PeerPostgres {
  url: string;
  version: string;
  stop: () => void;
}

const isRoot = process.getuid?.() === 0;

function pgBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, 'bin/postgres')))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length ? path.join(base, versions[versions.length - 1], 'bin') : null;
}

/** runs a Postgres tool as the postgres OS user when we are root (Postgres refuses root) */
function asPg(args: string[], pinCore: string | null): ReturnType<typeof spawnSync> {
  const cmd = isRoot ? ['runuser', '-u', 'postgres', '--', ...args] : args;
  const full = pinCore !== null ? ['taskset', '-c', pinCore, ...cmd] : cmd;
  return spawnSync(full[0], full.slice(1), { encoding: 'utf8' });
}

/**
 * Starts (initdb on first use) the peer's Postgres cluster, or returns null when Debian's
 * postgresql is not installed (the caller then falls back to the embedded Postgres and says so).
 */
export function startPeerPostgres(pinCore: string | null, log: (l: string) => void): PeerPostgres | null {
  const bin = pgBin();
  if (!bin) return null;
  const sock = path.join(PEER_DIR, 'pg');
  const data = path.join(sock, 'data');
  mkdirSync(sock, { recursive: true });
  chmodSync(PEER_DIR, 0o755);
  if (isRoot) {
    const pw = execFileSync('id', ['-u', 'postgres']).toString().trim();
    const gr = execFileSync('id', ['-g', 'postgres']).toString().trim();
    chownSync(sock, Number(pw), Number(gr));
  }
  chmodSync(sock, 0o700);
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    log(`[bench] initdb ${data}`);
    const r = asPg([path.join(bin, 'initdb'), '-D', data, '--auth=trust', '-U', 'postgres'], null);
    if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr}`);
  }
  const version = execFileSync(path.join(bin, 'postgres'), ['--version']).toString().trim();
  const running = asPg([path.join(bin, 'pg_ctl'), '-D', data, 'status'], null).status === 0;
  if (running) {
    log(`[bench] the peer Postgres cluster ${data} is already running; using it and leaving it running`);
  } else {
    log(`[bench] starting ${version} (${data}) on 127.0.0.1:${PEER_PG_PORT}${pinCore !== null ? ` on core ${pinCore}` : ''}`);
    const r = asPg(
      [path.join(bin, 'pg_ctl'), '-D', data, '-l', path.join(sock, 'postgres.log'), '-o', `-h 127.0.0.1 -p ${PEER_PG_PORT} -k ${sock}`, '-w', 'start'],
      pinCore,
    );
    if (r.status !== 0) throw new Error(`pg_ctl start failed: ${r.stderr || r.stdout}`);
  }
  return {
    url: `postgresql://postgres@127.0.0.1:${PEER_PG_PORT}/postgres`,
    version,
    stop: () => {
      if (running) return;
      asPg([path.join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop'], null);
    },
  };
}

export interface PeerRow {
  path: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  bytes: number;
  line: string;
}

export interface PeerResult {
  header: string;
  rows: PeerRow[];
}

/** runs run.sh (blocking; its progress goes to our stderr) and parses its summary lines */
export function runUnleash(opts: { duration: number; warmup: number; runs: number; connections: number; pin: boolean }): PeerResult {
  const out = execFileSync(PEER_SCRIPT, {
    env: {
      ...process.env,
      DURATION: String(opts.duration),
      WARMUP: String(opts.warmup),
      RUNS: String(opts.runs),
      CONNECTIONS: String(opts.connections),
      UNLEASH_PORT: String(UNLEASH_PORT),
      PG_PORT: String(PEER_PG_PORT),
      PEER_DIR,
      PIN: opts.pin ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 10 * 1024 * 1024,
  }).toString();
  const lines = out.split('\n');
  const rows: PeerRow[] = [];
  for (const line of lines) {
    const m = /^unleash (\S+): ([\d.]+) req\/s, p50 ([\d.]+) ms, p99 ([\d.]+) ms, (\d+) errors, (\d+) B/.exec(line);
    if (m) rows.push({ path: m[1], reqPerSec: Number(m[2]), p50: Number(m[3]), p99: Number(m[4]), errors: Number(m[5]), bytes: Number(m[6]), line });
  }
  if (!rows.length) throw new Error(`run.sh printed no summary line:\n${out}`);
  return { header: lines.find((l) => l.startsWith('# unleash-server')) ?? '', rows };
}
