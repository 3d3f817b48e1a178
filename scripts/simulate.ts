// Demo evidence for the seed rollouts (issue 8), pushed through the public REST API only:
//   npm run simulate -- [--url http://localhost:3000] [--token T] [--days 3] [--rollout KEY …]
//                       [--scenario healthy|trip:<rollout>] [--trip-minutes 30] [--follow] [--if-empty]
//
// For every seed rollout it has a profile of (prisma/plans/*.yaml metrics), it backfills `--days`
// of realistic series — per metric and arm a diurnal load curve plus noise, the candidate a bit
// better than the baseline (or, in `trip:<rollout>`, bad enough to trip that seed's red flags for
// the last --trip-minutes) — and dual-run comparisons (market scan: missing_fields /
// type_mismatch / unexpected_null / core_logic; matching engine: match-count pairs; deal type:
// snapshot cost pairs). With --follow it keeps pushing, one window as each completes.
//
// Idempotent. Time is cut into fixed five-minute windows on the epoch grid, and every value is
// a pure function of (rollout, minute, scenario): a window is one batch per kind (≤ 1,000 items;
// a bigger window is split the same way every time) under Idempotency-Key
// `simulate:v1:<rollout>:<kind>:<window start>:<part>`. A re-run sends the same bodies under the
// same keys, so the server replays them and stores nothing twice; the windows that completed
// since are new. Only complete windows are sent, so live data lags by up to five minutes. A
// window already stored with other values (another scenario) answers 409 and is kept as it is:
// history is never rewritten, a trip only affects windows not yet stored.
//
// Token: --token is used as it is (a metrics, engineer or admin token). Without it,
// SWITCHYARD_ADMIN_TOKEN creates a metrics token limited to the simulated rollouts
// (POST /api/v1/tokens) and revokes it when the run ends. --if-empty skips the backfill of a
// rollout that already holds evidence (needs a token that may read the rollout).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
// the same seeded PRNG the bootstrap intervals use (pure; the simulator talks to Switchyard over REST only)
import { prng } from '../lib/domain/criteria';

export const WINDOW_MS = 5 * 60_000;
export const BATCH_MAX = 1000;
const MINUTE = 60_000;
const KEY_PREFIX = 'simulate:v1';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** FNV-1a: a string → a 32-bit seed */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

interface Rand {
  (): number;
  normal(mean?: number, sd?: number): number;
  /** lognormal with this median and σ of the log */
  lognormal(median: number, sigma: number): number;
  poisson(lambda: number): number;
  binomial(n: number, p: number): number;
  pick<T>(weighted: readonly (readonly [T, number])[]): T;
}

function rand(seed: number): Rand {
  const u = prng(seed);
  const r = (() => u()) as Rand;
  r.normal = (mean = 0, sd = 1) => mean + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  r.lognormal = (median, sigma) => median * Math.exp(r.normal(0, sigma));
  r.poisson = (lambda) => {
    if (lambda > 30) return Math.max(0, Math.round(r.normal(lambda, Math.sqrt(lambda))));
    const l = Math.exp(-lambda);
    let k = 0;
    for (let p = u(); p > l; p *= u()) k++;
    return k;
  };
  r.binomial = (n, p) => {
    if (n * p > 30 && n * (1 - p) > 30) return Math.min(n, Math.max(0, Math.round(r.normal(n * p, Math.sqrt(n * p * (1 - p))))));
    let k = 0;
    for (let i = 0; i < n; i++) if (u() < p) k++;
    return k;
  };
  r.pick = (weighted) => {
    const total = weighted.reduce((t, [, w]) => t + w, 0);
    let x = u() * total;
    for (const [v, w] of weighted) if ((x -= w) < 0) return v;
    return weighted[weighted.length - 1][0];
  };
  return r;
}

// ---------------------------------------------------------------------------------------------
// The seed profiles: what one minute of each seed's evidence looks like

export interface Sample {
  metric: string;
  arm: 'baseline' | 'candidate';
  value: number;
  at: string;
  count?: number;
}
export interface Result {
  ref?: string;
  at: string;
  compatible?: boolean;
  baseline?: number;
  candidate?: number;
  category?: string;
  fields?: Record<string, unknown>;
}
interface Minute {
  /** the minute's start */
  t: Date;
  r: Rand;
  /** traffic relative to the daily mean: 0.55 at night (02:00 UTC) … 1.45 in the afternoon (14:00 UTC) */
  load: number;
  /** the trip scenario holds for this minute */
  trip: boolean;
  /** a time inside the minute */
  at: () => string;
}
interface Profile {
  /** the metric keys this profile pushes (they must be the plan's) */
  metrics: readonly string[];
  minute: (m: Minute) => { samples: Sample[]; results: Result[] };
}

