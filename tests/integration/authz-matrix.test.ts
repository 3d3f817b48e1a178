// The authorization matrix (issue 7, "Prove every entry point, forever"). It DISCOVERS every
// REST route (every app/**/route.ts and the methods it exports) and every server action (every
// export of every 'use server' module under app/ and lib/), and calls each one as anonymous,
// viewer, engineer, approver, admin and a flags token — over a token and over a signed-in
// session, each also with `x-middleware-subrequest` set — expecting the outcome in EXPECTED.
// A route, method or action without a row there fails the test, so whatever the evidence and
// governance work adds is covered the day it lands. Every refused call writes nothing (all
// domain tables are compared before and after) and is recorded in the security log.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.NEXTAUTH_SECRET = 'test-nextauth-secret-0123456789abcdef';
  process.env.SWITCHYARD_URL = 'http://localhost:3000';
});
vi.mock('next-auth', async (orig) => (await import('../helpers/browser-session')).mockNextAuth(await orig<object>()));
vi.mock('next/headers', async (orig) => (await import('../helpers/browser-session')).mockNextHeaders(await orig<object>()));

const { prisma } = await import('../../lib/db');
const { SYSTEM_ACTOR } = await import('../../lib/auth/actor');
const { hashPassword } = await import('../../lib/auth/password');
const { createRollout } = await import('../../lib/services/create-rollout');
const { createToken } = await import('../../lib/services/create-token');
const { openApiDocument } = await import('../../lib/openapi');
const { browser, signInAs } = await import('../helpers/browser-session');
const { ensureEnvironments, marketScanPlan, tokenFor, uniq } = await import('../factories/rollouts');
const { setupTestDatabase } = await import('../helpers/db');
const evidenceRollout = async () => (await (await import('../helpers/evidence')).evidenceRollout()).key;

const root = path.resolve(__dirname, '../..');
const ORIGIN = 'http://localhost:3000';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const WHO = ['anonymous', 'viewer', 'engineer', 'approver', 'admin', 'flags'] as const;
type Who = (typeof WHO)[number];
type Outcome = number | 'redirect';
/** expected status per caller; `session` rows apply to signed-in users (flags has no session) */
type Row = Record<Who, Outcome>;

const READ: Row = { anonymous: 401, viewer: 200, engineer: 200, approver: 200, admin: 200, flags: 403 };
const PUBLIC: Row = { anonymous: 200, viewer: 200, engineer: 200, approver: 200, admin: 200, flags: 200 };
const ADMIN_ONLY = (ok: number): Row => ({ anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: ok, flags: 403 });
const ENGINEERS = (ok: number): Row => ({ anonymous: 401, viewer: 403, engineer: ok, approver: 403, admin: ok, flags: 403 });
const SERVICE_TOKENS_REFUSED: Row = { anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: 403, flags: 403 };
const MATRIX_SIGNOFF_ROLE = 'Matrix Lead';

interface Fixture {
  params?: Record<string, string>;
  body?: unknown;
  query?: string;
  contentType?: string;
}

