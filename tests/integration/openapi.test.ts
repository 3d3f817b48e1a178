// Keeps /api/v1/openapi.json true: every route handler file under app/api is described with
// exactly the methods it exports (and nothing that doesn't exist is described), the document
// is valid 3.1 in shape, and real responses carry the properties the document requires.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lib/openapi';
import { ensureEnvironments, marketScanPlan, tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';

const root = path.resolve(__dirname, '../..');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return routeFiles(p);
    return name === 'route.ts' ? [p] : [];
  });
}

function toOpenApiPath(file: string): string {
  const rel = path.relative(path.join(root, 'app'), path.dirname(file));
  return '/' + rel.split(path.sep).map((s) => s.replace(/^\[(.+)\]$/, '{$1}')).join('/');
}

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, { required?: string[] }> } };
const doc = openApiDocument() as unknown as Doc;

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and JSON-serialisable', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(() => JSON.parse(JSON.stringify(doc))).not.toThrow();
  });

  it('describes every route handler with exactly the methods it exports', async () => {
    const files = routeFiles(path.join(root, 'app/api')).filter((f) => !f.includes('[...nextauth]'));
    expect(files.length).toBeGreaterThan(5);
    const actual: Record<string, string[]> = {};
    for (const f of files) {
      const mod = (await import(f)) as Record<string, unknown>;
      actual[toOpenApiPath(f)] = METHODS.filter((m) => typeof mod[m] === 'function').map((m) => m.toLowerCase());
    }
    const documented = Object.fromEntries(Object.entries(doc.paths).map(([p, ops]) => [p, Object.keys(ops).sort()]));
    const sorted = Object.fromEntries(Object.entries(actual).map(([p, ms]) => [p, [...ms].sort()]));
    // flag-serving export routes live on the flag server, not here
    expect(documented).toEqual(sorted);
  });

  it('every protected operation documents 401 and 403', () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const isPublic = (op as { security?: unknown[] }).security?.length === 0;
        if (!isPublic) {
          expect(Object.keys(op.responses), `${m} ${p}`).toEqual(expect.arrayContaining(['401', '403']));
        }
      }
    }
  });
});

describe('responses match the documented required properties', () => {
  let admin = '';
  beforeAll(async () => {
    await setupTestDatabase();
    await ensureEnvironments();
    admin = await tokenFor('admin');
  });

  it('RolloutDetail, RolloutSummary, AuditEvent and Problem', async () => {
    const list = await import('../../app/api/v1/rollouts/route');
    const audit = await import('../../app/api/v1/rollouts/[key]/audit/route');
    const action = await import('../../app/api/v1/rollouts/[key]/[action]/route');
    const h = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const { plan } = marketScanPlan();
    const created = await (await list.POST(new Request('http://t/api/v1/rollouts', { method: 'POST', headers: h, body: JSON.stringify(plan) }), { params: Promise.resolve({}) })).json();
    const req = (s: { required?: string[] }, body: Record<string, unknown>) => {
      for (const k of s.required ?? []) expect(body, k).toHaveProperty(k);
    };
    req(doc.components.schemas.RolloutDetail, created);
    const all = await (await list.GET(new Request('http://t/api/v1/rollouts', { headers: h }), { params: Promise.resolve({}) })).json();
    req(doc.components.schemas.RolloutSummary, all.rollouts[0]);
    const events = await (await audit.GET(new Request('http://t/x', { headers: h }), { params: Promise.resolve({ key: plan.key }) })).json();
    req(doc.components.schemas.AuditEvent, events.events[0]);
    const conflict = await action.POST(new Request('http://t/x', { method: 'POST', headers: h, body: JSON.stringify({ reason: 'x', expectedVersion: 9 }) }), {
      params: Promise.resolve({ key: plan.key, action: 'start' }),
    });
    expect(conflict.status).toBe(409);
    expect(Object.keys(doc.paths['/api/v1/rollouts/{key}/{action}'].post.responses)).toContain('409');
    req(doc.components.schemas.Problem, await conflict.json());
  });
});