const pct = (k: number, n: number) => (n > 0 ? (k / n) * 100 : 0);
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

export const PROFILES: Record<string, Profile> = {
  // seed 000: scans run through both engines (dual); V2 ~12 % faster, fewer errors
  'market-scan-v2': {
    metrics: ['success_rate', 'scan_time', 'error_rate', 'missing_fields', 'worker_uptime'],
    minute: ({ r, load, trip, at }) => {
      const samples: Sample[] = [];
      const results: Result[] = [];
      const scans = r.poisson(4 * load);
      const missing = new Array<number>(scans).fill(0);
      for (let i = 0; i < scans; i++) {
        const ok = r() < (trip ? 0.7 : 0.975);
        if (ok) {
          results.push({ ref: `scan-${at()}-${i}`, at: at(), compatible: true });
          continue;
        }
        const category = r.pick([['type_mismatch', 55], ['unexpected_null', 25], ['missing_fields', trip ? 40 : 10], ['core_logic', 10]] as const);
        const field = r.pick([['tech_stack', 3], ['seo_score', 2], ['contact_email', 1], ['company_size', 1]] as const);
        const fields: Record<string, unknown> =
          category === 'type_mismatch' ? { [field]: { v1: 'array', v2: 'string' } } : category === 'unexpected_null' ? { [field]: { v1: 'present', v2: null } } : category === 'missing_fields' ? { missing: [field] } : { [field]: 'different values' };
        if (category === 'missing_fields') missing[i] = 1;
        results.push({ ref: `scan-${at()}-${i}`, at: at(), compatible: false, category, fields });
      }
      for (const arm of ['baseline', 'candidate'] as const) {
        const v2 = arm === 'candidate';
        const bad = v2 && trip;
        if (scans > 0) {
          const errors = r.binomial(scans, bad ? 0.22 : v2 ? 0.002 : 0.012);
          const timeouts = r.binomial(scans - errors, bad ? 0.03 : 0.003);
          const mean = (bad ? 7.8 : v2 ? 4.4 : 5.0) * (1 + 0.08 * (load - 1));
          samples.push(
            { metric: 'scan_time', arm, value: round(Math.max(0.5, r.normal(mean, 0.35 / Math.sqrt(scans)))), at: at(), count: scans },
            { metric: 'error_rate', arm, value: round(pct(errors, scans)), at: at(), count: scans },
            { metric: 'success_rate', arm, value: round(pct(scans - errors - timeouts, scans)), at: at(), count: scans },
            { metric: 'missing_fields', arm, value: v2 ? round(missing.reduce((a, b) => a + b, 0) / scans) : 0, at: at(), count: scans },
          );
        }
        // a restart now and then takes a few seconds of the minute
        const down = r() < (bad ? 0.05 : 0.001) ? 5 + r() * 15 : 0;
        samples.push({ metric: 'worker_uptime', arm, value: round(((60 - down) / 60) * 100), at: at() });
      }
      return { samples, results };
    },
  },

  // seed 001: sampled request latencies (one sample per request), per-minute rates
  'marketplace-v2': {
    metrics: ['search_latency', 'lookup_latency', 'cache_hit_rate', 'error_rate', 'availability'],
    minute: ({ r, load, trip, at }) => {
      const samples: Sample[] = [];
      for (const arm of ['baseline', 'candidate'] as const) {
        const v2 = arm === 'candidate';
        const bad = v2 && trip;
        const slow = (bad ? 5 : 1) * (1 + 0.15 * (load - 1));
        for (let i = 0, n = r.poisson(12 * load); i < n; i++) samples.push({ metric: 'search_latency', arm, value: round(r.lognormal((v2 ? 80 : 170) * slow, v2 ? 0.3 : 0.35), 1), at: at() });
        for (let i = 0, n = r.poisson(8 * load); i < n; i++) samples.push({ metric: 'lookup_latency', arm, value: round(r.lognormal((v2 ? 35 : 70) * slow, v2 ? 0.3 : 0.35), 1), at: at() });
        const requests = Math.max(1, r.poisson(200 * load));
        const errors = r.binomial(requests, bad ? 0.08 : v2 ? 0.0008 : 0.004);
        samples.push(
          { metric: 'cache_hit_rate', arm, value: round(Math.min(100, r.normal(v2 ? 90 : 75, 2.5))), at: at(), count: requests },
          { metric: 'error_rate', arm, value: round(pct(errors, requests)), at: at(), count: requests },
          { metric: 'availability', arm, value: r() < (bad ? 0.02 : 0.0002) ? 0 : 100, at: at() },
        );
      }
      return { samples, results: [] };
    },
  },

  // seed 002: match runs (V1 = candidate, legacy = baseline) and match-count pairs against the existing corpus
  'matching-engine-v1': {
    metrics: ['runs', 'error_rate', 'duration', 'stuck_runs', 'match_count_diff'],
    minute: ({ r, load, trip, at }) => {
      const samples: Sample[] = [];
      const results: Result[] = [];
      const runs = r.poisson(0.3 * load);
      if (runs > 0) {
        samples.push({ metric: 'runs', arm: 'candidate', value: 1, at: at(), count: runs });
        for (const arm of ['baseline', 'candidate'] as const) {
          const v1 = arm === 'candidate';
          const bad = v1 && trip;
          const errors = r.binomial(runs, bad ? 0.3 : v1 ? 0.007 : 0.02);
          samples.push({ metric: 'error_rate', arm, value: round(pct(errors, runs)), at: at(), count: runs });
          for (let i = 0; i < runs; i++) samples.push({ metric: 'duration', arm, value: round(r.lognormal(bad ? 80 : v1 ? 2.8 : 4.0, v1 ? 0.4 : 0.5), 2), at: at() });
        }
        for (let i = 0; i < runs; i++) {
          const existing = Math.max(5, Math.round(r.lognormal(180, 0.6)));
          const d = trip ? r.normal(0, 0.12) : r() < 0.97 ? 0 : Math.max(-0.045, Math.min(0.045, r.normal(0, 0.015)));
          // truncated toward the existing count, so a healthy run stays within its 4.5 %
          const count = Math.max(0, existing + Math.trunc(existing * d));
          const url = `https://startup-${Math.floor(r() * 1e6)}.example`;
          results.push({ ref: url, at: at(), baseline: existing, candidate: count, ...(count !== existing ? { category: 'match_count', fields: { canonical_url: url } } : {}) });
          samples.push({ metric: 'match_count_diff', arm: 'candidate', value: round(pct(Math.abs(count - existing), existing)), at: at() });
        }
      }
      samples.push({ metric: 'stuck_runs', arm: 'candidate', value: trip ? 20 + r.poisson(6) : r.poisson(0.2), at: at() });
      return { samples, results };
    },
  },

  // seed 003: compare_snapshots.py over the acquisition deals every six hours (pre vs post costs)
  'deal-type-awareness': {
    metrics: [],
    minute: ({ t, r, trip, at }) => {
      const results: Result[] = [];
      if (t.getUTCMinutes() !== 0 || t.getUTCHours() % 6 !== 0) return { samples: [], results };
      for (let d = 1; d <= 80; d++) {
        const deal = `deal-${String(d).padStart(3, '0')}`;
        const pre = Math.round(rand(hash(deal)).lognormal(400_000, 0.8));
        // healthy: a tenth of the deals move by rounding (under 4 %); trip: regressions of 8–20 %
        const drift = trip && r() < 0.15 ? (r() < 0.5 ? -1 : 1) * (0.08 + r() * 0.12) : r() < 0.1 ? Math.max(-0.04, Math.min(0.04, r.normal(0, 0.01))) : 0;
        const post = Math.round(pre * (1 + drift));
        results.push({ ref: `${deal}:costs`, at: at(), baseline: pre, candidate: post, ...(post !== pre ? { category: Math.abs(post - pre) / pre > 0.05 ? 'cost_regression' : 'cost_rounding', fields: { deal_type: 'acquisition' } } : {}) });
      }
      return { samples: [], results };
    },
  },

  // seed 004: bookings through the coordinator (candidate) and the legacy planner (baseline)
  'assignment-pipeline-v3': {
    metrics: ['success_rate', 'manual_review_rate'],
    minute: ({ r, load, trip, at }) => {
      const samples: Sample[] = [];
      for (const arm of ['baseline', 'candidate'] as const) {
        const v3 = arm === 'candidate';
        const bad = v3 && trip;
        const bookings = r.poisson(6 * load);
        if (bookings === 0) continue;
        const ok = r.binomial(bookings, bad ? 0.82 : v3 ? 0.988 : 0.968);
        const review = r.binomial(bookings, bad ? 0.08 : v3 ? 0.004 : 0.015);
        samples.push({ metric: 'success_rate', arm, value: round(pct(ok, bookings)), at: at(), count: bookings }, { metric: 'manual_review_rate', arm, value: round(pct(review, bookings)), at: at(), count: bookings });
      }
      return { samples, results: [] };
    },
  },
};