// ── the documented outcomes (docs/api.md, docs/security.md) ─────────────────────────────────
// `tokenRow`: the outcome over a (service) token when it differs from a session's (sign-offs are for people)
const EXPECTED_ROUTES: Record<string, { row: Row; tokenRow?: Row; fixture?: () => Promise<Fixture> }> = {
  'GET /api/health': { row: PUBLIC },
  'GET /api/v1/openapi.json': { row: PUBLIC },
  'GET /api/v1/plan.schema.json': { row: PUBLIC },
  // sign-in is public by nature: with a wrong password everyone gets 401 (and it is logged)
  'POST /api/session': { row: { anonymous: 401, viewer: 401, engineer: 401, approver: 401, admin: 401, flags: 401 }, fixture: async () => ({ body: { email: `${uniq('nobody')}@matrix.test`, password: 'wrong' } }) },
  'GET /api/v1/rollouts': { row: READ },
  'POST /api/v1/rollouts': { row: ENGINEERS(201), fixture: async () => ({ body: marketScanPlan().plan }) },
  'GET /api/v1/rollouts/{key}': { row: READ, fixture: async () => ({ params: { key: await draftRollout() } }) },
  'POST /api/v1/rollouts/{key}/{action}': {
    row: ENGINEERS(200),
    fixture: async () => ({ params: { key: await draftRollout(), action: 'start' }, body: { expectedVersion: 1, reason: 'matrix' } }),
  },
  'GET /api/v1/rollouts/{key}/plan': { row: READ, fixture: async () => ({ params: { key: await draftRollout() } }) },
  'PUT /api/v1/rollouts/{key}/plan': {
    row: ENGINEERS(200),
    fixture: async () => {
      const key = await draftRollout();
      const { plan } = (await prisma().rollout.findUniqueOrThrow({ where: { key }, select: { plan: true } })) as { plan: { name: string } };
      return { params: { key }, body: { ...plan, name: `${plan.name} (edited)` }, query: '?expectedVersion=1' };
    },
  },
  'GET /api/v1/rollouts/{key}/audit': { row: READ, fixture: async () => ({ params: { key: await draftRollout() } }) },
  'GET /api/v1/rollouts/{key}/readiness': { row: READ, fixture: async () => ({ params: { key: await draftRollout() } }) },
  'GET /api/v1/rollouts/{key}/timeline': { row: READ, fixture: async () => ({ params: { key: await draftRollout() } }) },
  'POST /api/v1/rollouts/{key}/phases/{phase}/checklist/{item}': {
    row: { anonymous: 401, viewer: 403, engineer: 200, approver: 200, admin: 200, flags: 403 },
    fixture: async () => ({ params: { key: await gatedRollout(), phase: 'dual', item: 'monitoring' }, body: { checked: true, evidence: 'matrix' } }),
  },
  'GET /api/v1/rollouts/{key}/phases/{phase}/signoffs': { row: READ, fixture: async () => ({ params: { key: await gatedRollout(), phase: 'dual' } }) },
  'POST /api/v1/rollouts/{key}/phases/{phase}/signoffs': {
    row: { anonymous: 401, viewer: 201, engineer: 201, approver: 201, admin: 201, flags: 403 },
    tokenRow: SERVICE_TOKENS_REFUSED,
    fixture: async () => ({ params: { key: await gatedRollout(), phase: 'dual' }, body: { role: MATRIX_SIGNOFF_ROLE, decision: 'approve', comment: 'matrix' } }),
  },
  'DELETE /api/v1/rollouts/{key}/phases/{phase}/signoffs/{role}': {
    row: { anonymous: 401, viewer: 200, engineer: 200, approver: 200, admin: 200, flags: 403 },
    tokenRow: SERVICE_TOKENS_REFUSED,
    fixture: async () => ({ params: { key: await gatedRollout({ signed: true }), phase: 'dual', role: MATRIX_SIGNOFF_ROLE } }),
  },
  'GET /api/v1/rollouts/{key}/report.md': { row: READ, fixture: async () => ({ params: { key: await draftRollout() } }) },
  // evidence: engineers, admins (and metrics tokens, tests/integration/evidence-authz.test.ts) push; readers read the series
  'POST /api/v1/rollouts/{key}/metrics': { row: ENGINEERS(201), fixture: async () => ({ params: { key: await evidenceRollout() }, body: { samples: [{ metric: 'error_rate', arm: 'candidate', value: 1, at: new Date().toISOString() }] } }) },
  'GET /api/v1/rollouts/{key}/metrics': { row: READ, fixture: async () => ({ params: { key: await evidenceRollout() }, query: '?metric=error_rate' }) },
  'POST /api/v1/rollouts/{key}/comparisons': { row: ENGINEERS(201), fixture: async () => ({ params: { key: await evidenceRollout() }, body: { results: [{ at: new Date().toISOString(), compatible: true }] } }) },
  'GET /api/v1/rollouts/{key}/comparisons': { row: READ, fixture: async () => ({ params: { key: await evidenceRollout() } }) },
  // dashboards (lib/queries/dashboards.ts): readers read
  'GET /api/v1/rollouts/{key}/evidence': { row: READ, fixture: async () => ({ params: { key: await evidenceRollout() } }) },
  'GET /api/v1/rollouts/{key}/evidence/comparisons': { row: READ, fixture: async () => ({ params: { key: await evidenceRollout() } }) },
  'GET /api/v1/portfolio': { row: READ },
  'GET /api/v1/tokens': { row: ADMIN_ONLY(200) },
  'POST /api/v1/tokens': { row: ADMIN_ONLY(201), fixture: async () => ({ body: { name: uniq('matrix'), role: 'viewer' } }) },
  'DELETE /api/v1/tokens/{id}': { row: ADMIN_ONLY(200), fixture: async () => ({ params: { id: (await createToken(SYSTEM_ACTOR, { name: uniq('victim'), role: 'viewer' })).id } }) },
  'GET /api/v1/environments': { row: READ },
  'POST /api/v1/environments': { row: ADMIN_ONLY(201), fixture: async () => ({ body: { key: uniq('env'), name: 'Matrix env' } }) },
  'GET /api/v1/environments/{env}': { row: READ, fixture: async () => ({ params: { env: 'production' } }) },
  'GET /api/v1/security-events': { row: ADMIN_ONLY(200) },
  'GET /api/v1/users': { row: ADMIN_ONLY(200) },
  'POST /api/v1/users': { row: ADMIN_ONLY(201), fixture: async () => ({ body: { email: `${uniq('new')}@matrix.test`, name: 'Matrix person', role: 'viewer', signoffRoles: ['QA'] } }) },
  'GET /api/v1/users/{id}': { row: ADMIN_ONLY(200), fixture: async () => ({ params: { id: await victimUser() } }) },
  'PATCH /api/v1/users/{id}': { row: ADMIN_ONLY(200), fixture: async () => ({ params: { id: await victimUser() }, body: { role: 'approver', signoffRoles: ['Security'], disabled: true } }) },
  // webhooks (issue 9): admins manage them; readers read a rollout's messages and delivery log
  'GET /api/v1/webhooks': { row: ADMIN_ONLY(200) },
  'POST /api/v1/webhooks': { row: ADMIN_ONLY(201), fixture: async () => ({ body: { name: uniq('hook'), url: 'https://hooks.matrix.test/in', format: 'generic', audiences: ['Engineering'], events: ['comms'] } }) },
  'PATCH /api/v1/webhooks/{id}': { row: ADMIN_ONLY(200), fixture: async () => ({ params: { id: await victimWebhook() }, body: { disabled: true, audiences: [] } }) },
  'DELETE /api/v1/webhooks/{id}': { row: ADMIN_ONLY(200), fixture: async () => ({ params: { id: await victimWebhook() } }) },
  'GET /api/v1/rollouts/{key}/messages': { row: READ, fixture: async () => ({ params: { key: await draftRollout() } }) },
};

