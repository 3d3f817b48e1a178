// Evaluator test helpers: a plan with metrics, criteria and red flags on its first phase, a
// started rollout whose phase began a while ago (so back-dated evidence and evaluations count),
// and calls to the transition and readiness routes.
import { prisma } from '../../lib/db';
import type { Actor } from '../../lib/auth/actor';
import { createRollout } from '../../lib/services/create-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import * as actionRoute from '../../app/api/v1/rollouts/[key]/[action]/route';
import * as readinessRoute from '../../app/api/v1/rollouts/[key]/readiness/route';
import { uniq } from '../factories/rollouts';

export const ENGINEER: Actor = { kind: 'user', id: null, name: 'Test Engineer', role: 'engineer' };

export function evaluatedPlan(phase: { criteria?: unknown[]; redFlags?: unknown[] }) {
  const key = uniq('eval');
  const flag = `EVAL_${key.replace(/-/g, '_').toUpperCase()}`;
  return {
    flag,
    plan: {
      key,
      name: 'Evaluated rollout',
      metrics: [
        { key: 'error_rate', unit: '%', better: 'lower' },
        { key: 'scan_time', unit: 's', better: 'lower' },
      ],
      flags: [{ key: flag, type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' }],
      phases: [
        { key: 'dual', name: 'Dual', flags: { [flag]: 'dual' }, ...phase },
        { key: 'v2', name: 'V2', flags: { [flag]: 'v2' } },
      ],
    },
  };
}

/** Creates and starts the rollout; its phase is back-dated by `enteredAgoMs`. */
export async function startedRollout(phase: Parameters<typeof evaluatedPlan>[0], enteredAgoMs = 3_600_000) {
  const { plan, flag } = evaluatedPlan(phase);
  const r = await createRollout(ENGINEER, plan, { requestId: 'evaluator-test' });
  await transitionRollout(ENGINEER, { key: r.key, action: 'start', expectedVersion: r.version, reason: 'start' });
  const row = await prisma().rollout.update({ where: { key: r.key }, data: { phaseEnteredAt: new Date(Date.now() - enteredAgoMs) } });
  return { key: r.key, id: row.id, flag };
}

export async function rollout(key: string) {
  return prisma().rollout.findUniqueOrThrow({ where: { key }, include: { flags: { include: { values: true } } } });
}

interface Res {
  status: number;
  body: Record<string, unknown> & { reasons?: { kind: string; status: string; detail: string; soak?: { heldSeconds: number; since: string | null } }[]; ready?: boolean };
}

export async function postAction(key: string, action: string, token: string, body: Record<string, unknown>): Promise<Res> {
  const req = new Request(`http://localhost:3000/api/v1/rollouts/${key}/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const res = await actionRoute.POST(req, { params: Promise.resolve({ key, action }) });
  return { status: res.status, body: (await res.json()) as Res['body'] };
}

export async function getReadinessRoute(key: string, token: string): Promise<Res> {
  const req = new Request(`http://localhost:3000/api/v1/rollouts/${key}/readiness`, { headers: { authorization: `Bearer ${token}` } });
  const res = await readinessRoute.GET(req, { params: Promise.resolve({ key }) });
  return { status: res.status, body: (await res.json()) as Res['body'] };
}

export const ago = (ms: number) => new Date(Date.now() - ms);