export const SEED_ROLLOUTS = Object.keys(PROFILES);

/** traffic relative to the day's mean: lowest at 02:00 UTC, highest at 14:00 UTC */
export function diurnal(t: Date): number {
  const h = t.getUTCHours() + t.getUTCMinutes() / 60;
  return 1 + 0.45 * Math.sin((2 * Math.PI * (h - 8)) / 24);
}

export interface Window {
  start: Date;
  samples: Sample[];
  results: Result[];
}

/** One five-minute window of a rollout's evidence: the same every time for the same arguments. */
export function windowOf(rollout: string, start: Date, tripFrom: Date | null): Window {
  const profile = PROFILES[rollout];
  const samples: Sample[] = [];
  const results: Result[] = [];
  for (let t = start.getTime(); t < start.getTime() + WINDOW_MS; t += MINUTE) {
    const trip = tripFrom !== null && t >= tripFrom.getTime();
    const r = rand(hash(`${rollout}|${t}|${trip ? 'trip' : 'ok'}`));
    const at = () => new Date(t + Math.floor(r() * MINUTE)).toISOString();
    const m = profile.minute({ t: new Date(t), r, load: diurnal(new Date(t)), trip, at });
    samples.push(...m.samples);
    results.push(...m.results);
  }
  return { start, samples, results };
}