const SESSION_ONLY = (row: Omit<Row, 'flags'>): Row => ({ ...row, flags: 401 });
const EXPECTED_ACTIONS: Record<string, { row: Row; input: () => Promise<unknown[]> }> = {
  'lib/actions/rollouts.ts#transitionAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 200, approver: 403, admin: 200 }),
    input: async () => [{ key: await draftRollout(), action: 'start', expectedVersion: 1, reason: 'matrix' }],
  },
  'lib/actions/rollouts.ts#createRolloutAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 200, approver: 403, admin: 200 }),
    input: async () => [JSON.stringify(marketScanPlan().plan)],
  },
  'lib/actions/plans.ts#editPlanAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 200, approver: 403, admin: 200 }),
    input: async () => {
      const key = await draftRollout();
      const { plan } = (await prisma().rollout.findUniqueOrThrow({ where: { key }, select: { plan: true } })) as { plan: { name: string } };
      return [key, JSON.stringify({ ...plan, name: `${plan.name} (edited)` }), 1];
    },
  },
  'lib/actions/environments.ts#createEnvironmentAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: 200 }),
    input: async () => [{ key: uniq('env'), name: 'Matrix env' }],
  },
  'lib/actions/tokens.ts#createTokenAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: 200 }),
    input: async () => [{ name: uniq('matrix'), role: 'viewer' }],
  },
  'lib/actions/tokens.ts#revokeTokenAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: 200 }),
    input: async () => [(await createToken(SYSTEM_ACTOR, { name: uniq('victim'), role: 'viewer' })).id],
  },
  'lib/actions/governance.ts#tickChecklistAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 200, approver: 200, admin: 200 }),
    input: async () => [{ key: await gatedRollout(), phase: 'dual', item: 'monitoring', checked: true }],
  },
  'lib/actions/governance.ts#recordSignoffAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 200, engineer: 200, approver: 200, admin: 200 }),
    input: async () => [{ key: await gatedRollout(), phase: 'dual', role: MATRIX_SIGNOFF_ROLE, decision: 'approve', comment: 'matrix' }],
  },
  'lib/actions/governance.ts#withdrawSignoffAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 200, engineer: 200, approver: 200, admin: 200 }),
    input: async () => [{ key: await gatedRollout({ signed: true }), phase: 'dual', role: MATRIX_SIGNOFF_ROLE }],
  },
  'lib/actions/users.ts#createUserAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: 200 }),
    input: async () => [{ email: `${uniq('new')}@matrix.test`, name: 'Matrix person', role: 'viewer', signoffRoles: [] }],
  },
  'lib/actions/users.ts#updateUserAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: 200 }),
    input: async () => [await victimUser(), { role: 'admin', disabled: true }],
  },
  'lib/actions/webhooks.ts#createWebhookAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: 200 }),
    input: async () => [{ name: uniq('hook'), url: 'https://hooks.matrix.test/in', format: 'slack', audiences: [], events: [] }],
  },
  'lib/actions/webhooks.ts#updateWebhookAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: 200 }),
    input: async () => [{ id: await victimWebhook(), disabled: true, events: ['transition'] }],
  },
  'lib/actions/webhooks.ts#deleteWebhookAction': {
    row: SESSION_ONLY({ anonymous: 401, viewer: 403, engineer: 403, approver: 403, admin: 200 }),
    input: async () => [{ id: await victimWebhook() }],
  },
  // sign-out always ends in a redirect to the sign-in page (there is nothing to refuse)
  'lib/actions/session.ts#signOutAction': {
    row: { anonymous: 'redirect', viewer: 'redirect', engineer: 'redirect', approver: 'redirect', admin: 'redirect', flags: 'redirect' },
    input: async () => [],
  },
};

