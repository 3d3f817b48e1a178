// Per-environment view: every flag's current value there and the rollout/phase that set it.
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { notFound } from '../errors';

export interface EnvironmentFlag {
  key: string;
  type: string;
  value: unknown;
  baseline: unknown;
  rollout: { key: string; name: string; status: string };
  phaseKey: string | null;
  updatedAt: string;
}

export async function environmentFlags(actor: Actor, envKey: string) {
  authorize(actor, 'rollout.read');
  const env = await prisma().environment.findUnique({ where: { key: envKey } });
  if (!env) throw notFound(`no environment "${envKey}"`);
  const rows = await prisma().flagValue.findMany({
    where: { environmentId: env.id },
    include: { flag: { include: { rollout: { select: { key: true, name: true, status: true } } } } },
    orderBy: { flag: { key: 'asc' } },
  });
  return {
    environment: { key: env.key, name: env.name, revision: Number(env.revision) },
    flags: rows.map<EnvironmentFlag>((r) => ({
      key: r.flag.key,
      type: r.flag.type,
      value: r.value,
      baseline: r.flag.baseline,
      rollout: r.flag.rollout,
      phaseKey: r.phaseKey,
      updatedAt: r.updatedAt.toISOString(),
    })),
  };
}
