// Evidence in (issue 8): a batch is all or nothing and lists every bad item by index and field;
// an Idempotency-Key makes a retry count once (another body under it: 409); the batch cap.
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { EVIDENCE_BATCH_MAX } from '../../lib/services/evidence-batch';
import { ensureEnvironments, tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { evidenceCounts, evidenceRollout, push } from '../helpers/evidence';

let engineer: string;
const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  engineer = await tokenFor('engineer');
});

describe('POST /api/v1/rollouts/{key}/metrics', () => {
  it('stores a good batch: raw rows and buckets', async () => {
    const r = await evidenceRollout();
    const at = iso(60_000);
    const res = await push('metrics', r.key, engineer, {
      samples: [
        { metric: 'error_rate', arm: 'candidate', value: 0.5, at },
        { metric: 'error_rate', arm: 'candidate', value: 1.5, at, count: 3 },
        { metric: 'scan_time', arm: 'baseline', value: 2, at },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ rollout: r.key, accepted: 3, buckets: 2 });
    // each minute bucket also went into its 5-minute and hourly bucket
    expect(await evidenceCounts(r.id)).toMatchObject({ samples: 3, buckets: 2 * 3 });
    const b = await prisma().metricBucket.findFirstOrThrow({ where: { rolloutId: r.id, metric: 'error_rate', arm: 'candidate', resolution: 60 } });
    expect({ weight: b.weight, n: b.n, sum: b.sum, min: b.min, max: b.max }).toEqual({ weight: 4, n: 2, sum: 0.5 + 4.5, min: 0.5, max: 1.5 });
  });

  it('refuses the whole batch when any item is bad, listing every bad item by index and field; nothing is stored', async () => {
    const r = await evidenceRollout();
    const ok = { metric: 'error_rate', arm: 'candidate', value: 1, at: iso() };
    // raw JSON: 1e999 parses to Infinity, which no finite-number field accepts
    const body = JSON.stringify({
      samples: [
        ok,
        { ...ok, metric: 'latency' },
        { ...ok, arm: 'control' },
        { ...ok, value: '__INF__' },
        { ...ok, at: 'yesterday' },
        { ...ok, at: new Date(Date.now() + 10 * 60_000).toISOString() },
        { ...ok, at: new Date(Date.now() - 91 * 86_400_000).toISOString() },
        { ...ok, count: '3' },
        { ...ok, count: 0 },
        { ...ok, colour: 'red' },
        'not an object',
        { metric: 'nope', arm: 'x', value: null, at: 5 },
        ok,
      ],
    }).replace('"__INF__"', '1e999');
    const res = await push('metrics', r.key, engineer, body);
    expect(res.status).toBe(400);
    const errors = res.body.errors!.map((e) => `${e.path}: ${e.message}`);
    expect(errors).toEqual([
      'samples[1].metric: unknown metric "latency" (the plan declares error_rate, scan_time)',
      'samples[2].arm: expected one of baseline, candidate',
      'samples[3].value: expected a finite number',
      'samples[4].at: expected an RFC 3339 date-time with a time zone, e.g. 2026-12-01T10:00:00Z',
      expect.stringMatching(/^samples\[5\]\.at: more than 5 minutes in the future \(server time /),
      'samples[6].at: older than the evidence retention of 90 days (SWITCHYARD_EVIDENCE_RETENTION_DAYS)',
      'samples[7].count: expected a finite number > 0 (how many events the value summarises)',
      'samples[8].count: must be > 0 (how many events the value summarises)',
      'samples[9]: unknown field "colour"',
      'samples[10]: expected an object { metric, arm, value, at, count? }',
      'samples[11].arm: expected one of baseline, candidate',
      'samples[11].value: expected a finite number',
      'samples[11].at: expected an RFC 3339 date-time with a time zone, e.g. 2026-12-01T10:00:00Z',
      'samples[11].metric: unknown metric "nope" (the plan declares error_rate, scan_time)',
    ]);
    expect(String(res.body.detail)).toMatch(/^11 bad items in "samples"; nothing was stored: samples\[1\]\.metric: unknown metric/);
    expect(await evidenceCounts(r.id)).toEqual({ samples: 0, buckets: 0, comparisons: 0, comparisonBuckets: 0, keys: 0 });
  });

  it('a plan that declares no metrics: a clear 400 saying so', async () => {
    const r = await evidenceRollout({ metrics: null });
    const res = await push('metrics', r.key, engineer, { samples: [{ metric: 'error_rate', arm: 'candidate', value: 1, at: iso() }] });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/declares no metrics: add a top-level "metrics" list to its plan/);
    expect(res.body.errors).toEqual([{ path: 'samples[0].metric', message: 'unknown metric "error_rate": the plan declares no metrics' }]);
    expect((await evidenceCounts(r.id)).samples).toBe(0);
  });

  it('the envelope: samples required, not empty, at most EVIDENCE_BATCH_MAX; unknown rollout is a 404', async () => {
    const r = await evidenceRollout();
    const e = (res: Awaited<ReturnType<typeof push>>) => res.body.errors!.map((x) => `${x.path}: ${x.message}`);
    expect(e(await push('metrics', r.key, engineer, {}))).toEqual(['samples: expected an array of samples { metric, arm, value, at, count? }']);
    expect(e(await push('metrics', r.key, engineer, { samples: [] }))).toEqual(['samples: must not be empty']);
    const many = Array.from({ length: EVIDENCE_BATCH_MAX + 1 }, () => ({ metric: 'error_rate', arm: 'baseline', value: 1, at: iso() }));
    const res = await push('metrics', r.key, engineer, { samples: many });
    expect(res.status).toBe(400);
    expect(e(res)).toEqual(['samples: at most 10,000 samples per batch']);
    expect((await push('metrics', 'no-such-rollout', engineer, { samples: [many[0]] })).status).toBe(404);
  });

  it('10,000 samples in one batch are accepted (the documented cap)', async () => {
    const r = await evidenceRollout();
    const at = iso(30_000);
    const many = Array.from({ length: EVIDENCE_BATCH_MAX }, (_, i) => ({ metric: 'scan_time', arm: i % 2 ? 'baseline' : 'candidate', value: i / 10, at }));
    const res = await push('metrics', r.key, engineer, { samples: many });
    expect(res.status).toBe(201);
    expect((await evidenceCounts(r.id)).samples).toBe(EVIDENCE_BATCH_MAX);
  });
});

describe('POST /api/v1/rollouts/{key}/comparisons', () => {
  it('stores good results with their minute rollups', async () => {
    const r = await evidenceRollout();
    const at = iso(60_000);
    const res = await push('comparisons', r.key, engineer, {
      results: [
        { ref: 'scan-1', at, compatible: true },
        { ref: 'scan-2', at, compatible: false, category: 'missing field', fields: { missing: ['price'] } },
        { ref: 'deal-3', at, baseline: 100, candidate: 103 },
      ],
    });
    expect(res.status).toBe(201);
    const b = await prisma().comparisonBucket.findFirstOrThrow({ where: { rolloutId: r.id } });
    expect({ n: b.n, t: b.compatibleTrue, f: b.compatibleFalse, c: b.categories }).toEqual({ n: 3, t: 1, f: 1, c: { 'missing field': 1 } });
    const raw = await prisma().comparison.findFirstOrThrow({ where: { rolloutId: r.id, ref: 'scan-2' } });
    expect(raw.fields).toEqual({ missing: ['price'] });
  });

  it('refuses the whole batch listing every bad result by index and field', async () => {
    const r = await evidenceRollout();
    const at = iso();
    const res = await push('comparisons', r.key, engineer, {
      results: [
        { at, compatible: true },
        { at, compatible: 'yes' },
        { at, baseline: 5 },
        { at, candidate: 5 },
        { at },
        { at, compatible: true, category: 7 },
        { compatible: true },
        { at, compatible: true, fields: { blob: 'x'.repeat(9000) } },
        { at, compatible: true, extra: 1 },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors!.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'results[1].compatible: expected boolean',
      'results[2].candidate: required with "baseline" (or give "compatible")',
      'results[3].baseline: required with "candidate" (or give "compatible")',
      'results[4].compatible: required: give "compatible", or both "baseline" and "candidate"',
      'results[5].category: expected a string (a mismatch category, e.g. "missing field")',
      'results[6].at: expected an RFC 3339 date-time with a time zone, e.g. 2026-12-01T10:00:00Z',
      'results[7].fields: at most 8 KiB as JSON',
      'results[8]: unknown field "extra"',
    ]);
    expect(await evidenceCounts(r.id)).toEqual({ samples: 0, buckets: 0, comparisons: 0, comparisonBuckets: 0, keys: 0 });
  });
});

describe('Idempotency-Key', () => {
  it('a retried batch counts once and gets the first response again; another body under the same key is a 409', async () => {
    const r = await evidenceRollout();
    const body = { samples: [{ metric: 'error_rate', arm: 'candidate', value: 2, at: iso(10_000) }] };
    const first = await push('metrics', r.key, engineer, body, { 'idempotency-key': 'batch-0001' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // the same batch, keys in another order: the same body
    const again = await push('metrics', r.key, engineer, JSON.stringify({ samples: [{ at: body.samples[0].at, value: 2, arm: 'candidate', metric: 'error_rate' }] }), { 'idempotency-key': 'batch-0001' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await evidenceCounts(r.id)).toMatchObject({ samples: 1, keys: 1 });
    const b = await prisma().metricBucket.findFirstOrThrow({ where: { rolloutId: r.id } });
    expect(b.weight).toBe(1);

    const other = await push('metrics', r.key, engineer, { samples: [{ ...body.samples[0], value: 3 }] }, { 'idempotency-key': 'batch-0001' });
    expect(other.status).toBe(409);
    expect(other.body.detail).toMatch(/Idempotency-Key "batch-0001" was already used for a different metrics batch/);
    expect((await evidenceCounts(r.id)).samples).toBe(1);

    // a new key is a new batch; no key at all counts every time
    expect((await push('metrics', r.key, engineer, body, { 'idempotency-key': 'batch-0002' })).status).toBe(201);
    expect((await push('metrics', r.key, engineer, body)).status).toBe(201);
    expect((await prisma().metricBucket.findFirstOrThrow({ where: { rolloutId: r.id } })).weight).toBe(3);
  });

  it('concurrent retries of one batch count once', async () => {
    const r = await evidenceRollout();
    const body = { results: [{ ref: 'x', at: iso(5_000), compatible: true }] };
    const all = await Promise.all(Array.from({ length: 5 }, () => push('comparisons', r.key, engineer, body, { 'idempotency-key': 'same-batch' })));
    expect(all.map((x) => x.status)).toEqual([201, 201, 201, 201, 201]);
    expect(all.filter((x) => x.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    expect(await evidenceCounts(r.id)).toMatchObject({ comparisons: 1, keys: 1 });
    expect((await prisma().comparisonBucket.findFirstOrThrow({ where: { rolloutId: r.id } })).n).toBe(1);
  });

  it('a refused batch does not use up its key; a bad key is a 400; keys are per rollout and kind', async () => {
    const r = await evidenceRollout();
    const good = { samples: [{ metric: 'error_rate', arm: 'candidate', value: 2, at: iso() }] };
    expect((await push('metrics', r.key, engineer, { samples: [{ ...good.samples[0], arm: 'x' }] }, { 'idempotency-key': 'k1' })).status).toBe(400);
    expect((await push('metrics', r.key, engineer, good, { 'idempotency-key': 'k1' })).status).toBe(201);
    const bad = await push('metrics', r.key, engineer, good, { 'idempotency-key': 'has space' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'Idempotency-Key', message: 'only visible ASCII characters (no spaces)' }]);
    expect((await push('comparisons', r.key, engineer, { results: [{ at: iso(), compatible: true }] }, { 'idempotency-key': 'k1' })).status).toBe(201);
    const r2 = await evidenceRollout();
    expect((await push('metrics', r2.key, engineer, good, { 'idempotency-key': 'k1' })).headers.get('idempotent-replayed')).toBeNull();
  });
});