export const floorToWindow = (ms: number) => Math.floor(ms / WINDOW_MS) * WINDOW_MS;

// ---------------------------------------------------------------------------------------------
// The API client

export interface Io {
  fetch: typeof fetch;
  log: (line: string) => void;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

export class SimulatorError extends Error {}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

function client(io: Io, base: string) {
  return async function call(method: string, pathname: string, token: string, body?: unknown, headers: Record<string, string> = {}, attempts = 4): Promise<Reply> {
    const url = new URL(pathname, base).toString();
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await io.fetch(url, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (e) {
        if (attempt >= attempts) throw new SimulatorError(`${method} ${url}: ${e instanceof Error ? e.message : e} (is Switchyard running at ${base}?)`);
        await io.sleep(500 * 2 ** attempt);
        continue;
      }
      // a restart or an overloaded dev server: retry (the Idempotency-Key makes a retry safe)
      if (res.status >= 500 && attempt < attempts) {
        await io.sleep(500 * 2 ** attempt);
        continue;
      }
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = { detail: text.slice(0, 200) };
      }
      return { status: res.status, body: parsed, headers: res.headers };
    }
  };
}

const problemOf = (r: Reply) => String(r.body.detail ?? r.body.title ?? r.body.message ?? `HTTP ${r.status}`);

// ---------------------------------------------------------------------------------------------
// Options

const ZScenario = z.union([z.literal('healthy'), z.string().regex(/^trip:.+$/, 'expected "healthy" or "trip:<rollout key>"')]);

export const ZSimulateOptions = z.strictObject({
  url: z.url({ error: '--url: expected an http(s) URL such as http://localhost:3000' }),
  /** used as it is; else `adminToken` creates a metrics token */
  token: z.string().min(1, '--token: must not be empty').optional(),
  adminToken: z.string().min(1).optional(),
  days: z.number({ error: '--days: expected a number of days' }).positive('--days: must be above 0').max(90, '--days: at most 90 (the default evidence retention)'),
  rollouts: z.array(z.string()).min(1),
  scenario: ZScenario,
  tripMinutes: z.number({ error: '--trip-minutes: expected a number' }).int('--trip-minutes: a whole number').min(5, '--trip-minutes: at least 5').max(24 * 60, '--trip-minutes: at most 1440'),
  follow: z.boolean(),
  ifEmpty: z.boolean(),
  /** parallel requests */
  concurrency: z.number().int().min(1).max(16),
  /** wait this long for the app to answer /api/health before starting (run.mjs starts it beside the app) */
  waitSeconds: z.number().min(0).max(3600),
});
export type TSimulateOptions = z.infer<typeof ZSimulateOptions>;

