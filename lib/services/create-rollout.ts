// Creates a rollout (status draft) from a plan document. The plan is validated whole; a bad
// plan, an unknown environment, or a rollout/flag key already taken stores nothing.
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { AppError, badRequest, conflict } from '../errors';
import { envName } from '../domain/env-name';
import { validatePlan, type PlanProblem } from '../domain/plan';
import { loadRolloutDetail, phaseDefs, type RolloutDetail } from '../queries/rollouts';
import { applyFlagState } from './apply-flag-state';
import { Prisma } from '../generated/prisma/client';

export function planRejected(problems: PlanProblem[]): AppError {
  const lines = problems.map((p) => `${p.path}: ${p.message}`);
  return badRequest(`the plan is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${lines.join('; ')}`, {
    errors: problems,
  });
}

export async function createRollout(actor: Actor, document: unknown, opts: { requestId?: string } = {}): Promise<RolloutDetail> {
  authorize(actor, 'rollout.create');
  const v = validatePlan(document);
  if (!v.ok) throw planRejected(v.problems);
  const plan = v.plan;

  try {
    return await prisma().$transaction(async (tx) => {
      const envKeys = new Set((await tx.environment.findMany({ select: { key: true } })).map((e) => e.key));
      const envProblems: PlanProblem[] = [];
      plan.phases.forEach((ph, i) =>
        (ph.environments ?? []).forEach((e, j) => {
          if (!envKeys.has(e)) envProblems.push({ path: `phases[${i}].environments[${j}]`, message: `unknown environment "${e}" (known: ${[...envKeys].join(', ')})` });
        }),
      );
      if (envProblems.length) throw planRejected(envProblems);

      if (await tx.rollout.findUnique({ where: { key: plan.key }, select: { id: true } })) {
        throw conflict(`a rollout with key "${plan.key}" already exists`, { errors: [{ path: 'key', message: 'already taken' }] });
      }
      const taken = await tx.flag.findMany({
        where: { key: { in: plan.flags.map((f) => f.key) } },
        select: { key: true, rollout: { select: { key: true } } },
      });
      if (taken.length) {
        throw conflict(
          `flag key${taken.length > 1 ? 's' : ''} already used by another rollout: ${taken.map((t) => `${t.key} (in ${t.rollout.key})`).join(', ')}`,
          {
            errors: taken.map((t) => ({
              path: `flags[${plan.flags.findIndex((f) => f.key === t.key)}].key`,
              message: `already used by rollout "${t.rollout.key}"`,
            })),
          },
        );
      }

      // the .env export names a flag envName(key): a key of another rollout with the same name
      // would overwrite this one there (or this one it). The SQL mirrors lib/domain/env-name.ts.
      const names = [...new Set(plan.flags.map((f) => envName(f.key)))];
      const clashes = await tx.$queryRaw<{ key: string; rollout: string }[]>`
        SELECT f.key, r.key AS rollout FROM flags f JOIN rollouts r ON r.id = f.rollout_id
        WHERE regexp_replace(f.key, '[^A-Za-z0-9_]', '_', 'g') = ANY(${names}::text[])
        ORDER BY f.key`;
      if (clashes.length) {
        const mine = (c: { key: string }) => plan.flags.findIndex((f) => envName(f.key) === envName(c.key));
        throw conflict(
          `flag key${clashes.length > 1 ? 's' : ''} would share an .env name with another rollout's flag: ${clashes
            .map((c) => `${plan.flags[mine(c)].key} and ${c.key} (in ${c.rollout}) both export as ${envName(c.key)}`)
            .join(', ')}`,
          {
            errors: clashes.map((c) => ({
              path: `flags[${mine(c)}].key`,
              message: `exports as ${envName(c.key)}, like flag "${c.key}" of rollout "${c.rollout}"`,
            })),
          },
        );
      }

      // multi-row inserts: a plan may have thousands of flags
      const rollout = await tx.rollout.create({
        data: {
          key: plan.key,
          name: plan.name,
          description: plan.description ?? '',
          owner: plan.owner ?? '',
          plan: plan as unknown as Prisma.InputJsonValue,
          flags: {
            createMany: {
              data: plan.flags.map((f, i) => ({
                key: f.key,
                type: f.type,
                variants: f.variants ?? [],
                baseline: f.baseline as Prisma.InputJsonValue,
                description: f.description ?? '',
                position: i,
              })),
            },
          },
          phases: {
            createMany: {
              data: plan.phases.map((p, i) => ({
                index: i,
                key: p.key,
                name: p.name,
                description: p.description ?? '',
                minDurationSeconds: v.minDurations[i],
                environments: p.environments ?? [],
                flags: p.flags as Prisma.InputJsonValue,
              })),
            },
          },
        },
        include: { flags: { orderBy: { position: 'asc' } }, phases: { orderBy: { index: 'asc' } } },
      });

      const change = await applyFlagState(
        tx,
        rollout.flags.map((f) => ({ id: f.id, key: f.key, baseline: f.baseline })),
        phaseDefs(rollout.phases),
        null,
      );
      await tx.auditEvent.create({
        data: {
          rolloutId: rollout.id,
          actorType: actor.kind,
          actorId: actor.id,
          actorName: actor.name,
          action: 'create',
          toStatus: 'draft',
          toVersion: rollout.version,
          flagsAfter: change.after as Prisma.InputJsonValue,
          reason: 'created from plan',
          requestId: opts.requestId ?? null,
          details: { phases: plan.phases.length, flags: plan.flags.length },
        },
      });
      return loadRolloutDetail(tx, rollout.key);
    }, { timeout: 15_000, maxWait: 15_000 });
  } catch (e) {
    // two creates racing for the same key: the unique index decides, the loser gets a 409
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw conflict(`rollout or flag key already taken (${JSON.stringify(e.meta?.target ?? '')})`);
    }
    throw e;
  }
}