// ── discovery ────────────────────────────────────────────────────────────────────────────────
function walk(dir: string, pick: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name === 'generated' || name.startsWith('.')) return [];
    if (statSync(p).isDirectory()) return walk(p, pick);
    return pick(p) ? [p] : [];
  });
}

function routePath(file: string): string {
  const rel = path.relative(path.join(root, 'app'), path.dirname(file));
  // route groups "(app)" are not part of the URL
  return '/' + rel.split(path.sep).filter((s) => !/^\(.+\)$/.test(s)).map((s) => s.replace(/^\[(.+)\]$/, '{$1}')).join('/');
}

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
const routes: { id: string; handler: Handler }[] = [];
const actions: { id: string; fn: (...a: unknown[]) => Promise<unknown> }[] = [];

async function discover() {
  for (const f of walk(path.join(root, 'app'), (p) => /\/route\.tsx?$/.test(p))) {
    // next-auth's own catch-all (session/csrf endpoints; no credentials provider is configured)
    if (f.includes('[...nextauth]')) continue;
    const mod = (await import(f)) as Record<string, unknown>;
    for (const m of METHODS) if (typeof mod[m] === 'function') routes.push({ id: `${m} ${routePath(f)}`, handler: mod[m] as Handler });
  }
  const isUseServer = (p: string) => /\.tsx?$/.test(p) && /^\s*(\/\/[^\n]*\n\s*)*['"]use server['"]/.test(readFileSync(p, 'utf8'));
  for (const f of [...walk(path.join(root, 'app'), isUseServer), ...walk(path.join(root, 'lib'), isUseServer), ...walk(path.join(root, 'components'), isUseServer)]) {
    const mod = (await import(f)) as Record<string, unknown>;
    for (const [name, v] of Object.entries(mod)) if (typeof v === 'function') actions.push({ id: `${path.relative(root, f)}#${name}`, fn: v as (...a: unknown[]) => Promise<unknown> });
  }
}

// ── callers ──────────────────────────────────────────────────────────────────────────────────
const tokens: Partial<Record<Who, string>> = {};
let calls = 0;
const users: Partial<Record<Who, string>> = {};

/** a fresh person for the user-management rows to read or change */
async function victimUser(): Promise<string> {
  return (await prisma().user.create({ data: { email: `${uniq('victim')}@matrix.test`, name: 'Victim', role: 'viewer', passwordHash: 'none$matrix' } })).id;
}

/** a fresh webhook for the webhook rows to change or delete */
async function victimWebhook(): Promise<string> {
  return (await prisma().webhook.create({ data: { name: uniq('victim-hook'), url: 'https://hooks.matrix.test/victim', format: 'generic', secret: 'matrix-secret-0123456789' } })).id;
}

async function draftRollout(): Promise<string> {
  const r = await createRollout(SYSTEM_ACTOR, marketScanPlan().plan, { requestId: 'matrix' });
  return r.key;
}

/**
 * A draft rollout whose first phase has a checklist and a sign-off gate naming the role every
 * matrix user holds; `signed`: each matrix user already has a standing approval (to withdraw).
 */
async function gatedRollout({ signed = false } = {}): Promise<string> {
  const { plan } = marketScanPlan();
  plan.phases[0] = { ...plan.phases[0], checklist: [{ key: 'monitoring', text: 'Monitoring configured' }], signoffs: { roles: [MATRIX_SIGNOFF_ROLE], required: 1 } } as (typeof plan.phases)[0];
  const r = await createRollout(SYSTEM_ACTOR, plan, { requestId: 'matrix' });
  if (signed) {
    const row = await prisma().rollout.findUniqueOrThrow({ where: { key: r.key } });
    const people = await prisma().user.findMany({ where: { id: { in: Object.values(users) as string[] } } });
    await prisma().signoff.createMany({ data: people.map((u) => ({ rolloutId: row.id, phaseKey: 'dual', role: MATRIX_SIGNOFF_ROLE, userId: u.id, userName: u.name, decision: 'approve', gateHash: 'matrix' })) });
  }
  return r.key;
}

/** counts of every domain table: a refused call must leave them all unchanged */
async function domainCounts() {
  const db = prisma();
  const [rollouts, flags, phases, flagValues, audit, tokensN, envs, users_, maxVersion, checklist, signoffs, webhooks, enabledWebhooks, messages] = await Promise.all([
    db.rollout.count(),
    db.flag.count(),
    db.phase.count(),
    db.flagValue.count(),
    db.auditEvent.count(),
    db.apiToken.count({ where: { revokedAt: null } }),
    db.environment.count(),
    db.user.count(),
    db.rollout.aggregate({ _sum: { version: true } }),
    db.checklistItem.count(),
    db.signoff.count({ where: { withdrawnAt: null } }),
    db.webhook.count(),
    db.webhook.count({ where: { disabledAt: null } }),
    db.message.count(),
  ]);
  return { rollouts, flags, phases, flagValues, audit, tokens: tokensN, envs, users: users_, versions: maxVersion._sum.version ?? 0, checklist, signoffs, webhooks, enabledWebhooks, messages };
}

async function callRoute(handler: Handler, id: string, who: Who, via: 'token' | 'session', fx: Fixture, subrequest: boolean): Promise<Response> {
  const [method, tpl] = id.split(' ');
  let p = tpl;
  for (const [k, v] of Object.entries(fx.params ?? {})) p = p.replace(`{${k}}`, encodeURIComponent(v));
  const headers: Record<string, string> = { origin: ORIGIN, 'x-forwarded-for': `10.77.${(calls >> 8) & 255}.${calls & 255}` };
  if (fx.body !== undefined) headers['content-type'] = fx.contentType ?? 'application/json';
  if (subrequest) headers['x-middleware-subrequest'] = 'middleware:middleware:middleware:middleware:middleware';
  browser.claims = null;
  if (who !== 'anonymous') {
    if (via === 'token' || who === 'flags') headers.authorization = `Bearer ${tokens[who]}`;
    else await signInAs(users[who]!);
  }
  const req = new Request(`${ORIGIN}${p}${fx.query ?? ''}`, { method, headers, body: fx.body === undefined ? undefined : JSON.stringify(fx.body) });
  return handler(req, { params: Promise.resolve(fx.params ?? {}) });
}

async function callAction(fn: (...a: unknown[]) => Promise<unknown>, who: Who, args: unknown[], subrequest: boolean): Promise<Outcome> {
  browser.headers = { origin: ORIGIN, 'x-forwarded-for': '10.77.0.2', ...(subrequest ? { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' } : {}) };
  browser.claims = null;
  // a flags token presented to an action is ignored: actions are for signed-in people only
  if (who === 'flags') browser.headers.authorization = `Bearer ${tokens.flags}`;
  else if (who !== 'anonymous') await signInAs(users[who]!);
  try {
    const r = (await fn(...args)) as { ok: boolean; error?: { code: string } } | undefined;
    if (!r || r.ok) return 200;
    return { unauthorized: 401, forbidden: 403, bad_request: 400, conflict: 409, not_found: 404 }[r.error!.code] ?? 500;
  } catch (e) {
    if (String((e as { digest?: string }).digest ?? e).includes('NEXT_REDIRECT')) return 'redirect';
    throw e;
  }
}

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  for (const role of ['viewer', 'engineer', 'approver', 'admin'] as const) {
    tokens[role] = await tokenFor(role);
    users[role] = (await prisma().user.create({ data: { email: `${role}@matrix.test`, name: `${role} (matrix)`, role, signoffRoles: [MATRIX_SIGNOFF_ROLE], passwordHash: await hashPassword('x') } })).id;
  }
  tokens.flags = await tokenFor('flags', 'production');
  await discover();
});

describe('authorization matrix', () => {
  it('discovers the routes and actions, and every one has a row of expectations (and every row exists)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(15);
    expect(actions.length).toBeGreaterThanOrEqual(6);
    expect(routes.map((r) => r.id).sort()).toEqual(Object.keys(EXPECTED_ROUTES).sort());
    expect(actions.map((a) => a.id).sort()).toEqual(Object.keys(EXPECTED_ACTIONS).sort());
  });

  it('the OpenAPI document lists every discovered route and method', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(routes.map((r) => r.id).sort());
  });

  it('every route × caller (token and session, with and without x-middleware-subrequest) gets its documented outcome; refusals write nothing and are logged', async () => {
    const problems: string[] = [];
    calls = 0;
    for (const r of routes) {
      const spec = EXPECTED_ROUTES[r.id];
      for (const who of WHO) {
        for (const via of who === 'anonymous' || who === 'flags' ? (['token'] as const) : (['token', 'session'] as const)) {
          for (const subrequest of [false, true]) {
            const fx = spec.fixture ? await spec.fixture() : {};
            const before = await domainCounts();
            const logBefore = await prisma().securityEvent.count();
            const res = await callRoute(r.handler, r.id, who, via, fx, subrequest);
            calls++;
            const want = (via === 'token' && spec.tokenRow ? spec.tokenRow : spec.row)[who];
            const label = `${r.id} as ${who} via ${via}${subrequest ? ' +x-middleware-subrequest' : ''}`;
            if (res.status !== want) problems.push(`${label}: got ${res.status} (${(await res.text()).slice(0, 160)}), expected ${want}`);
            if (res.status === 401 || res.status === 403) {
              const after = await domainCounts();
              if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`${label}: refused but wrote ${JSON.stringify({ before, after })}`);
              if ((await prisma().securityEvent.count()) <= logBefore) problems.push(`${label}: refused but not in the security log`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(calls).toBeGreaterThan(100);
    // ~500 calls (each with a fresh fixture): more than the default 30 s on a busy 2-core machine
  }, 180_000);

  it('every server action × caller (with and without x-middleware-subrequest) gets its documented outcome; refusals write nothing and are logged', async () => {
    const problems: string[] = [];
    for (const a of actions) {
      const spec = EXPECTED_ACTIONS[a.id];
      for (const who of WHO) {
        for (const subrequest of [false, true]) {
          const args = await spec.input();
          const before = await domainCounts();
          const logBefore = await prisma().securityEvent.count();
          const got = await callAction(a.fn, who, args, subrequest);
          const want = spec.row[who];
          const label = `${a.id} as ${who}${subrequest ? ' +x-middleware-subrequest' : ''}`;
          if (got !== want) problems.push(`${label}: got ${got}, expected ${want}`);
          if (got === 401 || got === 403) {
            const after = await domainCounts();
            if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`${label}: refused but wrote ${JSON.stringify({ before, after })}`);
            if ((await prisma().securityEvent.count()) <= logBefore) problems.push(`${label}: refused but not in the security log`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