export interface KindStats {
  items: number;
  batches: number;
  /** batches stored by this run */
  added: number;
  /** batches the server already had (same key, same body): nothing stored */
  replayed: number;
  /** windows the server holds with other values (another scenario): kept as they are */
  kept: number;
  /** items stored by this run */
  stored: number;
  /** metric → arm → samples stored by this run */
  perMetric: Record<string, Record<string, number>>;
}
export interface RolloutStats {
  rollout: string;
  skipped?: string;
  windows: number;
  metrics: KindStats;
  comparisons: KindStats;
}

const emptyStats = (): KindStats => ({ items: 0, batches: 0, added: 0, replayed: 0, kept: 0, stored: 0, perMetric: {} });

// ---------------------------------------------------------------------------------------------
// The run

export interface Simulation {
  stats: RolloutStats[];
  /** the end of the last window pushed */
  until: Date;
  /** stops a --follow run (and revokes the token it created) */
  stop: () => void;
  /** resolves when the run (and, with --follow, the following) is over */
  done: Promise<void>;
}

export async function simulate(opts: TSimulateOptions, io: Io): Promise<Simulation> {
  for (const k of opts.rollouts) {
    if (!PROFILES[k]) throw new SimulatorError(`--rollout: no simulator profile for "${k}" (it has ${SEED_ROLLOUTS.join(', ')})`);
  }
  const tripRollout = opts.scenario.startsWith('trip:') ? opts.scenario.slice(5) : null;
  if (tripRollout && !opts.rollouts.includes(tripRollout)) throw new SimulatorError(`--scenario trip:${tripRollout}: not one of the simulated rollouts (${opts.rollouts.join(', ')})`);
  const call = client(io, opts.url);

  if (opts.waitSeconds > 0) await waitForApp(io, opts.url, opts.waitSeconds);

  // the token that pushes
  let token = opts.token;
  let created: string | null = null;
  if (!token) {
    if (!opts.adminToken) throw new SimulatorError('no token: pass --token <a metrics, engineer or admin token>, or set SWITCHYARD_ADMIN_TOKEN so the simulator can create a metrics token');
    const r = await call('POST', '/api/v1/tokens', opts.adminToken, { name: `simulator ${io.now().toISOString()}`, role: 'metrics', rollouts: opts.rollouts });
    if (r.status !== 201) throw new SimulatorError(`creating a metrics token (POST /api/v1/tokens with SWITCHYARD_ADMIN_TOKEN) failed: ${r.status} ${problemOf(r)}`);
    token = String(r.body.token);
    created = String(r.body.id);
    io.log(`[simulate] metrics token ${String(r.body.prefix ?? '')}… created for ${opts.rollouts.join(', ')} (revoked at the end)`);
  }
  const revoke = async () => {
    if (!created || !opts.adminToken) return;
    const id = created;
    created = null;
    // once, no retries: at Ctrl-C the app may be stopping too
    const r = await call('DELETE', `/api/v1/tokens/${id}`, opts.adminToken, undefined, {}, 1).catch((e: Error) => ({ status: 0, body: { detail: e.message }, headers: new Headers() }));
    if (r.status === 0 || r.status >= 300) io.log(`[simulate] could not revoke the simulator's metrics token ${id} (revoke it on the API tokens page): ${problemOf(r)}`);
  };

  const now = io.now().getTime();
  const end = floorToWindow(now); // complete windows only
  const begin = floorToWindow(now - opts.days * 86_400_000) + WINDOW_MS; // inside retention
  const tripFrom = tripRollout ? new Date(floorToWindow(now - opts.tripMinutes * MINUTE)) : null;
  const tripOf = (rollout: string) => (rollout === tripRollout ? tripFrom : null);

  const stats: RolloutStats[] = [];
  try {
    for (const rollout of opts.rollouts) {
      const s: RolloutStats = { rollout, windows: 0, metrics: emptyStats(), comparisons: emptyStats() };
      stats.push(s);
      // the app answers, the token is good and the rollout exists (a metrics token may read readiness)
      const ready = await call('GET', `/api/v1/rollouts/${encodeURIComponent(rollout)}/readiness`, token);
      if (ready.status === 404) throw new SimulatorError(`${rollout}: ${problemOf(ready)} — is it seeded (SWITCHYARD_SEED_DEMO=1)?`);
      if (ready.status !== 200) throw new SimulatorError(`${rollout}: GET …/readiness answered ${ready.status} ${problemOf(ready)}`);
      if (opts.ifEmpty) {
        const held = await holdsEvidence(call, opts.adminToken ?? token, rollout);
        if (held) {
          s.skipped = held;
          io.log(`[simulate] ${rollout}: ${held}; backfill skipped (--if-empty)`);
          continue;
        }
      }
      const starts: number[] = [];
      for (let t = begin; t < end; t += WINDOW_MS) starts.push(t);
      await pool(starts, opts.concurrency, (t) => pushWindow(call, token!, s, windowOf(rollout, new Date(t), tripOf(rollout))));
      io.log(`[simulate] ${rollout}: ${describe(s)}`);
    }
  } catch (e) {
    await revoke();
    throw e;
  }

  let stopped = !opts.follow;
  let wake: (() => void) | null = null;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  let until = end;
  const done = (async () => {
    try {
      if (opts.follow) io.log(`[simulate] following: a window every 5 minutes${tripRollout ? ` (trip: ${tripRollout} since ${tripFrom!.toISOString()})` : ''}; Ctrl-C to stop`);
      while (!stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          void io.sleep(10_000).then(resolve);
        });
        if (stopped) break;
        const complete = floorToWindow(io.now().getTime());
        for (; until < complete && !stopped; until += WINDOW_MS) {
          for (const s of stats) {
            const w = windowOf(s.rollout, new Date(until), tripOf(s.rollout));
            await pushWindow(call, token!, s, w);
          }
          io.log(`[simulate] window ${new Date(until).toISOString()} pushed for ${stats.length} rollout${stats.length === 1 ? '' : 's'}`);
        }
      }
    } finally {
      await revoke();
    }
  })();
  return { stats, until: new Date(until), stop, done };
}

