// OFREP serving benchmark: throughput and latency of the flag server (bulk and single
// evaluation), side by side with Unleash 7.5.1 on the same machine and the same Postgres, and
// propagation time from a promote/rollback to an OFREP client. See bench/README.md.
//
//   npx tsx bench/ofrep.ts            full: 3 s warm-up + 3 × 10 s per endpoint, 50 trials, Unleash too
//   UNLEASH=0 npx tsx bench/ofrep.ts  full, without the Unleash run
//   SMOKE=1 npx tsx bench/ofrep.ts    CI: 1 s + 1 × 2 s per endpoint, 10 trials, no Unleash (~30 s)
//
// Env: DURATION, WARMUP, RUNS, CONNECTIONS (50), TRIALS, POLL_MS (polling clients' intervals,
// "500,1000"), FLAGS_BENCH_PORT (3250), PIN=0 (no CPU pinning), STRICT=1 (exit 2 on a MISS),
// DATABASE_URL (a Postgres server to use; default: the peer's Debian cluster when Unleash runs,
// else an embedded Postgres). Exit status: 1 on any request error, failed check of a response,
// propagation not seen within 10 s or an Unleash run that failed; throughput misses only print.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { OFREPApi } from '@openfeature/ofrep-core';
import { SYSTEM_ACTOR } from '../lib/auth/actor';
import { createPrisma, setPrisma } from '../lib/db';
import { createRollout } from '../lib/services/create-rollout';
import { createToken } from '../lib/services/create-token';
import { transitionRollout } from '../lib/services/transition-rollout';
import { portIsFree } from '../scripts/embedded-postgres.mjs';
import { benchDatabase, percentile, type BenchDb } from './db';
import { PEER_SCRIPT, runUnleash, startPeerPostgres, type PeerPostgres, type PeerResult } from './peer';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  throughput: { total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface AutocannonOpts {
  url: string;
  connections: number;
  pipelining: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: { setupRequest: (r: { body?: string | Buffer }) => { body?: string | Buffer } }[];
}
type Autocannon = (opts: AutocannonOpts, cb: (err: Error | null, res: AutocannonResult) => void) => unknown;
const req = createRequire(__filename);
const autocannon = req('autocannon') as Autocannon;
const autocannonVersion = (req('autocannon/package.json') as { version: string }).version;

const smoke = process.env.SMOKE === '1';
const DURATION = Number(process.env.DURATION ?? (smoke ? 2 : 10));
const WARMUP = Number(process.env.WARMUP ?? (smoke ? 1 : 3));
const RUNS = Number(process.env.RUNS ?? (smoke ? 1 : 3));
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const TRIALS = Number(process.env.TRIALS ?? (smoke ? 10 : 50));
const POLL_MS = (process.env.POLL_MS ?? '500,1000').split(',').map(Number).filter((n) => n > 0);
const PORT = Number(process.env.FLAGS_BENCH_PORT ?? 3250);
const WITH_UNLEASH = process.env.UNLEASH !== undefined ? process.env.UNLEASH === '1' : !smoke;
const STRICT = process.env.STRICT === '1';
const root = path.resolve(__dirname, '..');
/** CPUs this process may use at start (before it pins itself), as taskset prints them, e.g. "0,1" */
const CORES = os.availableParallelism();
const AFFINITY = originalAffinity();
// like the peer benchmark: server (and its Postgres) on core 0, load generator on core 1
const pin = process.env.PIN !== '0' && canPin();
const PIN_NOTE = pin ? 'server (and its Postgres) on core 0, load on core 1' : 'unpinned';

// targets (issue #3)
const MIN_RPS = 5000;
const MAX_P99_MS = 20;
const MIN_RATIO = 1.5;
const MAX_PROPAGATION_P95_MS = 1000;

function originalAffinity(): string | null {
  try {
    const out = execFileSync('taskset', ['-pc', String(process.pid)], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return out.slice(out.lastIndexOf(':') + 1).trim();
  } catch {
    return null;
  }
}

function canPin(): boolean {
  if (!AFFINITY) return false;
  const cores = new Set<number>();
  for (const part of AFFINITY.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a; c <= (b ?? a); c++) cores.add(c);
  }
  if (!cores.has(0) || !cores.has(1)) return false;
  try {
    // allowed to set affinities here? (some containers refuse)
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (Number.isInteger(n) ? String(n) : n < 10 ? n.toFixed(1) : String(Math.round(n)));
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

// ---- CPU accounting: is the server the bottleneck, or the load generator? -------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds used by a process (all threads) so far, from /proc; NaN where there is no /proc */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime
  } catch {
    return NaN;
  }
}

/** per CPU: [busy, steal, total] jiffies so far. Busy minus our own processes' CPU is what other
 *  processes on this (shared) machine took from the core: the figures are only as good as that. */
function cpuJiffies(): Map<string, [number, number, number]> {
  const out = new Map<string, [number, number, number]>();
  try {
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      if (!line.startsWith('cpu')) continue;
      const [name, ...rest] = line.trim().split(/\s+/);
      const f = rest.map(Number);
      const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
      out.set(name, [total - f[3] - f[4], f[7] ?? 0, total]);
    }
  } catch {
    // no /proc: figures print as '?'
  }
  return out;
}

