// Hostile input over the real route handlers (issue 7, defects 2, 3, 8, 11): every bad input is
// a 4xx naming what was wrong and where, and nothing is written. Never a 500.
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { ensureEnvironments, marketScanPlan, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import * as rolloutsRoute from '../../app/api/v1/rollouts/route';
import * as rolloutRoute from '../../app/api/v1/rollouts/[key]/route';
import * as actionRoute from '../../app/api/v1/rollouts/[key]/[action]/route';
import * as auditRoute from '../../app/api/v1/rollouts/[key]/audit/route';
import * as envRoute from '../../app/api/v1/environments/route';
import * as envFlagsRoute from '../../app/api/v1/environments/[env]/route';
import * as tokensRoute from '../../app/api/v1/tokens/route';

let admin = '';

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  admin = await tokenFor('admin');
});

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

interface CallOpts {
  method?: string;
  params?: Record<string, string>;
  /** a string or bytes are sent as they are; anything else as JSON */
  body?: unknown;
  path?: string;
  /** the Content-Type to send; null sends none */
  type?: string | null;
}

async function call(handler: Handler, opts: CallOpts = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${admin}` };
  const type = opts.type === undefined ? 'application/json' : opts.type;
  if (type !== null) headers['content-type'] = type;
  const raw = typeof opts.body === 'string' || opts.body instanceof Uint8Array;
  const body = opts.body === undefined ? undefined : raw ? (opts.body as BodyInit) : JSON.stringify(opts.body);
  const req = new Request(`http://test${opts.path ?? '/api/v1/x'}`, { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function counts() {
  return {
    rollouts: await prisma().rollout.count(),
    flags: await prisma().flag.count(),
    audit: await prisma().auditEvent.count(),
    envs: await prisma().environment.count(),
    tokens: await prisma().apiToken.count(),
  };
}

async function createDraft() {
  const { plan, flag } = marketScanPlan();
  const r = await call(rolloutsRoute.POST as Handler, { body: plan });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { key: plan.key, flag };
}

/** the `errors` paths of a problem document */
const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path);

describe('Content-Type: bodies must be JSON (or YAML where documented), 415 otherwise', () => {
  it('a text/plain body (what a cross-site form sends) does not start a rollout', async () => {
    const { key } = await createDraft();
    const before = await counts();
    const r = await call(actionRoute.POST as Handler, {
      params: { key, action: 'start' },
      type: 'text/plain',
      body: JSON.stringify({ reason: 'csrf', expectedVersion: 1 }),
    });
    expect(r.status).toBe(415);
    expect(r.body.detail).toMatch(/text\/plain/);
    expect(r.body.detail).toMatch(/application\/json/);
    expect(await counts()).toEqual(before);
    expect((await prisma().rollout.findUnique({ where: { key } }))?.status).toBe('draft');
  });

  it('form-encoded, multipart and a missing Content-Type are 415 too; a plan refuses YAML only under a YAML type', async () => {
    const { plan } = marketScanPlan();
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null]) {
      // bytes, not a string: a string body would get text/plain from the Request constructor
      const r = await call(rolloutsRoute.POST as Handler, { type, body: new TextEncoder().encode(JSON.stringify(plan)) });
      expect(r.status, String(type)).toBe(415);
      expect(r.body.detail).toMatch(type === null ? /no Content-Type/ : /application\/json/);
    }
    // YAML is documented for plans only
    const yaml = await call(envRoute.POST as Handler, { type: 'application/yaml', body: 'key: qa\n' });
    expect(yaml.status).toBe(415);
    expect(await prisma().rollout.count({ where: { key: plan.key } })).toBe(0);
  });

  it('application/json with a charset, and application/*+json, are accepted', async () => {
    const a = await call(rolloutsRoute.POST as Handler, { type: 'application/json; charset=utf-8', body: marketScanPlan().plan });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const b = await call(rolloutsRoute.POST as Handler, { type: 'application/vnd.switchyard.plan+json', body: marketScanPlan().plan });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    const c = await call(rolloutsRoute.POST as Handler, { type: 'application/json; charset=latin1', body: marketScanPlan().plan });
    expect(c.status).toBe(415);
  });
});