async function waitForApp(io: Io, base: string, seconds: number): Promise<void> {
  const deadline = io.now().getTime() + seconds * 1000;
  for (;;) {
    try {
      const r = await io.fetch(new URL('/api/health', base).toString());
      if (r.ok) return;
    } catch {
      // not up yet
    }
    if (io.now().getTime() > deadline) throw new SimulatorError(`Switchyard did not answer ${base}/api/health within ${seconds} s`);
    await io.sleep(2000);
  }
}

/** a sentence when the rollout already holds evidence, else null */
async function holdsEvidence(call: ReturnType<typeof client>, token: string, rollout: string): Promise<string | null> {
  const profile = PROFILES[rollout];
  const q = '&window=90d&resolution=1d';
  if (profile.metrics.length) {
    const r = await call('GET', `/api/v1/rollouts/${encodeURIComponent(rollout)}/metrics?metric=${encodeURIComponent(profile.metrics[0])}${q}`, token);
    if (r.status === 200) {
      const series = (r.body.series ?? {}) as Record<string, { samples: number }[]>;
      const n = Object.values(series)
        .flat()
        .reduce((t, p) => t + p.samples, 0);
      if (n > 0) return `it already holds ${profile.metrics[0]} samples`;
    } else throw new SimulatorError(`--if-empty: reading ${rollout}'s evidence failed: ${r.status} ${problemOf(r)} (the token must be allowed to read rollouts)`);
  }
  const r = await call('GET', `/api/v1/rollouts/${encodeURIComponent(rollout)}/comparisons?${q.slice(1)}`, token);
  if (r.status !== 200) throw new SimulatorError(`--if-empty: reading ${rollout}'s comparisons failed: ${r.status} ${problemOf(r)} (the token must be allowed to read rollouts)`);
  const n = Number((r.body.total as { n?: number } | undefined)?.n ?? 0);
  return n > 0 ? `it already holds ${n.toLocaleString('en-US')} comparisons` : null;
}