/** busy share of one CPU (all of them for 'cpu') between two readings, and the steal share */
function cpuShare(a: Map<string, [number, number, number]>, b: Map<string, [number, number, number]>, cpu: string): { busy: number; steal: number } {
  const x = a.get(cpu);
  const y = b.get(cpu);
  if (!x || !y || y[2] === x[2]) return { busy: NaN, steal: NaN };
  return { busy: (y[0] - x[0]) / (y[2] - x[2]), steal: (y[1] - x[1]) / (y[2] - x[2]) };
}

// ---- seed -----------------------------------------------------------------------------------

/**
 * The 50 flags, shaped like the peer's (../shared/peer-unleash/seed.mjs: every flag a 50 %
 * flexibleRollout, the first 10 with v1/dual/v2 variants). Here in production: 40 booleans split
 * true/false 50/50, and 10 strings where the half not in the rollout stays at the baseline v1 and
 * the other half is split v1/dual/v2 in thirds — the same distribution as Unleash's.
 * Staging keeps every flag at its (static) baseline: the precomputed case.
 */
function benchPlan() {
  const flags = [];
  const split: Record<string, unknown> = {};
  for (let i = 1; i <= 50; i++) {
    const key = `MIGRATION_STEP_${String(i).padStart(2, '0')}`;
    if (i <= 10) {
      flags.push({ key, type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' });
      split[key] = { split: [{ value: 'v1', weight: 66.67 }, { value: 'dual', weight: 16.67 }, { value: 'v2', weight: 16.66 }] };
    } else {
      flags.push({ key, type: 'boolean', baseline: false });
      split[key] = { split: [{ value: true, weight: 50 }, { value: false, weight: 50 }] };
    }
  }
  return {
    key: 'bench-flags',
    name: 'Bench: 50 flags',
    flags,
    phases: [{ key: 'rollout', name: '50 % rollout', environments: ['production'], flags: split }],
  };
}

const PROPAGATION_FLAG = 'PROPAGATION_ENGINE';
const propagationPlan = {
  key: 'bench-propagation',
  name: 'Bench: propagation',
  flags: [{ key: PROPAGATION_FLAG, type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' }],
  phases: [
    { key: 'dual', name: 'Dual', flags: { [PROPAGATION_FLAG]: 'dual' } },
    { key: 'v2', name: 'V2', flags: { [PROPAGATION_FLAG]: 'v2' } },
  ],
};

// ---- the flag server ------------------------------------------------------------------------

function startServer(databaseUrl: string): ChildProcess {
  // node directly (no npx/tsx CLI wrapper): with taskset exec'ing node, the child's pid is the server's
  const cmd = [process.execPath, '--import', 'tsx', path.join(root, 'lib/flag-server/main.ts')];
  const [bin, ...args] = pin ? ['taskset', '-c', '0', ...cmd] : cmd;
  const child = spawn(bin, args, {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, FLAGS_PORT: String(PORT), FLAGS_HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => process.stderr.write(`  ${d}`));
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`  ${d}`));
  return child;
}

async function waitReady(base: string, child: ChildProcess, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`flag server exited with status ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`flag server not ready after ${timeoutMs} ms`);
}

// ---- load -----------------------------------------------------------------------------------

const cannon = (opts: AutocannonOpts) =>
  new Promise<AutocannonResult>((resolve, reject) => autocannon(opts, (err, res) => (err ? reject(err) : resolve(res))));

interface Row {
  label: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  bytes: number;
  spread: string;
  serverCpu: number;
  loadCpu: number;
  /** CPU other processes took from the server's / the load generator's core (pinned runs only) */
  otherOnServerCore: number;
  otherOnLoadCore: number;
  steal: number;
  /** runs thrown away because other processes took the CPU, and whether a kept run was contended */
  discarded: number;
  contended: boolean;
}

type Check = (status: number, body: unknown) => string | null;

async function load(label: string, url: string, token: string, body: string, serverPid: number, check: Check): Promise<Row> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  // `[<id>]` in the body becomes a counter per request: every request is another user.
  // (Not autocannon's idReplacement: v8 computes a wrong Content-Length for it and sends nothing.)
  let n = 0;
  const perRequest = body.includes('[<id>]') ? [{ setupRequest: (r: { body?: string | Buffer }) => ({ ...r, body: body.replace('[<id>]', String(++n)) }) }] : undefined;
  const opts: AutocannonOpts = { url, connections: CONNECTIONS, pipelining: 1, method: 'POST', headers, body, requests: perRequest, duration: DURATION };
  const probe = await fetch(url, { method: 'POST', headers, body: body.replaceAll('[<id>]', 'probe-1') });
  const raw = Buffer.from(await probe.arrayBuffer());
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    // reported by the check
  }
  const problem = check(probe.status, parsed);
  if (problem) throw new Error(`${label}: unexpected response (HTTP ${probe.status}): ${problem}\n${raw.toString('utf8').slice(0, 500)}`);

  if (WARMUP > 0) await cannon({ ...opts, duration: WARMUP });
  const runs: (AutocannonResult & { serverCpu: number; loadCpu: number; otherOnServerCore: number; otherOnLoadCore: number; steal: number })[] = [];
  // A run during which other processes took more than CONTENDED_MAX of the server's or the load
  // generator's core measures them, not us: it is discarded and repeated (at most RUNS extra
  // times, and only while there is QUIET_WAIT budget left). Its errors still count.
  const discarded: typeof runs = [];
  let attempt = 0;
  while (runs.length < RUNS) {
    attempt++;
    await sleep(500);
    await quiet(label);
    const s0 = cpuSeconds(serverPid);
    const l0 = process.cpuUsage();
    const j0 = cpuJiffies();
    const t0 = performance.now();
    const r = await cannon(opts);
    const wall = (performance.now() - t0) / 1000;
    const l1 = process.cpuUsage(l0);
    const j1 = cpuJiffies();
    const serverCpu = (cpuSeconds(serverPid) - s0) / wall;
    const loadCpu = (l1.user + l1.system) / 1e6 / wall;
    const run = {
      ...r,
      serverCpu,
      loadCpu,
      otherOnServerCore: pin ? Math.max(0, cpuShare(j0, j1, 'cpu0').busy - serverCpu) : NaN,
      otherOnLoadCore: pin ? Math.max(0, cpuShare(j0, j1, 'cpu1').busy - loadCpu) : NaN,
      steal: cpuShare(j0, j1, 'cpu').steal,
    };
    if (r.requests.total === 0) throw new Error(`${label}: autocannon completed no request`);
    const contended = run.otherOnServerCore > CONTENDED_MAX || run.otherOnLoadCore > CONTENDED_MAX;
    const discard = contended && quietBudgetMs > 0 && discarded.length < RUNS;
    console.error(
      `  ${label} run ${attempt}: ${fmt(r.requests.average)} req/s, p50 ${ms(r.latency.p50)} ms, p99 ${ms(r.latency.p99)} ms, max ${ms(r.latency.max)} ms, ` +
        `${r.errors + r.timeouts + r.non2xx} errors, ${r.requests.total} requests; server CPU ${pct(run.serverCpu)}, load CPU ${pct(run.loadCpu)}; ${others(run)}` +
        (discard ? ' — DISCARDED (contended), repeating' : contended ? ' — contended, kept' : ''),
    );
    (discard ? discarded : runs).push(run);
  }
  const rps = runs.map((r) => r.requests.average);
  const p99s = runs.map((r) => r.latency.p99);
  return {
    label,
    reqPerSec: median(rps),
    p50: median(runs.map((r) => r.latency.p50)),
    p99: median(p99s),
    errors: [...runs, ...discarded].reduce((a, r) => a + r.errors + r.timeouts + r.non2xx, 0),
    discarded: discarded.length,
    contended: runs.some((r) => r.otherOnServerCore > CONTENDED_MAX || r.otherOnLoadCore > CONTENDED_MAX),
    bytes: raw.length,
    spread: `${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))} req/s, p99 ${ms(Math.min(...p99s))}–${ms(Math.max(...p99s))} ms`,
    serverCpu: median(runs.map((r) => r.serverCpu)),
    loadCpu: median(runs.map((r) => r.loadCpu)),
    otherOnServerCore: median(runs.map((r) => r.otherOnServerCore)),
    otherOnLoadCore: median(runs.map((r) => r.otherOnLoadCore)),
    steal: median(runs.map((r) => r.steal)),
  };
}

/**
 * On a shared machine, waits (up to QUIET_WAIT s in all) until other processes leave the CPUs
 * alone: less than QUIET_MAX of both cores busy over a second while our server is idle. The
 * contention during each run is printed either way.
 */
let quietBudgetMs = Number(process.env.QUIET_WAIT ?? (smoke ? 0 : 300)) * 1000;
const QUIET_MAX = Number(process.env.QUIET_MAX ?? 0.15);
const CONTENDED_MAX = Number(process.env.CONTENDED_MAX ?? 0.15);
async function quiet(label: string) {
  if (quietBudgetMs <= 0) return;
  let waited = 0;
  for (;;) {
    const a = cpuJiffies();
    await sleep(1000);
    const busy = cpuShare(a, cpuJiffies(), 'cpu').busy;
    if (!(busy > QUIET_MAX) || quietBudgetMs <= 0) {
      if (waited) console.error(`  [quiet] waited ${waited} s for other processes before ${label} (now ${pct(busy)} busy)`);
      return;
    }
    waited++;
    quietBudgetMs -= 1000;
    if (waited === 1) console.error(`  [quiet] other processes keep ${pct(busy)} of the CPUs busy; waiting (budget ${Math.round(quietBudgetMs / 1000)} s)`);
  }
}

const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : '?');
const others = (r: { otherOnServerCore: number; otherOnLoadCore: number; steal: number }) =>
  `other processes on core 0 ${pct(r.otherOnServerCore)}, on core 1 ${pct(r.otherOnLoadCore)}, steal ${pct(r.steal)}`;

const bulkCheck =
  (n: number): Check =>
  (status, body) => {
    if (status !== 200) return `status ${status}`;
    const flags = (body as { flags?: { key: string; value?: unknown; errorCode?: string }[] })?.flags;
    if (!Array.isArray(flags) || flags.length !== n) return `expected ${n} flags, got ${Array.isArray(flags) ? flags.length : 'none'}`;
    const bad = flags.find((f) => f.errorCode || f.value === undefined);
    return bad ? `flag ${bad.key}: ${bad.errorCode ?? 'no value'}` : null;
  };
const singleCheck: Check = (status, body) => {
  if (status !== 200) return `status ${status}`;
  const b = body as { value?: unknown; reason?: string };
  return b?.value === undefined ? 'no value' : b.reason !== 'SPLIT' ? `reason ${b.reason}, expected SPLIT` : null;
};

// ---- propagation ----------------------------------------------------------------------------

interface Propagation {
  /** per polling interval: ms from the transition returning to the poller seeing the value */
  poll: Map<number, number[]>;
  polls: number;
  notModified: number;
  /** ms to the SSE refetchEvaluation event, and to the value in the re-fetch it triggers */
  sseEvent: number[];
  sse: number[];
}

/** time from a promote/rollback returning until OFREP clients see the new value */
async function propagation(base: string, token: string): Promise<Propagation> {
  const api = new OFREPApi(base);
  const headers: [string, string][] = [['Authorization', `Bearer ${token}`]];
  const valueIn = (body: unknown) => (body as { flags: { key: string; value: unknown }[] }).flags.find((f) => f.key === PROPAGATION_FLAG)?.value;
  const out: Propagation = { poll: new Map(), polls: 0, notModified: 0, sseEvent: [], sse: [] };
  let stop = false;

  // polling clients: the bulk endpoint every `interval` ms with If-None-Match (304 while unchanged)
  const polled = new Map<number, unknown>();
  const pollers = POLL_MS.map(async (interval) => {
    let etag: string | null = null;
    out.poll.set(interval, []);
    while (!stop) {
      const r = await api.postBulkEvaluateFlags({ context: {} }, { headers: etag ? [...headers, ['If-None-Match', etag]] : headers });
      out.polls++;
      if (r.httpStatus === 304) out.notModified++;
      else if (r.httpStatus === 200) {
        etag = r.httpResponse.headers.get('etag');
        polled.set(interval, valueIn(r.value));
      } else throw new Error(`poll: HTTP ${r.httpStatus}`);
      await sleep(interval);
    }
  });

  // SSE client: follows the stream advertised in eventStreams, re-fetches on refetchEvaluation
  const first = await api.postBulkEvaluateFlags({ context: {} }, { headers });
  const streamUrl = (first.value as { eventStreams?: { url?: string }[] }).eventStreams?.[0]?.url;
  if (!streamUrl) throw new Error('the bulk response advertises no eventStreams url');
  let streamed: unknown = valueIn(first.value);
  let eventAt = 0;
  const ac = new AbortController();
  const res = await fetch(streamUrl, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
  if (res.status !== 200 || !res.body) throw new Error(`SSE: HTTP ${res.status}`);
  const sse = (async () => {
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += Buffer.from(chunk).toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!block.includes('"refetchEvaluation"')) continue;
          eventAt = performance.now();
          const r = await api.postBulkEvaluateFlags({ context: {} }, { headers });
          if (r.httpStatus === 200) streamed = valueIn(r.value);
        }
      }
    } catch (e) {
      if (!stop) throw e;
    }
  })();

  const until = async (get: () => unknown, want: string, from: number, who: string) => {
    while (get() !== want) {
      if (performance.now() - from > 10_000) throw new Error(`${who}: value ${want} not seen within 10 s`);
      await sleep(1);
    }
    return performance.now() - from;
  };

  const prisma = createPrismaForBench();
  let version = (await prisma.rollout.findUniqueOrThrow({ where: { key: propagationPlan.key } })).version;
  try {
    for (let t = 0; t < TRIALS; t++) {
      // alternate: promote dual → v2, roll back v2 → dual
      const action = t % 2 === 0 ? 'promote' : 'rollback';
      const want = action === 'promote' ? 'v2' : 'dual';
      eventAt = 0;
      const r = await transitionRollout(SYSTEM_ACTOR, {
        key: propagationPlan.key,
        action,
        expectedVersion: version,
        reason: `bench trial ${t}`,
        ...(action === 'rollback' ? { to: 'dual' } : {}),
      });
      const t0 = performance.now();
      version = r.version;
      const waits = [
        ...POLL_MS.map((i) => until(() => polled.get(i), want, t0, `poller ${i} ms`).then((d) => out.poll.get(i)!.push(d))),
        until(() => streamed, want, t0, 'SSE').then((d) => {
          out.sse.push(d);
          out.sseEvent.push(Math.max(0, eventAt - t0));
        }),
      ];
      await Promise.all(waits);
      // let the next change land at a random point of the pollers' cycles
      await sleep(50 + Math.random() * 200);
    }
  } finally {
    stop = true;
    ac.abort();
    await Promise.allSettled([...pollers, sse]);
    await prisma.$disconnect();
  }
  await Promise.all([...pollers, sse]);
  return out;
}

// the propagation trials use their own client so the transitions are timed like the API's
let benchDbUrl = '';
function createPrismaForBench() {
  const p = createPrisma(benchDbUrl);
  setPrisma(p);
  return p;
}

// ---- main -----------------------------------------------------------------------------------

interface Line {
  target: string;
  measured: string;
  ok: boolean | null; // null: information, no target
}

async function main() {
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  console.error(`[bench] ${smoke ? 'SMOKE' : 'full'} run on ${CORES} × ${cpuModel}, node ${process.version}, autocannon ${autocannonVersion}; ${PIN_NOTE}`);

  // the Postgres: the one Unleash will use when it runs (and nothing else was asked for)
  let peerPg: PeerPostgres | null = null;
  let pgNote = '';
  if (WITH_UNLEASH && !process.env.DATABASE_URL) {
    peerPg = startPeerPostgres(pin ? '0' : null, (l) => console.error(l));
    if (!peerPg) pgNote = ' (Debian postgresql not installed: Switchyard on an embedded Postgres, run.sh installs its own — not the same Postgres)';
  } else if (WITH_UNLEASH) {
    pgNote = ' (DATABASE_URL set: Unleash runs on the peer cluster, not the same Postgres)';
  }
  let db: BenchDb | null = null;
  let server: ChildProcess | null = null;
  const cleanup = async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    server = null;
    await db?.close().catch((e: unknown) => console.error(e));
    db = null;
    peerPg?.stop();
    peerPg = null;
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`[bench] ${sig}: stopping what this run started`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    db = await benchDatabase('flags_bench_ofrep', peerPg ? { serverUrl: peerPg.url, label: 'shared (peer cluster)' } : {});
    benchDbUrl = db.url;
    const client = createPrismaForBench();
    console.error(`[bench] ${db.server}${pgNote}; seeding 50 flags (production: 50 % rollouts, 10 of them v1/dual/v2; staging: static baselines)`);
    await client.environment.createMany({
      data: [
        { key: 'staging', name: 'Staging', sortOrder: 0 },
        { key: 'production', name: 'Production', sortOrder: 1 },
      ],
    });
    await createRollout(SYSTEM_ACTOR, benchPlan());
    await transitionRollout(SYSTEM_ACTOR, { key: 'bench-flags', action: 'start', expectedVersion: 1, reason: 'bench' });
    await createRollout(SYSTEM_ACTOR, propagationPlan);
    await transitionRollout(SYSTEM_ACTOR, { key: propagationPlan.key, action: 'start', expectedVersion: 1, reason: 'bench' });
    const prod = (await createToken(SYSTEM_ACTOR, { name: 'bench production', role: 'flags', environment: 'production' })).token;
    const staging = (await createToken(SYSTEM_ACTOR, { name: 'bench staging', role: 'flags', environment: 'staging' })).token;
    await client.$disconnect();

    if (pin) execFileSync('taskset', ['-a', '-pc', '1', String(process.pid)], { stdio: 'ignore' });
    // another server already on the port would answer /readyz and be measured instead of ours
    if (!(await portIsFree(PORT))) throw new Error(`port ${PORT} is already in use; set FLAGS_BENCH_PORT to a free port`);
    server = startServer(db.url);
    const base = `http://127.0.0.1:${PORT}`;
    await waitReady(base, server);
    const serverPid = server.pid!;
    console.error(`[bench] flag server pid ${serverPid} on ${base}; ${CONNECTIONS} connections, ${WARMUP} s warm-up, ${RUNS} × ${DURATION} s (median)`);

    // 51 flags in production: the 50 bench flags and the propagation flag (static)
    const ctx = JSON.stringify({ context: { targetingKey: 'user-[<id>]', plan: 'pro' } });
    const rows: Row[] = [];
    rows.push(await load('OFREP bulk, 50 flags evaluated (50 % splits, a new targetingKey per request)', `${base}/ofrep/v1/evaluate/flags`, prod, ctx, serverPid, bulkCheck(51)));
    rows.push(await load('OFREP bulk, 50 static flags (precomputed bytes)', `${base}/ofrep/v1/evaluate/flags`, staging, ctx, serverPid, bulkCheck(51)));
    rows.push(await load('OFREP single, one 50 % split flag (a new targetingKey per request)', `${base}/ofrep/v1/evaluate/flags/MIGRATION_STEP_01`, prod, ctx, serverPid, singleCheck));

    console.error(`[bench] propagation: ${TRIALS} trials (promote/rollback by the transition service → OFREP clients)`);
    const prop = await propagation(base, prod);

    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
    server = null;
    if (pin) execFileSync('taskset', ['-a', '-pc', AFFINITY!, String(process.pid)], { stdio: 'ignore' });

    let unleash: PeerResult | null = null;
    let unleashError: string | null = null;
    if (WITH_UNLEASH) {
      console.error(`\n[bench] running ${PEER_SCRIPT} (Unleash 7.5.1; same machine, ${peerPg ? 'same Postgres server' : 'its own Postgres'}, ${PIN_NOTE})`);
      await quiet('the Unleash run');
      try {
        unleash = runUnleash({ duration: DURATION, warmup: WARMUP, runs: RUNS, connections: CONNECTIONS, pin });
      } catch (e) {
        unleashError = (e as Error).message;
        console.error(`[bench] the Unleash run failed: ${unleashError}`);
      }
    }

    // ---- report ----
    const out: string[] = [];
    out.push('');
    out.push(`# Switchyard flag server — ${new Date().toISOString().slice(0, 10)}, ${CORES} × ${cpuModel}, node ${process.version}, autocannon ${autocannonVersion}`);
    out.push(`# ${db.server}${pgNote}; ${CONNECTIONS} connections, no pipelining, ${WARMUP} s warm-up, median of ${RUNS} × ${DURATION} s; ${PIN_NOTE}`);
    for (const r of rows) {
      out.push(`${r.label}: ${fmt(r.reqPerSec)} req/s, p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms, ${r.errors} errors, ${r.bytes} B`);
      out.push(
        `    spread ${r.spread}; server CPU ${pct(r.serverCpu)}, load generator CPU ${pct(r.loadCpu)}; ${others(r)}` +
          (r.discarded ? `; ${r.discarded} contended run(s) discarded and repeated` : '') +
          (r.contended ? '; CONTENDED: other processes took the CPU during kept runs' : ''),
      );
    }
    for (const [interval, times] of prop.poll) {
      const s = sorted(times);
      out.push(`propagation, polling bulk every ${interval} ms with If-None-Match: p50 ${ms(percentile(s, 50))} ms, p95 ${ms(percentile(s, 95))} ms, max ${ms(s[s.length - 1])} ms (${TRIALS} trials)`);
    }
    const sseS = sorted(prop.sse);
    const sseE = sorted(prop.sseEvent);
    out.push(`propagation, SSE refetchEvaluation → re-fetch: p50 ${ms(percentile(sseS, 50))} ms, p95 ${ms(percentile(sseS, 95))} ms, max ${ms(sseS[sseS.length - 1])} ms (event itself: p50 ${ms(percentile(sseE, 50))} ms, p95 ${ms(percentile(sseE, 95))} ms)`);
    out.push(`    ${prop.polls} polls, ${prop.notModified} answered 304 Not Modified`);
    if (unleash) {
      out.push(unleash.header);
      for (const u of unleash.rows) out.push(`unleash ${u.path}: ${fmt(u.reqPerSec)} req/s, p50 ${ms(u.p50)} ms, p99 ${ms(u.p99)} ms, ${u.errors} errors, ${u.bytes} B`);
    } else if (unleashError) out.push(`unleash: the run failed (${unleashError.split('\n')[0]})`);

    const lines: Line[] = [];
    for (const r of rows) {
      lines.push({
        target: `${r.label.replace(/ \(.*/, '')}: ≥ ${fmt(MIN_RPS)} req/s at p99 ≤ ${MAX_P99_MS} ms, 0 errors`,
        measured: `${fmt(r.reqPerSec)} req/s, p99 ${ms(r.p99)} ms, ${r.errors} errors${r.contended ? ' (contended)' : ''}`,
        ok: r.reqPerSec >= MIN_RPS && r.p99 <= MAX_P99_MS && r.errors === 0,
      });
    }
    const headline = rows[0];
    const features = unleash?.rows.find((u) => u.path === '/api/client/features');
    const frontend = unleash?.rows.find((u) => u.path.startsWith('/api/frontend'));
    if (features) {
      const ratio = headline.reqPerSec / features.reqPerSec;
      out.push(
        `ratio: Switchyard OFREP bulk (50 flags evaluated) / Unleash /api/client/features = ${ratio.toFixed(1)}× throughput; p99 ${ms(headline.p99)} ms vs ${ms(features.p99)} ms`,
      );
      lines.push({
        target: `vs Unleash /api/client/features: ≥ ${MIN_RATIO}× throughput at a lower p99`,
        measured: `${ratio.toFixed(1)}× (${fmt(headline.reqPerSec)} / ${fmt(features.reqPerSec)} req/s), p99 ${ms(headline.p99)} vs ${ms(features.p99)} ms`,
        ok: ratio >= MIN_RATIO && headline.p99 < features.p99,
      });
    } else if (WITH_UNLEASH) {
      lines.push({ target: `vs Unleash /api/client/features: ≥ ${MIN_RATIO}× throughput at a lower p99`, measured: 'not measured (the Unleash run failed)', ok: false });
    }
    if (frontend) {
      const ratio = headline.reqPerSec / frontend.reqPerSec;
      out.push(`ratio: Switchyard OFREP bulk (50 flags evaluated) / Unleash /api/frontend (server-side evaluation) = ${ratio.toFixed(1)}×; p99 ${ms(headline.p99)} ms vs ${ms(frontend.p99)} ms`);
      lines.push({ target: `(info) vs Unleash ${frontend.path}`, measured: `${ratio.toFixed(1)}×, p99 ${ms(headline.p99)} vs ${ms(frontend.p99)} ms`, ok: null });
    }
    const primaryPoll = POLL_MS[0];
    for (const [interval, times] of prop.poll) {
      const s = sorted(times);
      const p95 = percentile(s, 95);
      const primary = interval === primaryPoll;
      lines.push({
        target: primary
          ? `propagation p95 ≤ ${MAX_PROPAGATION_P95_MS} ms, polling every ${interval} ms (If-None-Match)`
          : `(info) propagation, polling every ${interval} ms — bounded by the interval`,
        measured: `p50 ${ms(percentile(s, 50))} ms, p95 ${ms(p95)} ms`,
        ok: primary ? p95 <= MAX_PROPAGATION_P95_MS : null,
      });
    }
    lines.push({
      target: `propagation p95 ≤ ${MAX_PROPAGATION_P95_MS} ms, SSE stream`,
      measured: `p50 ${ms(percentile(sseS, 50))} ms, p95 ${ms(percentile(sseS, 95))} ms`,
      ok: percentile(sseS, 95) <= MAX_PROPAGATION_P95_MS,
    });

    out.push('');
    const w = Math.max(...lines.map((l) => l.target.length));
    const m = Math.max(...lines.map((l) => l.measured.length));
    out.push(`${'target'.padEnd(w)}  ${'measured'.padEnd(m)}  result`);
    out.push(`${'-'.repeat(w)}  ${'-'.repeat(m)}  ------`);
    for (const l of lines) out.push(`${l.target.padEnd(w)}  ${l.measured.padEnd(m)}  ${l.ok === null ? '' : l.ok ? 'PASS' : 'MISS'}`);
    if (smoke) out.push('(SMOKE: short runs on a shared machine — the throughput figures are indicative only and do not fail the run)');
    console.log(out.join('\n'));

    const errors = rows.reduce((a, r) => a + r.errors, 0);
    if (errors > 0 || unleashError) process.exitCode = 1;
    else if (STRICT && lines.some((l) => l.ok === false)) process.exitCode = 2;
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
