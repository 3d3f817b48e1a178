// Webhook management over REST (issue 9): admins only; every bad field is a 400 naming it; a
// generated secret is returned once and never again; every change is one audit row; a webhook
// with deliveries is disabled rather than deleted.
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import * as listRoute from '../../app/api/v1/webhooks/route';
import * as oneRoute from '../../app/api/v1/webhooks/[id]/route';
import { createRollout } from '../../lib/services/create-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { ensureEnvironments, marketScanPlan, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { ENGINEER } from '../helpers/evaluator';

let admin: string;
let engineer: string;
let viewer: string;

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  [admin, engineer, viewer] = await Promise.all([tokenFor('admin'), tokenFor('engineer'), tokenFor('viewer')]);
});

type Body = Record<string, unknown> & { errors?: { path: string; message: string }[]; detail?: string };

async function call(method: string, token: string, body?: unknown, id?: string): Promise<{ status: number; body: Body }> {
  const url = `http://localhost:3000/api/v1/webhooks${id ? `/${id}` : ''}`;
  const req = new Request(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const handler = id ? (oneRoute as Record<string, unknown>)[method] : (listRoute as Record<string, unknown>)[method];
  const res = await (handler as (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>)(req, { params: Promise.resolve<Record<string, string>>(id ? { id } : {}) });
  return { status: res.status, body: (await res.json()) as Body };
}

const generic = () => ({ name: uniq('hook'), url: 'https://hooks.example.test/switchyard', format: 'generic', audiences: ['Engineering'], events: ['comms', 'red_flag'] });

describe('webhooks API', () => {
  it('creates a generic webhook with a generated secret shown once; GET never shows it; audited', async () => {
    const input = generic();
    const created = await call('POST', admin, input);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: input.name, url: input.url, format: 'generic', audiences: ['Engineering'], events: ['comms', 'red_flag'], hasSecret: true, disabled: false });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const row = await prisma().webhook.findUniqueOrThrow({ where: { id: created.body.id as string } });
    expect(row.secret).toBe(created.body.secret);

    const list = await call('GET', admin);
    expect(list.status).toBe(200);
    const listed = (list.body.webhooks as Body[]).find((w) => w.id === created.body.id)!;
    expect(listed).toMatchObject({ hasSecret: true });
    expect(listed).not.toHaveProperty('secret');
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret as string);

    const audit = await prisma().auditEvent.findFirstOrThrow({ where: { action: 'webhook.create', details: { path: ['webhookId'], equals: created.body.id as string } } });
    expect(audit).toMatchObject({ rolloutId: null, actorType: 'token' });
    expect(JSON.stringify({ reason: audit.reason, details: audit.details })).not.toContain(created.body.secret as string);
  });

  it('a given secret is kept and not echoed; slack takes none', async () => {
    const withSecret = await call('POST', admin, { ...generic(), secret: 'my-own-secret-0123456789' });
    expect(withSecret.status).toBe(201);
    expect(withSecret.body).not.toHaveProperty('secret');
    const slack = await call('POST', admin, { name: uniq('slack'), url: 'https://hooks.slack.com/services/T/B/X', format: 'slack', audiences: [], events: [] });
    expect(slack.status).toBe(201);
    expect(slack.body).toMatchObject({ format: 'slack', hasSecret: false });
    const slackSecret = await call('POST', admin, { name: uniq('slack'), url: 'https://hooks.slack.com/services/T/B/X', format: 'slack', secret: 'my-own-secret-0123456789' });
    expect(slackSecret.status).toBe(400);
    expect(slackSecret.body.errors).toEqual([{ path: 'secret', message: 'only for format "generic"' }]);
  });

  it.each([
    ['ftp scheme', { url: 'ftp://files.example.test/x' }, 'url', /scheme "ftp" is not allowed/],
    ['javascript scheme', { url: 'javascript:alert(1)' }, 'url', /scheme "javascript" is not allowed/],
    ['file scheme', { url: 'file:///etc/passwd' }, 'url', /scheme "file" is not allowed/],
    ['credentials in the URL', { url: 'https://user:pass@hooks.example.test/x' }, 'url', /must not contain credentials/],
    ['not a URL', { url: 'hooks.example.test/x' }, 'url', /not a URL/],
    ['unknown format', { format: 'teams' }, 'format', /must be one of slack, generic/],
    ['short secret', { secret: 'short' }, 'secret', /at least 16 characters/],
    ['empty name', { name: '  ' }, 'name', /must not be empty/],
    ['unknown event', { events: ['comms', 'deploys'] }, 'events[1]', /must be one of comms, transition, red_flag/],
    ['duplicate audience', { audiences: ['Support', 'Support'] }, 'audiences[1]', /listed twice/],
    ['audiences not a list', { audiences: 'Support' }, 'audiences', /must be a list/],
  ])('POST with %s is a 400 naming the field', async (_what, patch, path, message) => {
    const before = await prisma().webhook.count();
    const res = await call('POST', admin, { ...generic(), ...patch });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path, message: expect.stringMatching(message) }]);
    expect(await prisma().webhook.count()).toBe(before);
  });

  it('unknown fields and a taken name are refused', async () => {
    const extra = await call('POST', admin, { ...generic(), headers: { x: 'y' } });
    expect(extra.status).toBe(400);
    expect(extra.body.detail).toMatch(/headers/);
    const input = generic();
    expect((await call('POST', admin, input)).status).toBe(201);
    const again = await call('POST', admin, input);
    expect(again.status).toBe(409);
    expect(again.body.errors).toEqual([{ path: 'name', message: 'already taken' }]);
  });

  it('non-admins get 403 and write nothing', async () => {
    const before = { hooks: await prisma().webhook.count(), audit: await prisma().auditEvent.count() };
    for (const t of [engineer, viewer]) {
      expect((await call('GET', t)).status).toBe(403);
      expect((await call('POST', t, generic())).status).toBe(403);
    }
    const id = ((await call('POST', admin, generic())).body.id as string);
    const afterCreate = { hooks: await prisma().webhook.count(), audit: await prisma().auditEvent.count() };
    expect(afterCreate).toEqual({ hooks: before.hooks + 1, audit: before.audit + 1 });
    for (const t of [engineer, viewer]) {
      expect((await call('PATCH', t, { disabled: true }, id)).status).toBe(403);
      expect((await call('DELETE', t, undefined, id)).status).toBe(403);
    }
    expect({ hooks: await prisma().webhook.count(), audit: await prisma().auditEvent.count() }).toEqual(afterCreate);
    expect((await prisma().webhook.findUniqueOrThrow({ where: { id } })).disabledAt).toBeNull();
  });

  it('PATCH disables, enables and edits, one audit row each; bad patches are 400s; unknown ids 404', async () => {
    const id = (await call('POST', admin, generic())).body.id as string;
    const off = await call('PATCH', admin, { disabled: true }, id);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ disabled: true });
    const on = await call('PATCH', admin, { disabled: false, audiences: [], events: ['transition'], url: 'http://127.0.0.1:9/hook' }, id);
    expect(on.body).toMatchObject({ disabled: false, audiences: [], events: ['transition'], url: 'http://127.0.0.1:9/hook' });
    const actions = (await prisma().auditEvent.findMany({ where: { details: { path: ['webhookId'], equals: id } }, orderBy: { id: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(['webhook.create', 'webhook.disable', 'webhook.update']);

    expect((await call('PATCH', admin, {}, id)).body.detail).toMatch(/nothing to change/);
    const bad = await call('PATCH', admin, { url: 'gopher://x.test/' }, id);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'url', message: expect.stringMatching(/scheme "gopher"/) }]);
    const notId = await call('PATCH', admin, { disabled: true }, 'not-a-uuid');
    expect(notId.status).toBe(400);
    expect(notId.body.errors).toEqual([{ path: 'id', message: 'not a webhook id (a UUID)' }]);
    expect((await call('PATCH', admin, { disabled: true }, '00000000-0000-4000-8000-000000000000')).status).toBe(404);

    // slack → generic without a secret: one is generated and shown once
    const slack = (await call('POST', admin, { name: uniq('slack'), url: 'https://hooks.slack.com/services/T/B/X', format: 'slack' })).body.id as string;
    const toGeneric = await call('PATCH', admin, { format: 'generic' }, slack);
    expect(toGeneric.body).toMatchObject({ format: 'generic', hasSecret: true });
    expect(toGeneric.body.secret).toMatch(/^whsec_/);
  });

  it('DELETE removes an unused webhook; one with deliveries must be disabled instead (409)', async () => {
    const unused = (await call('POST', admin, generic())).body.id as string;
    const del = await call('DELETE', admin, undefined, unused);
    expect(del.status).toBe(200);
    expect(await prisma().webhook.findUnique({ where: { id: unused } })).toBeNull();
    expect(await prisma().auditEvent.count({ where: { action: 'webhook.delete', details: { path: ['webhookId'], equals: unused } } })).toBe(1);

    const used = (await call('POST', admin, { ...generic(), audiences: [], events: [] })).body.id as string;
    const r = await createRollout(ENGINEER, marketScanPlan().plan, { requestId: 'webhooks-api' });
    await transitionRollout(ENGINEER, { key: r.key, action: 'start', expectedVersion: r.version, reason: 'go' });
    expect(await prisma().webhookDelivery.count({ where: { webhookId: used } })).toBe(1);
    const refused = await call('DELETE', admin, undefined, used);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/has 1 deliveries .* disable it instead/);
    expect(await prisma().webhook.findUnique({ where: { id: used } })).not.toBeNull();
  });
});