async function pushWindow(call: ReturnType<typeof client>, token: string, s: RolloutStats, w: Window): Promise<void> {
  s.windows++;
  const iso = w.start.toISOString();
  for (const [kind, items] of [
    ['metrics', w.samples],
    ['comparisons', w.results],
  ] as const) {
    const st = s[kind];
    for (let part = 0; part * BATCH_MAX < items.length; part++) {
      const chunk = items.slice(part * BATCH_MAX, (part + 1) * BATCH_MAX);
      const key = `${KEY_PREFIX}:${s.rollout}:${kind}:${iso}:${part}`;
      const r = await call('POST', `/api/v1/rollouts/${encodeURIComponent(s.rollout)}/${kind}`, token, kind === 'metrics' ? { samples: chunk } : { results: chunk }, { 'idempotency-key': key });
      st.batches++;
      st.items += chunk.length;
      if (r.status === 201 || r.status === 200) {
        if (r.headers.get('idempotent-replayed') === 'true') st.replayed++;
        else {
          st.added++;
          st.stored += chunk.length;
          if (kind === 'metrics') {
            for (const x of chunk as Sample[]) {
              const m = (st.perMetric[x.metric] ??= {});
              m[x.arm] = (m[x.arm] ?? 0) + 1;
            }
          }
        }
      } else if (r.status === 409) {
        st.kept++;
      } else if (r.status === 404) {
        throw new SimulatorError(`${s.rollout}: ${problemOf(r)} — is it seeded (SWITCHYARD_SEED_DEMO=1)?`);
      } else {
        throw new SimulatorError(`${s.rollout}: POST …/${kind} (window ${iso}) refused: ${r.status} ${problemOf(r)}`);
      }
    }
  }
}

async function pool<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown = null;
  const lane = async () => {
    while (next < items.length && failed === null) {
      const item = items[next++];
      try {
        await run(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, lane));
  if (failed !== null) throw failed;
}

const fmt = (n: number) => n.toLocaleString('en-US');
function describe(s: RolloutStats): string {
  const part = (name: string, k: KindStats) => (k.batches ? `${name} ${fmt(k.items)} in ${fmt(k.batches)} batches (${fmt(k.added)} new, ${fmt(k.replayed)} already there${k.kept ? `, ${fmt(k.kept)} kept as stored` : ''})` : `no ${name}`);
  return `${fmt(s.windows)} windows — ${part('samples', s.metrics)}; ${part('comparisons', s.comparisons)}`;
}

// ---------------------------------------------------------------------------------------------
// CLI

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): TSimulateOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        days: { type: 'string' },
        rollout: { type: 'string', multiple: true },
        scenario: { type: 'string' },
        'trip-minutes': { type: 'string' },
        follow: { type: 'boolean' },
        'if-empty': { type: 'boolean' },
        concurrency: { type: 'string' },
        wait: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new SimulatorError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    throw new SimulatorError(
      'usage: npm run simulate -- [--url URL] [--token T] [--days 3] [--rollout KEY …] [--scenario healthy|trip:<rollout>] [--trip-minutes 30] [--follow] [--if-empty] [--concurrency 4] [--wait SECONDS]\n' +
        `rollouts: ${SEED_ROLLOUTS.join(', ')}`,
    );
  }
  const num = (v: string | undefined, dflt: number) => (v === undefined ? dflt : v.trim() === '' ? NaN : Number(v));
  const r = ZSimulateOptions.safeParse({
    url: values.url ?? `http://localhost:${env.PORT || '3000'}`,
    token: values.token,
    adminToken: env.SWITCHYARD_ADMIN_TOKEN || undefined,
    days: num(values.days, 3),
    rollouts: values.rollout?.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean) ?? SEED_ROLLOUTS,
    scenario: values.scenario ?? 'healthy',
    tripMinutes: num(values['trip-minutes'], 30),
    follow: values.follow ?? false,
    ifEmpty: values['if-empty'] ?? false,
    concurrency: num(values.concurrency, 4),
    waitSeconds: num(values.wait, 0),
  });
  if (!r.success) throw new SimulatorError(r.error.issues.map((i) => (i.message.startsWith('--') ? i.message : `--${String(i.path[0] ?? '')}: ${i.message}`)).join('; '));
  return r.data;
}

async function main() {
  const io: Io = { fetch, log: (l) => console.log(l), now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  let sim: Simulation | null = null;
  const onSignal = () => {
    if (sim) sim.stop();
    else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    sim = await simulate(parseCli(process.argv.slice(2), process.env), io);
    await sim.done;
    process.exit(0); // a pending follow timer would keep the process up
  } catch (e) {
    if (e instanceof SimulatorError) {
      if (e.message.startsWith('usage:')) console.log(e.message);
      else console.error(`[simulate] ${e.message}`);
      process.exit(e.message.startsWith('usage:') ? 0 : 1);
    }
    throw e;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) void main();