describe('NUL characters and lone surrogates are refused at the boundary, by path', () => {
  it('in a plan value, a name and an object key', async () => {
    const before = await counts();
    const { plan, flag } = marketScanPlan();
    const bad = { ...plan, flags: [{ ...plan.flags[0], type: 'json', variants: undefined, baseline: { nested: ['ok', 'a\u0000b'] } }] };
    const r1 = await call(rolloutsRoute.POST as Handler, { body: bad });
    expect(r1.status).toBe(400);
    expect(paths(r1.body)).toContain('flags[0].baseline.nested[1]');
    expect(r1.body.detail).toMatch(/flags\[0\]\.baseline\.nested\[1\]: contains a NUL character/);

    // a lone surrogate can only arrive escaped: JSON.stringify writes it as \udc00
    const r2 = await call(rolloutsRoute.POST as Handler, { body: { ...plan, name: 'Market \udc00 scan' } });
    expect(r2.status).toBe(400);
    expect(r2.body.detail).toMatch(/name: contains an unpaired surrogate/);

    const r3 = await call(rolloutsRoute.POST as Handler, { body: { ...plan, phases: [{ ...plan.phases[0], flags: { [`${flag}\u0000`]: 'dual' } }] } });
    expect(r3.status).toBe(400);
    expect(paths(r3.body)[0]).toMatch(/^phases\[0\]\.flags/);
    expect(r3.body.detail).toMatch(/key .* contains a NUL character/);
    expect(await counts()).toEqual(before);
  });

  it('in a transition reason, an environment name and a token name', async () => {
    const { key } = await createDraft();
    const before = await counts();
    const r = await call(actionRoute.POST as Handler, { params: { key, action: 'start' }, body: { reason: 'go\u0000', expectedVersion: 1 } });
    expect(r.status).toBe(400);
    expect(paths(r.body)).toEqual(['reason']);
    const e = await call(envRoute.POST as Handler, { body: { key: 'qa-nul', name: 'Q\u0000A' } });
    expect(e.status).toBe(400);
    expect(paths(e.body)).toEqual(['name']);
    const t = await call(tokensRoute.POST as Handler, { body: { name: 'ci \ud800', role: 'viewer' } });
    expect(t.status).toBe(400);
    expect(paths(t.body)).toEqual(['name']);
    expect(await counts()).toEqual(before);
  });

  it('in URL path params and query strings', async () => {
    const r = await call(rolloutRoute.GET as Handler, { params: { key: 'market\u0000scan' } });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/key: contains a NUL character/);
    const s = await call(envFlagsRoute.GET as Handler, { params: { env: 'prod\ud800' } });
    expect(s.status).toBe(400);
    expect(r.body.errors?.[0]?.path ?? s.body.errors?.[0]?.path).toBeDefined();
    expect(s.body.detail).toMatch(/env: contains an unpaired surrogate/);
    const { key } = await createDraft();
    const q = await call(auditRoute.GET as Handler, { params: { key }, path: `/api/v1/rollouts/${key}/audit?limit=1%00` });
    expect(q.status).toBe(400);
    expect(q.body.detail).toMatch(/limit/);
  });
});

describe('numbers that overflow the database are 400s naming the field', () => {
  it('minDuration beyond the documented maximum is a plan error by path', async () => {
    const { plan } = marketScanPlan();
    const r = await call(rolloutsRoute.POST as Handler, { body: { ...plan, phases: [{ ...plan.phases[0], minDuration: '999999999w' }, ...plan.phases.slice(1)] } });
    expect(r.status).toBe(400);
    expect(paths(r.body)).toEqual(['phases[0].minDuration']);
    expect(r.body.detail).toMatch(/at most 365d/);
  });

  it('an environment sortOrder of 2^31 or more', async () => {
    const before = await counts();
    for (const sortOrder of [2 ** 31, -(2 ** 31) - 1, 1e300]) {
      const r = await call(envRoute.POST as Handler, { body: { key: uniq('env'), sortOrder } });
      expect(r.status, String(sortOrder)).toBe(400);
      expect(paths(r.body)).toEqual(['sortOrder']);
    }
    expect(await counts()).toEqual(before);
  });

  it('?before= past a 64-bit id, and a limit out of range', async () => {
    const { key } = await createDraft();
    const b = await call(auditRoute.GET as Handler, { params: { key }, path: `/api/v1/rollouts/${key}/audit?before=99999999999999999999` });
    expect(b.status).toBe(400);
    expect(paths(b.body)).toEqual(['before']);
    const l = await call(auditRoute.GET as Handler, { params: { key }, path: `/api/v1/rollouts/${key}/audit?limit=0` });
    expect(l.status).toBe(400);
    expect(paths(l.body)).toEqual(['limit']);
    const ok = await call(auditRoute.GET as Handler, { params: { key }, path: `/api/v1/rollouts/${key}/audit?before=9223372036854775807&limit=500` });
    expect(ok.status).toBe(200);
    expect(ok.body.events.length).toBe(1);
  });
});

