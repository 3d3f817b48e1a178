// Fuzzing the other REST routes (issue 7, "Fuzzing as a test"): transitions (bad expectedVersion,
// reason, to, unknown actions, hostile path params), tokens, environments, GET routes with
// hostile path params and query strings, wrong Content-Types, empty and invalid JSON, bodies over
// the limit, and sign-in. Real handlers, real Postgres. Every input: never a 5xx; a 400 names
// the field or param; a refusal writes no row.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.NEXTAUTH_SECRET = 'test-nextauth-secret-0123456789abcdef';
  process.env.SWITCHYARD_URL = 'http://localhost:3000';
});

import * as rolloutsRoute from '../../app/api/v1/rollouts/route';
import * as rolloutRoute from '../../app/api/v1/rollouts/[key]/route';
import * as actionRoute from '../../app/api/v1/rollouts/[key]/[action]/route';
import * as auditRoute from '../../app/api/v1/rollouts/[key]/audit/route';
import * as envRoute from '../../app/api/v1/environments/route';
import * as envFlagsRoute from '../../app/api/v1/environments/[env]/route';
import * as tokensRoute from '../../app/api/v1/tokens/route';
import * as tokenRoute from '../../app/api/v1/tokens/[id]/route';
import * as securityRoute from '../../app/api/v1/security-events/route';
import * as sessionRoute from '../../app/api/session/route';
import { ensureEnvironments, marketScanPlan, tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { callRoute, checkOutcome, endRowCounts, FuzzTally, fuzzOptions, hostileNumber, hostileString, hostileValue, notAString, rowCounts, unstorableString, type Handler } from '../helpers/fuzz-kit';

const tally = new FuzzTally('REST routes and sign-in');
let admin = '';
let draftKey = '';
let last: Record<string, number>;

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  admin = await tokenFor('admin');
  const { plan } = marketScanPlan();
  const r = await callRoute(rolloutsRoute.POST as Handler, admin, { method: 'POST', body: plan });
  if (r.status !== 201) throw new Error(r.text);
  draftKey = plan.key;
  last = await rowCounts();
});

afterAll(async () => {
  await endRowCounts();
  console.log(tally.summary());
});

interface Case {
  label: string;
  handler: Handler;
  method: string;
  path: string;
  params?: Record<string, string>;
  body?: unknown;
  type?: string | null;
  headers?: Record<string, string>;
  token?: string | null;
  fields: string[];
  mustFail: boolean;
  detail?: RegExp;
}

async function send(c: Case) {
  const r = await callRoute(c.handler, c.token === undefined ? admin : c.token, c);
  const after = await rowCounts();
  const before = last;
  last = after;
  checkOutcome(tally, r, c, before, after, () => `${c.label}: ${c.method} ${c.path} ${JSON.stringify(c.params ?? {})} ${c.type ?? ''} ${typeof c.body === 'string' ? c.body : JSON.stringify(c.body ?? null)}`);
}

/** a path param: hostile, or too long, or a NUL (checkParams), or simply unknown */
const param = fc.oneof(hostileString, unstorableString, fc.constantFrom('no-such-thing', '..', '%00', 'x'.repeat(201)));
const ACTIONS = ['start', 'promote', 'pause', 'resume', 'rollback', 'abort'];

/** one bad field in a transition body (expectedVersion 99 is stale, so nothing valid moves) */
const transitionBody: fc.Arbitrary<{ body: unknown; fields: string[]; detail?: RegExp }> = fc.oneof(
  fc.tuple(fc.constantFrom('reason', 'expectedVersion', 'to', 'extra'), fc.oneof(hostileValue, notAString, hostileNumber, fc.constant(''))).map(([k, v]) => ({ body: { reason: 'fuzz', expectedVersion: 99, [k]: v }, fields: [k, 'to'] })),
  // the whole body is the field: any named problem will do
  hostileValue.map((body) => ({ body, fields: ['(body)', 'reason', 'expectedVersion', 'to'], detail: /./ })),
);

