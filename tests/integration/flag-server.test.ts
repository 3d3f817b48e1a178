// The flag server against a real Postgres, read through the official OpenFeature server SDK and
// OFREP provider (and @openfeature/ofrep-core's bulk API), with changes made by the real
// transition service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenFeature, ErrorCode, type Client } from '@openfeature/server-sdk';
import { OFREPApi } from '@openfeature/ofrep-core';
import { prisma } from '../../lib/db';
import type { FlagServer } from '../../lib/flag-server/server';
import {
  act,
  createServingRollout,
  ensureFlagEnvironments,
  eventually,
  flagsToken,
  ofrepClient,
  openEventStream,
  post,
  revokeToken,
  roleToken,
  startTestFlagServer,
} from '../factories/flags';
import { setupTestDatabase, type TestDatabase } from '../helpers/db';

const ADMIN = 'bootstrap-admin-token-for-tests';
let db: TestDatabase;
let server: FlagServer;
let prodToken: string;
let stagingToken: string;
let prod: Client;
let staging: Client;
let keys: Awaited<ReturnType<typeof createServingRollout>>['keys'];
let rolloutKey: string;

beforeAll(async () => {
  db = await setupTestDatabase();
  await ensureFlagEnvironments();
  ({ keys, rolloutKey } = await createServingRollout());
  // start → dual, promote → targeted (allow-list + attribute rules), promote → ab (staging split)
  await act(rolloutKey, 'start');
  await act(rolloutKey, 'promote');
  await act(rolloutKey, 'promote');
  prodToken = await flagsToken('production');
  stagingToken = await flagsToken('staging');
  server = await startTestFlagServer(db.url, { adminToken: ADMIN });
  await server.store.waitReady();
  prod = await ofrepClient(server.url, prodToken);
  staging = await ofrepClient(server.url, stagingToken, 'x-api-key');
}, 60_000);

afterAll(async () => {
  await OpenFeature.close();
  await server?.close();
});