describe('deeply nested JSON', () => {
  it('10,000 levels deep is a 400 naming where, not a stack overflow', async () => {
    const { plan } = marketScanPlan();
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const body = JSON.stringify({ ...plan, flags: [{ key: 'DEEP', type: 'json', baseline: 0 }] }).replace('"baseline":0', `"baseline":${deep}`);
    const r = await call(rolloutsRoute.POST as Handler, { body });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/flags\[0\]\.baseline(\[0\])+: nested deeper than 32 levels/);
  });

  it('as YAML too: 400 saying it is nested too deeply, whether or not the parser itself got there', async () => {
    for (const levels of [40, 10_000]) {
      const yaml = `key: ${uniq('deep')}\nname: Deep\nflags:\n  - key: DEEP\n    type: json\n    baseline: ${'['.repeat(levels)}${']'.repeat(levels)}\nphases:\n  - { key: on, name: On }\n`;
      const r = await call(rolloutsRoute.POST as Handler, { type: 'application/yaml', body: yaml });
      expect(r.status, String(levels)).toBe(400);
      expect(r.body.detail).toMatch(/nested deeper than 32 levels/);
    }
  });
});

describe('transition reasons', () => {
  it('a reason over 2,000 characters says it is too long, not that it is missing', async () => {
    const { key } = await createDraft();
    const r = await call(actionRoute.POST as Handler, { params: { key, action: 'start' }, body: { reason: 'x'.repeat(2001), expectedVersion: 1 } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ path: 'reason', message: expect.stringMatching(/at most 2,000 characters/) }]);
    expect(r.body.detail).not.toMatch(/required/);
  });

  it('a non-plan body problem at the top level reads (body), not (plan)', async () => {
    const r = await call(envRoute.POST as Handler, { body: [1, 2] });
    expect(r.status).toBe(400);
    expect(paths(r.body)).toEqual(['(body)']);
  });
});

describe('two flags, one env name', () => {
  it('a plan whose flag keys collide after the .env mapping is rejected by path', async () => {
    const { plan } = marketScanPlan();
    const k = uniq('A').toUpperCase().replace(/-/g, '_');
    const r = await call(rolloutsRoute.POST as Handler, {
      body: { ...plan, flags: [{ key: `${k}.b`, type: 'boolean', baseline: false }, { key: `${k}_b`, type: 'boolean', baseline: true }], phases: [{ key: 'on', name: 'On', flags: {} }] },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ path: 'flags[1].key', message: expect.stringContaining(`${k}.b`) }]);
    expect(r.body.detail).toContain(`${k}_b`);
  });

  it('a flag whose env name is already exported by another rollout is a 409 naming both keys', async () => {
    const k = uniq('B').toUpperCase().replace(/-/g, '_');
    const mk = (flagKey: string) => ({ key: uniq('envname'), name: 'Env name', flags: [{ key: flagKey, type: 'boolean', baseline: false }], phases: [{ key: 'on', name: 'On', flags: { [flagKey]: true } }] });
    const first = await call(rolloutsRoute.POST as Handler, { body: mk(`${k}.x`) });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const before = await counts();
    const second = await call(rolloutsRoute.POST as Handler, { body: mk(`${k}-x`) });
    expect(second.status).toBe(409);
    expect(second.body.detail).toContain(`${k}.x`);
    expect(second.body.detail).toContain(`${k}-x`);
    expect(second.body.errors).toEqual([{ path: 'flags[0].key', message: expect.stringContaining(`${k}.x`) }]);
    expect(await counts()).toEqual(before);
  });
});