const badType = fc.constantFrom(null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml', 'json', '', 'application/json-seq');
const badJsonText = fc.oneof(fc.constantFrom('', ' ', '{', '{"a":', 'nul', '[1,]', "{'a':1}", '\ufeff{}', '{"a":1}{"b":2}', 'NaN', '--- a: 1'), fc.string({ maxLength: 30 }));

const rest: fc.Arbitrary<Case> = fc.oneof(
  // transitions
  fc.tuple(fc.constantFrom(...ACTIONS), transitionBody).map(([action, b]): Case => ({ label: 'transition body', handler: actionRoute.POST as Handler, method: 'POST', path: '/api/v1/rollouts/k/a', params: { key: draftKey, action }, body: b.body, fields: b.fields, detail: b.detail, mustFail: true })),
  fc.tuple(param, fc.oneof(fc.constantFrom(...ACTIONS), param)).map(([key, action]): Case => ({ label: 'transition params', handler: actionRoute.POST as Handler, method: 'POST', path: '/api/v1/rollouts/k/a', params: { key, action }, body: { reason: 'fuzz', expectedVersion: 1 }, fields: ['key', 'action'], mustFail: true })),
  // tokens and environments
  fc.record({ name: fc.oneof(hostileString, notAString), role: fc.oneof(hostileString, fc.constantFrom('admin', 'flags', 'viewer', 'Admin', 'root')), environment: fc.oneof(hostileString, notAString, fc.constant('mars')) }, { requiredKeys: [] }).map((body): Case => ({ label: 'token', handler: tokensRoute.POST as Handler, method: 'POST', path: '/api/v1/tokens', body, fields: ['(body)', 'name', 'role', 'environment'], mustFail: false })),
  fc.oneof(param, fc.uuid()).map((id): Case => ({ label: 'revoke', handler: tokenRoute.DELETE as Handler, method: 'DELETE', path: '/api/v1/tokens/x', params: { id }, fields: ['id'], mustFail: true })),
  fc.record({ key: fc.oneof(hostileString, notAString), name: fc.oneof(hostileString, notAString), sortOrder: fc.oneof(hostileNumber, notAString), extra: hostileValue }, { requiredKeys: [] }).map((body): Case => ({ label: 'environment', handler: envRoute.POST as Handler, method: 'POST', path: '/api/v1/environments', body, fields: ['(body)', 'key', 'name', 'sortOrder', 'extra'], mustFail: 'extra' in body || !('key' in body) })),
  // GET routes: hostile path params and query strings
  param.map((key): Case => ({ label: 'get rollout', handler: rolloutRoute.GET as Handler, method: 'GET', path: '/api/v1/rollouts/x', params: { key }, fields: ['key'], mustFail: true })),
  param.map((env): Case => ({ label: 'get env', handler: envFlagsRoute.GET as Handler, method: 'GET', path: '/api/v1/environments/x', params: { env }, fields: ['env'], mustFail: env !== 'staging' && env !== 'production' })),
  fc
    .tuple(fc.constantFrom('limit', 'before', 'type', 'x'), fc.oneof(hostileString, fc.constantFrom('0', '501', '-1', '1e2', '99999999999999999999', '9223372036854775808', '%00', '%ED%A0%80', '%ZZ', 'signin.failure', '1', '')), fc.boolean())
    .map(([name, v, audit]): Case => {
      const value = /%/.test(v) ? v : encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '\ufffd'));
      return audit
        ? { label: 'audit query', handler: auditRoute.GET as Handler, method: 'GET', path: `/api/v1/rollouts/${draftKey}/audit?${name}=${value}`, params: { key: draftKey }, fields: [name], mustFail: false }
        : { label: 'security query', handler: securityRoute.GET as Handler, method: 'GET', path: `/api/v1/security-events?${name}=${value}&limit=5`, fields: [name, 'limit'], mustFail: false };
    }),
  // wrong Content-Types, empty and invalid JSON, YAML where it is not documented, too large
  fc.tuple(fc.constantFrom('rollouts', 'environments', 'tokens', 'action'), badType, fc.constant('{"key":"x"}')).map(([where, type, body]): Case => ({ ...target(where), label: `content-type ${type}`, type, body, fields: [], mustFail: true, detail: /Content-Type|charset/ })),
  fc.tuple(fc.constantFrom('rollouts', 'environments', 'tokens', 'action'), badJsonText).map(([where, body]): Case => ({ ...target(where), label: 'bad JSON', body, fields: ['(body)'], mustFail: true, detail: /./ })),
  fc.constantFrom('environments', 'tokens', 'action').map((where): Case => ({ ...target(where), label: 'yaml', type: 'application/yaml', body: 'key: qa\n', fields: [], mustFail: true, detail: /Content-Type/ })),
  fc.tuple(fc.constantFrom('rollouts', 'environments'), fc.integer({ min: 1024 * 1024 + 1, max: 1024 * 1024 + 4096 }), fc.boolean()).map(([where, n, declare]): Case => ({
    ...target(where),
    label: 'too large',
    body: `{"key":"${'x'.repeat(n)}"}`,
    headers: declare ? {} : { 'content-length': '12' },
    fields: [],
    mustFail: true,
    detail: /larger than 1 MiB/,
  })),
);

