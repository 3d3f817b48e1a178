// Plan documents and tokens for tests. Keys are unique per call so tests never collide.
import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR, type Role } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { createToken } from '../../lib/services/create-token';

let n = 0;
export function uniq(prefix = 't'): string {
  n++;
  return `${prefix}-${n}-${randomUUID().slice(0, 6)}`;
}

/** The market-scan plan from issue 2, with unique keys. */
export function marketScanPlan(key = uniq('market-scan')) {
  const flag = `MARKET_SCAN_ENGINE_${key.replace(/-/g, '_').toUpperCase()}`;
  return {
    flag,
    plan: {
      key,
      name: 'Market scan engine V2',
      flags: [{ key: flag, type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' }],
      phases: [
        { key: 'dual', name: 'Dual mode monitoring', minDuration: '24h', flags: { [flag]: 'dual' } },
        { key: 'v2-only', name: 'Soft V2 rollout', minDuration: '72h', flags: { [flag]: 'v2' } },
        { key: 'v2-default', name: 'Make V2 default', minDuration: '7d', flags: {} },
      ],
    },
  };
}

export async function ensureEnvironments(): Promise<void> {
  await prisma().environment.createMany({
    data: [
      { key: 'staging', name: 'Staging', sortOrder: 0 },
      { key: 'production', name: 'Production', sortOrder: 1 },
    ],
    skipDuplicates: true,
  });
}

export async function tokenFor(role: Role, environment?: string): Promise<string> {
  const t = await createToken(SYSTEM_ACTOR, { name: uniq(role), role, ...(environment ? { environment } : {}) });
  return t.token;
}