describe('OFREP through the OpenFeature SDK', () => {
  it('serves string, number, boolean and object flags with reason, variant and metadata', async () => {
    const s = await prod.getStringDetails(keys.engine, 'fallback');
    expect(s).toMatchObject({ value: 'dual', reason: 'STATIC', variant: 'dual' });
    expect(s.errorCode).toBeUndefined();
    expect(s.flagMetadata).toMatchObject({ rollout: rolloutKey, phase: 'dual', environment: 'production' });
    expect(typeof s.flagMetadata.revision).toBe('number');
    expect(typeof s.flagMetadata.revisionTime).toBe('string');

    const n = await prod.getNumberDetails(keys.parallel, 0);
    expect(n).toMatchObject({ value: 4, reason: 'STATIC', variant: '4' });

    const b = await prod.getBooleanDetails(keys.beta, true, { targetingKey: 'someone@example.com' });
    expect(b).toMatchObject({ value: false, reason: 'DEFAULT', variant: 'off' });
    expect(b.flagMetadata.phase).toBe('targeted');

    const o = await prod.getObjectDetails(keys.limits, {}, { targetingKey: 'acct-1', plan: 'enterprise', region: 'eu' });
    expect(o).toMatchObject({ value: { batch: 100, retries: [] }, reason: 'TARGETING_MATCH' });
    const o2 = await prod.getObjectValue(keys.limits, {}, { plan: 'enterprise', region: 'us' });
    expect(o2).toEqual({ batch: 20, retries: [1] });
  });

  it('serves a static flag with no targetingKey at all (workers have no user)', async () => {
    const d = await prod.getStringDetails(keys.engine, 'fallback', {});
    expect(d).toMatchObject({ value: 'dual', reason: 'STATIC' });
  });

  it('allow-list: the listed user gets true, others the default', async () => {
    expect(await prod.getBooleanDetails(keys.beta, false, { targetingKey: 'andy@hotmatch.com' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH', variant: 'on' });
    expect(await prod.getBooleanValue(keys.beta, true, { targetingKey: 'zed@example.com' })).toBe(false);
  });

  it('split: 10,000 keys within ±2 % of 50/50, sticky across calls and across replicas', async () => {
    const counts: Record<string, number> = {};
    const seen = new Map<string, string>();
    for (let i = 0; i < 10_000; i += 200) {
      const batch = await Promise.all(
        Array.from({ length: 200 }, (_, j) => staging.getStringDetails(keys.engine, 'fallback', { targetingKey: `user-${i + j}` })),
      );
      batch.forEach((d, j) => {
        expect(d.reason).toBe('SPLIT');
        counts[d.value] = (counts[d.value] ?? 0) + 1;
        seen.set(`user-${i + j}`, d.value);
      });
    }
    expect(counts.v1 + counts.v2).toBe(10_000);
    expect(Math.abs(counts.v1 / 10_000 - 0.5)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(counts.v2 / 10_000 - 0.5)).toBeLessThanOrEqual(0.02);

    // a second replica (think: another pod, or this one after a restart) agrees key by key
    const replica = await startTestFlagServer(db.url);
    try {
      await replica.store.waitReady();
      const other = await ofrepClient(replica.url, stagingToken);
      for (let i = 0; i < 1000; i += 100) {
        const batch = await Promise.all(Array.from({ length: 100 }, (_, j) => other.getStringValue(keys.engine, 'x', { targetingKey: `user-${i + j}` })));
        batch.forEach((v, j) => expect(v).toBe(seen.get(`user-${i + j}`)));
      }
    } finally {
      await replica.close();
    }
  }, 60_000);

  it('unknown flag: FLAG_NOT_FOUND and the caller default', async () => {
    const d = await prod.getBooleanDetails('NO_SUCH_FLAG', true);
    expect(d).toMatchObject({ value: true, errorCode: ErrorCode.FLAG_NOT_FOUND, reason: 'ERROR' });
  });

  it('split without a targetingKey: TARGETING_KEY_MISSING', async () => {
    const d = await staging.getStringDetails(keys.engine, 'fallback', { plan: 'pro' });
    expect(d).toMatchObject({ value: 'fallback', errorCode: ErrorCode.TARGETING_KEY_MISSING });
    // the same flag is static in production (the A/B phase targets staging only)
    expect(await prod.getStringDetails(keys.engine, 'fallback', {})).toMatchObject({ value: 'dual', reason: 'STATIC' });
  });

  it('a type mismatch is the SDK default with TYPE_MISMATCH', async () => {
    const d = await prod.getNumberDetails(keys.engine, 7);
    expect(d).toMatchObject({ value: 7, errorCode: ErrorCode.TYPE_MISMATCH });
  });
});

describe('tokens', () => {
  it('a flags token reads its own environment only', async () => {
    // same key, different answers: each token is bound to its environment
    expect(await staging.getStringDetails(keys.engine, 'x', { targetingKey: 'user-1' })).toMatchObject({ reason: 'SPLIT' });
    expect(await prod.getStringDetails(keys.engine, 'x', { targetingKey: 'user-1' })).toMatchObject({ reason: 'STATIC', value: 'dual' });
    // and nothing of another environment
    const sse = await fetch(`${server.url}/ofrep/v1/events?environment=production`, { headers: { authorization: `Bearer ${stagingToken}` } });
    expect(sse.status).toBe(403);
    const exp = await fetch(`${server.url}/api/v1/environments/production/flags.env`, { headers: { 'x-api-key': stagingToken } });
    expect(exp.status).toBe(403);
    expect(await exp.text()).toBe('');
  });

  it('401 without a token or with an unknown one, 403 for non-flags roles, no body either way', async () => {
    for (const [token, status] of [
      [null, 401],
      ['sy_not-a-real-token', 401],
      [await roleToken('engineer'), 403],
      [await roleToken('admin'), 403],
      [ADMIN, 403],
    ] as const) {
      for (const path of ['/ofrep/v1/evaluate/flags', `/ofrep/v1/evaluate/flags/${keys.engine}`]) {
        const r = await post(server.url, path, token, { context: {} });
        expect({ path, token, status: r.status }).toEqual({ path, token, status });
        expect(r.text).toBe('');
      }
    }
    // the SDK turns a 403 into its default value
    const viaSdk = await ofrepClient(server.url, await roleToken('viewer'));
    expect(await viaSdk.getStringDetails(keys.engine, 'fallback')).toMatchObject({ value: 'fallback', errorCode: ErrorCode.GENERAL });
  });

  it('a revoked token stops working within a few seconds', async () => {
    const t = await flagsToken('production');
    expect((await post(server.url, `/ofrep/v1/evaluate/flags/${keys.engine}`, t, {})).status).toBe(200);
    await revokeToken(t);
    const started = Date.now();
    await eventually(async () => (await post(server.url, `/ofrep/v1/evaluate/flags/${keys.engine}`, t, {})).status === 401, 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a token created a moment ago works at once (looked up on a miss)', async () => {
    const t = await flagsToken('staging');
    expect((await post(server.url, `/ofrep/v1/evaluate/flags/${keys.parallel}`, t, {})).status).toBe(200);
  });
});

describe('bulk evaluation, ETag and change propagation', () => {
  const api = () => new OFREPApi(server.url);
  const auth = () => ({ headers: [['Authorization', `Bearer ${prodToken}`]] as [string, string][] });

  it('bulk: every flag, a strong ETag over the bytes, 304 on If-None-Match, eventStreams advertised', async () => {
    const first = await api().postBulkEvaluateFlags({ context: { targetingKey: 'andy@hotmatch.com' } }, auth());
    expect(first.httpStatus).toBe(200);
    const etag = first.httpResponse!.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const body = first.value as { flags: { key: string; value: unknown }[]; eventStreams: { type: string; url: string }[] };
    const byKey = Object.fromEntries(body.flags.map((f) => [f.key, f.value]));
    expect(byKey).toMatchObject({ [keys.engine]: 'dual', [keys.beta]: true, [keys.parallel]: 4 });
    expect(body.eventStreams).toEqual([
      expect.objectContaining({ type: 'sse', url: `${server.url}/ofrep/v1/events?environment=production`, inactivityDelaySec: 120 }),
    ]);

    const again = await api().postBulkEvaluateFlags(
      { context: { targetingKey: 'andy@hotmatch.com' } },
      { headers: [...auth().headers, ['If-None-Match', etag]] },
    );
    expect(again.httpStatus).toBe(304);
    expect(await again.httpResponse!.text()).toBe('');

    // a different context changes targeted values, so the bytes and the ETag differ
    const other = await api().postBulkEvaluateFlags({ context: { targetingKey: 'zed' } }, { headers: [...auth().headers, ['If-None-Match', etag]] });
    expect(other.httpStatus).toBe(200);
    expect(other.httpResponse!.headers.get('etag')).not.toBe(etag);
  });

  it('request errors: PARSE_ERROR / INVALID_CONTEXT as 400 with key and errorCode', async () => {
    const single = await post(server.url, `/ofrep/v1/evaluate/flags/${keys.engine}`, prodToken, '{not json');
    expect(single.status).toBe(400);
    expect(single.headers.get('content-type')).toBe('application/json');
    expect(single.body).toMatchObject({ key: keys.engine, errorCode: 'PARSE_ERROR' });
    const ctx = await post(server.url, `/ofrep/v1/evaluate/flags/${keys.engine}`, prodToken, { context: { targetingKey: 42 } });
    expect(ctx.status).toBe(400);
    expect(ctx.body).toMatchObject({ key: keys.engine, errorCode: 'INVALID_CONTEXT' });
    const bulk = await post(server.url, '/ofrep/v1/evaluate/flags', prodToken, { context: [1] });
    expect(bulk.status).toBe(400);
    expect(bulk.body).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
  });

  it('a promote and a rollback are seen by an SDK client, by If-None-Match polling and over SSE', async () => {
    const bulk0 = await api().postBulkEvaluateFlags({ context: {} }, auth());
    const etag0 = bulk0.httpResponse!.headers.get('etag')!;
    const stream = await openEventStream(`${server.url}/ofrep/v1/events?environment=production`, prodToken);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);

    // promote → `full`: v2 everywhere
    let t0 = Date.now();
    await act(rolloutKey, 'promote');
    const ev = await stream.next(0, 2_000);
    expect(ev.data).toMatchObject({ type: 'refetchEvaluation' });
    expect(Date.now() - t0).toBeLessThan(1_000);
    // the re-fetch the event asks for already has the new values: no stale 304
    const after = await api().postBulkEvaluateFlags({ context: {} }, { headers: [...auth().headers, ['If-None-Match', etag0]] });
    expect(after.httpStatus).toBe(200);
    expect((after.value as { flags: { key: string; value: unknown }[] }).flags.find((f) => f.key === keys.engine)?.value).toBe('v2');
    expect(await prod.getStringValue(keys.engine, 'x')).toBe('v2');
    expect(await prod.getBooleanValue(keys.beta, false)).toBe(true);

    // rollback to baseline: the SDK client follows within a second
    t0 = Date.now();
    await act(rolloutKey, 'rollback', { to: 'baseline' });
    await eventually(async () => (await prod.getStringValue(keys.engine, 'x')) === 'v1', 1_000, 10);
    expect(Date.now() - t0).toBeLessThan(1_000);
    const ev2 = await stream.next(1, 2_000);
    expect(Number(ev2.id)).toBeGreaterThan(Number(ev.id));
    expect(await prod.getNumberValue(keys.parallel, 0)).toBe(3);
    expect(await prod.getStringDetails(keys.engine, 'x')).toMatchObject({ flagMetadata: expect.objectContaining({ phase: 'baseline' }) });
    stream.close();

    // a client resuming with an old Last-Event-ID is told to re-fetch at once
    const resumed = await openEventStream(`${server.url}/ofrep/v1/events?environment=production`, prodToken, ev.id);
    expect((await resumed.next(0, 1_000)).data.type).toBe('refetchEvaluation');
    resumed.close();

    // start again (back to dual) for the tests that follow
    await act(rolloutKey, 'start');
    await eventually(async () => (await prod.getStringValue(keys.engine, 'x')) === 'dual', 2_000);
  }, 20_000);

  it('two replicas against one Postgres converge on every change, with identical bytes', async () => {
    // behind one load balancer both advertise the same public URL
    const a = await startTestFlagServer(db.url, { publicUrl: 'http://flags.internal:3001' });
    const b = await startTestFlagServer(db.url, { publicUrl: 'http://flags.internal:3001' });
    try {
      await Promise.all([a.store.waitReady(), b.store.waitReady()]);
      const ca = await ofrepClient(a.url, prodToken);
      const cb = await ofrepClient(b.url, prodToken);
      const own = await createServingRollout();
      await act(own.rolloutKey, 'start'); // dual
      await act(own.rolloutKey, 'rollback', { to: 'baseline' });
      await act(own.rolloutKey, 'start');
      await act(own.rolloutKey, 'promote'); // → targeted
      await act(own.rolloutKey, 'promote'); // → ab (staging only)
      await act(own.rolloutKey, 'promote'); // → full: v2 everywhere
      await eventually(
        async () =>
          (await prod.getStringValue(own.keys.engine, 'x')) === 'v2' &&
          (await ca.getStringValue(own.keys.engine, 'x')) === 'v2' &&
          (await cb.getStringValue(own.keys.engine, 'x')) === 'v2',
        2_000,
      );
      expect(a.store.revisionOf('production')).toBe(server.store.revisionOf('production'));
      expect(b.store.revisionOf('production')).toBe(server.store.revisionOf('production'));
      // same revision → same bytes → same ETag, so If-None-Match works across replicas
      const ra = await post(a.url, '/ofrep/v1/evaluate/flags', prodToken, { context: { targetingKey: 'u1' } });
      const rb = await post(b.url, '/ofrep/v1/evaluate/flags', prodToken, { context: { targetingKey: 'u1' } });
      expect(ra.text).toBe(rb.text);
      expect(ra.headers.get('etag')).toBe(rb.headers.get('etag'));
      const cross = await post(b.url, '/ofrep/v1/evaluate/flags', prodToken, { context: { targetingKey: 'u1' } }, { 'if-none-match': ra.headers.get('etag')! });
      expect(cross.status).toBe(304);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 20_000);

  it('the version poll catches a change whose NOTIFY was never sent', async () => {
    const env = await prisma().environment.findUniqueOrThrow({ where: { key: 'production' } });
    const flag = await prisma().flag.findUniqueOrThrow({ where: { key: keys.parallel } });
    // write like a transition would, but without pg_notify
    await prisma().$transaction([
      prisma().flagValue.update({ where: { flagId_environmentId: { flagId: flag.id, environmentId: env.id } }, data: { value: 9, updatedAt: new Date() } }),
      prisma().$executeRaw`UPDATE environments SET revision = revision + 1 WHERE id = ${env.id}::uuid`,
    ]);
    const t0 = Date.now();
    await eventually(async () => (await prod.getNumberValue(keys.parallel, 0)) === 9, 3_000, 20);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });
});

describe('.env / .json export', () => {
  it('serves KEY=value lines and a JSON map with an ETag, to a flags token of that env or a management token', async () => {
    const viewer = await roleToken('viewer');
    const r = await fetch(`${server.url}/api/v1/environments/production/flags.env`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toContain(`${keys.engine}=`);
    expect(text).toMatch(new RegExp(`^${keys.limits}='\\{.*\\}'$`, 'm'));
    const etag = r.headers.get('etag')!;
    const again = await fetch(`${server.url}/api/v1/environments/production/flags.env`, { headers: { authorization: `Bearer ${viewer}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);

    const j = await fetch(`${server.url}/api/v1/environments/staging/flags.json`, { headers: { 'x-api-key': stagingToken } });
    expect(j.status).toBe(200);
    expect(j.headers.get('content-type')).toBe('application/json');
    const map = (await j.json()) as Record<string, unknown>;
    expect(Object.keys(map)).toEqual(expect.arrayContaining([keys.engine, keys.beta, keys.parallel, keys.limits]));

    const admin = await fetch(`${server.url}/api/v1/environments/staging/flags.json`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(admin.status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/environments/staging/flags.json`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/environments/nowhere/flags.json`, { headers: { authorization: `Bearer ${viewer}` } })).status).toBe(404);
  });
});

describe('readiness', () => {
  it('/healthz is 200; /readyz is 200 once the snapshot is loaded', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const r = await fetch(`${server.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ready', postgres: 'up', environments: { production: expect.any(Object), staging: expect.any(Object) } });
  });

  it('a server that cannot reach Postgres is not ready and serves no defaults (503)', async () => {
    const down = await startTestFlagServer('postgresql://postgres:postgres@127.0.0.1:1/none');
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${down.url}/readyz`)).status).toBe(503);
      const r = await post(down.url, `/ofrep/v1/evaluate/flags/${keys.engine}`, prodToken, {});
      expect(r.status).toBe(503);
      expect(r.text).toBe('');
    } finally {
      await down.close();
    }
  });
});