function target(where: string): Pick<Case, 'handler' | 'method' | 'path' | 'params'> {
  if (where === 'rollouts') return { handler: rolloutsRoute.POST as Handler, method: 'POST', path: '/api/v1/rollouts' };
  if (where === 'environments') return { handler: envRoute.POST as Handler, method: 'POST', path: '/api/v1/environments' };
  if (where === 'tokens') return { handler: tokensRoute.POST as Handler, method: 'POST', path: '/api/v1/tokens' };
  return { handler: actionRoute.POST as Handler, method: 'POST', path: '/api/v1/rollouts/k/a', params: { key: draftKey, action: 'start' } };
}

let ip = 0;
/** sign-in: one account and IP per call (the rate limits are per account and per IP) */
const signIn: fc.Arbitrary<Case> = fc
  .tuple(
    fc.oneof(
      fc.record({ email: fc.oneof(hostileString, notAString, unstorableString), password: fc.oneof(hostileString, notAString, unstorableString) }, { requiredKeys: [] }),
      hostileValue,
    ),
    fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', null),
  )
  .map(([body, type]): Case => {
    ip++;
    const fields = ['email', 'password', '(body)'];
    const headers = { origin: 'http://localhost:3000', 'x-forwarded-for': `10.77.${ip >> 8}.${ip & 255}`, 'user-agent': 'fuzz' };
    if (type === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams();
      if (body && typeof body === 'object' && !Array.isArray(body)) for (const [k, v] of Object.entries(body)) form.set(k, String(v).replace(/[\ud800-\udfff]/g, ''));
      return { label: 'sign-in form', handler: sessionRoute.POST as unknown as Handler, method: 'POST', path: '/api/session', type, body: form.toString(), headers, token: null, fields, mustFail: true };
    }
    return { label: 'sign-in', handler: sessionRoute.POST as unknown as Handler, method: 'POST', path: '/api/session', type, body, headers, token: null, fields, mustFail: true, detail: /JSON|Content-Type|form/ };
  });

describe('fuzz: REST routes', () => {
  it('transitions, tokens, environments, GET params and queries, Content-Types, bad JSON, too large', async () => {
    await fc.assert(fc.asyncProperty(rest, send), fuzzOptions(1_900));
  }, 150_000);

  it('sign-in (POST /api/session) with hostile bodies', async () => {
    // a form sign-in answers 303 back to the form with ?error=…: that is its refusal, and it writes nothing either
    await fc.assert(
      fc.asyncProperty(signIn, async (c) => {
        const r = await callRoute(c.handler, null, c);
        const after = await rowCounts();
        const before = last;
        last = after;
        checkOutcome(tally, r.status === 303 ? { ...r, status: 200 } : r, { ...c, mustFail: c.label !== 'sign-in form' }, before, after, () => `${c.label} ${c.type}: ${JSON.stringify(c.body)}`);
      }),
      fuzzOptions(200),
    );
  }, 120_000);
});
