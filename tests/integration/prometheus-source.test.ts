// Prometheus-sourced metrics against a REAL Prometheus (issue 8): the test runs a tiny exporter
// (node:http, text exposition format) and a `prometheus` child process scraping it every second,
// then evaluates criteria over its numbers — pass and fail on real values; an empty vector, NaN,
// +Inf, several series, a bad query (400), an unreachable server and a timeout each inconclusive
// with the reason; the readiness endpoint shows the Prometheus numbers. Needs the Debian package
// `prometheus` (.ci/run installs it); without it the test fails, it does not skip.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { parseEnv } from '../../lib/env';
import { evaluateCriterion, type TCondition, type TMetric } from '../../lib/domain/criteria';
import { queryInstant, withWindow } from '../../lib/evidence/prometheus';
import { prometheusEvidence } from '../../lib/queries/phase-evidence';
import { createRollout } from '../../lib/services/create-rollout';
import { evaluateRollout } from '../../lib/services/evaluate-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { ensureEnvironments, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { ENGINEER, getReadinessRoute } from '../helpers/evaluator';

const BINARY = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p)) ?? (process.env.PATH ?? '').split(':').map((d) => path.join(d, 'prometheus')).find((p) => existsSync(p));

let prom: ChildProcess | undefined;
let exporter: http.Server | undefined;
let silent: net.Server | undefined;
const silentSockets: net.Socket[] = [];
let promUrl = '';
let silentUrl = '';
let dir = '';
let scrapes = 0;
let engineer = '';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > until || prom?.exitCode != null) throw new Error(`waiting for ${what} timed out${prom?.exitCode != null ? ` (prometheus exited with ${prom.exitCode})` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

beforeAll(async () => {
  if (!BINARY) throw new Error('prometheus is not installed: this test runs a real Prometheus — `apt-get install prometheus` (Debian package "prometheus"; .ci/run installs it)');
  // the exporter: two counters that grow by 1 and 3 per scrape, and a gauge per arm
  exporter = http.createServer((req, res) => {
    scrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# TYPE app_errors_total counter',
        `app_errors_total{arm="baseline"} ${scrapes}`,
        `app_errors_total{arm="candidate"} ${scrapes * 3}`,
        '# TYPE app_latency_seconds gauge',
        'app_latency_seconds{arm="baseline"} 0.2',
        'app_latency_seconds{arm="candidate"} 0.21',
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((r) => exporter!.listen(0, '127.0.0.1', r));
  const exporterPort = (exporter.address() as net.AddressInfo).port;
  // a server that accepts connections and never answers
  silent = net.createServer((s) => silentSockets.push(s));
  await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', r));
  silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;

  dir = mkdtempSync(path.join(tmpdir(), 'switchyard-prometheus-'));
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['127.0.0.1:${exporterPort}']\n`,
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  let stderr = '';
  prom = spawn(BINARY, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1h', '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  prom.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  await waitFor('Prometheus /-/ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : null)).catch((e: Error) => {
    throw new Error(`${e.message}\n${stderr}`);
  });
  // five scrapes stored: rates and windows have samples to read
  await waitFor('five scrapes of the exporter', async () => {
    const r = await queryInstant('count_over_time(app_errors_total{arm="baseline"}[1m])', { url: promUrl });
    return 'value' in r && r.value >= 5 ? true : null;
  });

  // the evaluator and readiness read PROMETHEUS_URL from the environment (lib/env.ts)
  process.env.PROMETHEUS_URL = promUrl;
  await setupTestDatabase();
  await ensureEnvironments();
  engineer = await tokenFor('engineer');
}, 60_000);

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once('exit', r));
    prom.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (prom.exitCode === null && prom.signalCode === null) prom.kill('SIGKILL');
  }
  for (const s of silentSockets) s.destroy();
  await Promise.all([exporter, silent].map((s) => (s ? new Promise((r) => s.close(r)) : null)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const LATENCY: TMetric = { key: 'latency', unit: 's', better: 'lower', source: { prometheus: { baseline: 'max(app_latency_seconds{arm="baseline"})', candidate: 'max(app_latency_seconds{arm="candidate"})' } } };
const ERRORS: TMetric = { key: 'errors', better: 'lower', source: { prometheus: { baseline: 'sum(rate(app_errors_total{arm="baseline"}[{{window}}]))', candidate: 'sum(rate(app_errors_total{arm="candidate"}[{{ window }}]))' } } };
const probe = (key: string, query: string): TMetric => ({ key, better: 'lower', source: { prometheus: { candidate: query } } });
const BROKEN: TMetric[] = [
  probe('empty', 'app_no_such_metric'),
  probe('nan', '0/0'),
  probe('inf', '1/0'),
  probe('nanvec', 'max(app_latency_seconds) * 0 / 0'),
  probe('many', 'app_latency_seconds'),
  probe('bad', 'sum(app_latency_seconds'),
];
const metricOn = (metric: string, op: '<' | '>', value: number): TCondition => ({ kind: 'metric', metric, arm: 'candidate', op, value, window: '1m' });

async function evaluate(c: TCondition, metrics: TMetric[], url: string | undefined, since = new Date(Date.now() - 3_600_000)) {
  const m = metrics.find((x) => c.kind !== 'compatibility' && x.key === c.metric)!;
  const now = new Date();
  const arms = await prometheusEvidence(c as Exclude<TCondition, { kind: 'compatibility' }>, m.source!.prometheus!, since, now, url);
  return evaluateCriterion(c, { metrics: { [m.key]: arms }, since }, now, { metrics });
}

describe('the Prometheus client', () => {
  it('PROMETHEUS_URL is optional, and a URL when set (checked at start-up)', () => {
    const base = { DATABASE_URL: 'postgresql://x@127.0.0.1/x' };
    expect(parseEnv({ ...base, PROMETHEUS_URL: '' }).PROMETHEUS_URL).toBeUndefined();
    expect(parseEnv({ ...base, PROMETHEUS_URL: promUrl }).PROMETHEUS_URL).toBe(promUrl);
    for (const bad of ['prometheus:9090', 'localhost', 'ftp://prometheus:9090']) {
      expect(() => parseEnv({ ...base, PROMETHEUS_URL: bad }), bad).toThrow('PROMETHEUS_URL: PROMETHEUS_URL must be an http(s) URL such as http://prometheus:9090');
    }
  });

  it('reads one number from a real Prometheus; {{window}} becomes the window as a Prometheus duration', async () => {
    expect(withWindow('rate(x[{{window}}]) / rate(y[{{ window }}])', 900)).toBe('rate(x[15m]) / rate(y[15m])');
    expect(withWindow('rate(x[{{window}}])', 5400)).toBe('rate(x[1h30m])');
    expect(await queryInstant('max(app_latency_seconds{arm="candidate"})', { url: promUrl })).toEqual({ value: 0.21 });
    const rate = await queryInstant(withWindow('sum(rate(app_errors_total{arm="candidate"}[{{window}}])) / sum(rate(app_errors_total{arm="baseline"}[{{window}}]))', 60), { url: `${promUrl}/` });
    expect(rate).toEqual({ value: expect.closeTo(3, 6) });
  });

  it('gives a reason, never a number, for an empty vector, several series, a bad query, an unreachable server and a timeout; NaN and ±Inf come back as they are', async () => {
    expect(await queryInstant('app_no_such_metric', { url: promUrl })).toEqual({ error: 'empty vector: the query matched no series' });
    expect(await queryInstant('app_latency_seconds', { url: promUrl })).toEqual({ error: expect.stringMatching(/^the query gives 2 series, not one \(\{__name__="app_latency_seconds", arm="baseline"/) });
    expect(await queryInstant('sum(app_latency_seconds', { url: promUrl })).toEqual({ error: expect.stringMatching(/^Prometheus answered 400: bad_data: .*parse error/) });
    expect(await queryInstant('0/0', { url: promUrl })).toEqual({ value: NaN });
    expect(await queryInstant('1/0', { url: promUrl })).toEqual({ value: Infinity });
    expect(await queryInstant('-1/0', { url: promUrl })).toEqual({ value: -Infinity });
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await queryInstant('1', { url: closed })).toEqual({ error: expect.stringMatching(/^cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/) });
    const t0 = Date.now();
    expect(await queryInstant('1', { url: silentUrl, timeoutMs: 300 })).toEqual({ error: `Prometheus did not answer within 300 ms (${silentUrl})` });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await queryInstant('1', { url: 'not a url' })).toEqual({ error: 'PROMETHEUS_URL "not a url" is not a URL' });
  });
});

describe('criteria over Prometheus metrics', () => {
  it('pass and fail on the real values (a metric and a point ratio)', async () => {
    expect(await evaluate(metricOn('latency', '<', 0.5), [LATENCY], promUrl)).toMatchObject({ status: 'pass', value: 0.21, detail: 'latency candidate 0.21 s < 0.5 s' });
    expect(await evaluate(metricOn('latency', '<', 0.1), [LATENCY], promUrl)).toMatchObject({ status: 'fail', detail: 'latency candidate 0.21 s ≥ 0.1 s (must be < 0.1 s)' });
    expect(await evaluate({ kind: 'relative', metric: 'latency', op: '<=', ratio: 1.1, window: '1m' }, [LATENCY], promUrl)).toMatchObject({ status: 'pass', value: expect.closeTo(1.05, 6), detail: 'latency candidate/baseline ratio 1.05 <= 1.1' });
    expect(await evaluate({ kind: 'relative', metric: 'errors', op: '<=', ratio: 1.5, window: '1m' }, [ERRORS], promUrl)).toMatchObject({ status: 'fail', value: expect.closeTo(3, 6), detail: 'errors candidate/baseline ratio 3 > 1.5 (must be <= 1.5)' });
  });

  it('is inconclusive, with the reason, on an empty vector, NaN, +Inf, several series, a bad query, an unreachable or unset source', async () => {
    const detail = async (key: string) => {
      const r = await evaluate(metricOn(key, '<', 1), BROKEN, promUrl);
      expect(r.status, `${key}: ${r.detail}`).toBe('inconclusive');
      return [r.reason, r.detail];
    };
    expect(await detail('empty')).toEqual(['source-error', 'empty candidate: source error: empty vector: the query matched no series']);
    expect(await detail('nan')).toEqual(['non-finite', 'nan candidate is NaN: not a number to compare']);
    expect(await detail('inf')).toEqual(['non-finite', 'inf candidate is Infinity: not a number to compare']);
    expect(await detail('nanvec')).toEqual(['non-finite', 'nanvec candidate is NaN: not a number to compare']);
    expect(await detail('many')).toEqual(['source-error', expect.stringMatching(/^many candidate: source error: the query gives 2 series, not one/)]);
    expect(await detail('bad')).toEqual(['source-error', expect.stringMatching(/^bad candidate: source error: Prometheus answered 400: bad_data: /)]);

    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await evaluate(metricOn('latency', '<', 1), [LATENCY], closed)).toMatchObject({ status: 'inconclusive', reason: 'source-error', detail: expect.stringContaining('latency candidate: source error: cannot reach Prometheus') });
    // the evaluator's default timeout is 5 s; a timed-out query is a source error like any other
    const timedOut = await queryInstant('1', { url: silentUrl, timeoutMs: 200 });
    expect(evaluateCriterion(metricOn('latency', '<', 1), { metrics: { latency: { candidate: timedOut } } }, new Date(), { metrics: [LATENCY] })).toMatchObject({
      status: 'inconclusive',
      reason: 'source-error',
      detail: `latency candidate: source error: Prometheus did not answer within 200 ms (${silentUrl})`,
    });
    const relative = { kind: 'relative', metric: 'latency', op: '<=', ratio: 1.1, window: '1m' } as const;
    const unset = await prometheusEvidence(relative, LATENCY.source!.prometheus!, new Date(Date.now() - 3_600_000), new Date(), '');
    expect(evaluateCriterion(relative, { metrics: { latency: unset } }, new Date(), { metrics: [LATENCY] })).toMatchObject({ status: 'inconclusive', detail: 'latency candidate: source error: PROMETHEUS_URL is not set: Prometheus sources cannot be queried' });
  });

  it('reads no further back than the phase entry: {{window}} is the time since then when that is shorter', async () => {
    const count: TMetric = probe('scrapes', 'count_over_time(app_errors_total{arm="baseline"}[{{window}}])');
    const c = metricOn('scrapes', '>', 0);
    const whole = await evaluate(c, [count], promUrl);
    expect(whole.value).toBeGreaterThanOrEqual(5);
    const justEntered = await evaluate(c, [count], promUrl, new Date(Date.now() - 1500));
    expect(justEntered.value).toBeLessThanOrEqual(2);
    expect(await evaluate(c, [count], promUrl, new Date(Date.now() + 1000))).toMatchObject({ status: 'inconclusive', detail: 'scrapes candidate: source error: the phase has only just been entered: no window to query yet' });
  });
});

describe('the evaluator and readiness', () => {
  it('evaluate and show the Prometheus numbers (GET /api/v1/rollouts/{key}/readiness), stored evaluations included', async () => {
    const key = uniq('prom');
    const flag = `PROM_${key.replace(/-/g, '_').toUpperCase()}`;
    const plan = {
      key,
      name: 'Prometheus-sourced rollout',
      metrics: [LATENCY, ERRORS, probe('empty', 'app_no_such_metric')],
      flags: [{ key: flag, type: 'string', variants: ['v1', 'v2'], baseline: 'v1' }],
      phases: [
        {
          key: 'canary',
          name: 'Canary',
          flags: { [flag]: 'v2' },
          criteria: [metricOn('latency', '<', 0.5), { kind: 'relative', metric: 'errors', op: '<=', ratio: 1.5, window: '1m' }, metricOn('empty', '<', 1)],
        },
        { key: 'all', name: 'All', flags: { [flag]: 'v2' } },
      ],
    };
    const r = await createRollout(ENGINEER, plan, { requestId: 'prometheus-test' });
    await transitionRollout(ENGINEER, { key: r.key, action: 'start', expectedVersion: r.version, reason: 'start' });
    const row = await prisma().rollout.update({ where: { key: r.key }, data: { phaseEnteredAt: new Date(Date.now() - 3_600_000) } });

    const summary = await evaluateRollout(row.id);
    expect(summary.stored).toBe(3);
    const stored = await prisma().criterionEvaluation.findMany({ where: { rolloutId: row.id }, orderBy: { position: 'asc' } });
    expect(stored.map((e) => [e.status, e.value])).toEqual([
      ['pass', 0.21],
      ['fail', expect.closeTo(3, 6)],
      ['inconclusive', null],
    ]);

    const res = await getReadinessRoute(r.key, engineer);
    expect(res.status).toBe(200);
    expect(res.body.ready).toBe(false);
    const reasons = res.body.reasons!.filter((x) => x.kind === 'metric' || x.kind === 'relative');
    expect(reasons).toEqual([
      expect.objectContaining({ kind: 'metric', status: 'pass', detail: 'latency candidate 0.21 s < 0.5 s' }),
      expect.objectContaining({ kind: 'relative', status: 'fail', detail: 'errors candidate/baseline ratio 3 > 1.5 (must be <= 1.5)' }),
      expect.objectContaining({ kind: 'metric', status: 'inconclusive', detail: 'empty candidate: source error: empty vector: the query matched no series' }),
    ]);
  });
});
