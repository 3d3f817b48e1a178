// Replaces a rollout's plan with a new version (issue 9, "Plan edits void stale approvals").
// authorize → lock the rollout → compare-and-set on `version` → check what may not change →
// write the plan, its phase and flag rows, the flag values, the invalidated sign-offs and one
// 'plan.edit' audit row (with the diff) in one transaction. Anything refused writes nothing.
//
// What may not change (docs/decisions/0006-plan-edits.md):
// - the rollout key and the flag keys (same keys, same order): flags are what the SDKs ask for;
// - every phase up to the furthest one ever entered: the current phase, and any phase named as
//   a transition's target in the audit trail (after a rollback those phases still ran with
//   traffic, and the history must read true). Later phases may change, be added, removed or
//   reordered, as may the name, description, owner, metrics and flag metadata.
// Completed and aborted rollouts have nothing ahead: their plans are closed (409).
import { createHash } from 'node:crypto';
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { AppError, badRequest, conflict, notFound } from '../errors';
import { validatePlan, type PlanProblem, type TPlan, type TPlanPhase } from '../domain/plan';
import { changedGateParts, diffPlans, type PlanDiffEntry } from '../domain/plan-diff';
import { gateFingerprint, stableStringify } from '../domain/readiness';
import { loadRolloutDetail, phaseDefs, type RolloutDetail } from '../queries/rollouts';
import { applyFlagState } from './apply-flag-state';
import { planRejected } from './create-rollout';
import { lockRollout } from './lock-rollout';
import { Prisma } from '../generated/prisma/client';

export interface EditPlanInput {
  key: string;
  document: unknown;
  expectedVersion: number;
  requestId?: string;
}

export interface InvalidatedSignoff {
  id: string;
  phase: string;
  role: string;
  userName: string;
  decision: string;
  reason: string;
}

/** A tick the edit took back: its item's text changed, or the item went away. */
export interface ResetTick {
  phase: string;
  item: string;
  /** the text the person ticked */
  text: string | null;
  by: string;
  reason: string;
}

export interface EditPlanResult {
  rollout: RolloutDetail;
  fromPlanVersion: number;
  toPlanVersion: number;
  diff: PlanDiffEntry[];
  invalidatedSignoffs: InvalidatedSignoff[];
  resetTicks: ResetTick[];
}

/** at most this many diff entries go into the audit row (a plan may have thousands of flags) */
export const DIFF_LIMIT = 500;

const hashOf = (phase: TPlanPhase) => createHash('sha256').update(gateFingerprint(phase)).digest('hex');

/** The version number of the plan now stored: 1 at creation, +1 per edit. */
export async function planVersionOf(db: Pick<ReturnType<typeof prisma>, 'auditEvent'>, rolloutId: string): Promise<number> {
  return 1 + (await db.auditEvent.count({ where: { rolloutId, action: 'plan.edit' } }));
}

export async function editPlan(actor: Actor, input: EditPlanInput): Promise<EditPlanResult> {
  authorize(actor, 'rollout.create');
  if (!Number.isInteger(input.expectedVersion) || input.expectedVersion < 1) {
    throw badRequest('expectedVersion (the version you are changing) must be a whole number ≥ 1', {
      errors: [{ path: 'expectedVersion', message: 'a whole number ≥ 1' }],
    });
  }
  const v = validatePlan(input.document);
  if (!v.ok) throw planRejected(v.problems);
  const plan = v.plan;

  return prisma()
    .$transaction(
      async (tx) => {
        await lockRollout(tx, input.key);
        const r = await tx.rollout.findUnique({
          where: { key: input.key },
          include: { flags: { orderBy: { position: 'asc' } }, phases: { orderBy: { index: 'asc' } } },
        });
        if (!r) throw notFound(`no rollout with key "${input.key}"`);
        if (r.version !== input.expectedVersion) {
          throw conflict(`rollout "${r.key}" is at version ${r.version}, not ${input.expectedVersion}: someone else changed it; reload the plan and edit again`, {
            currentVersion: r.version,
            currentStatus: r.status,
          });
        }
        if (r.status === 'completed' || r.status === 'aborted') {
          throw conflict(`rollout "${r.key}" is ${r.status}: its plan can no longer be edited`, { currentVersion: r.version, currentStatus: r.status, reasonCode: 'plan_closed' });
        }
        const old = r.plan as unknown as TPlan;

        // what may not change
        const problems: PlanProblem[] = [];
        if (plan.key !== r.key) problems.push({ path: 'key', message: `the rollout key cannot change (it is "${r.key}")` });
        const oldKeys = r.flags.map((f) => f.key);
        plan.flags.forEach((f, i) => {
          if (i >= oldKeys.length) problems.push({ path: `flags[${i}]`, message: `new flag "${f.key}": flag keys cannot change (flags: ${oldKeys.join(', ')})` });
          else if (f.key !== oldKeys[i]) problems.push({ path: `flags[${i}].key`, message: `was "${oldKeys[i]}": flag keys cannot change (or move)` });
        });
        for (let i = plan.flags.length; i < oldKeys.length; i++) {
          problems.push({ path: `flags[${i}]`, message: `flag "${oldKeys[i]}" was removed: flag keys cannot change` });
        }

        const entered = await enteredUpTo(tx, r.id, r.phases, r.currentPhaseIndex);
        for (let i = 0; i <= entered; i++) {
          const was = old.phases[i];
          const now = plan.phases[i];
          if (!now) {
            problems.push({ path: `phases[${i}]`, message: `phase "${was.key}" has been entered and cannot be removed` });
            continue;
          }
          const d = diffPlans(was, now, `phases[${i}]`);
          if (d.length) {
            const what = now.key !== was.key ? `was "${was.key}": ` : '';
            problems.push(...d.map((e) => ({ path: e.path, message: `${what}phase "${was.key}" has been entered and cannot change` })));
          }
        }
        if (problems.length) {
          throw badRequest(`the edit changes what cannot change (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, {
            errors: problems,
          });
        }

        const envKeys = new Set((await tx.environment.findMany({ select: { key: true } })).map((e) => e.key));
        const envProblems: PlanProblem[] = [];
        plan.phases.forEach((ph, i) =>
          (ph.environments ?? []).forEach((e, j) => {
            if (!envKeys.has(e)) envProblems.push({ path: `phases[${i}].environments[${j}]`, message: `unknown environment "${e}" (known: ${[...envKeys].join(', ')})` });
          }),
        );
        if (envProblems.length) throw planRejected(envProblems);

        const diff = diffPlans(old, plan);
        if (!diff.length) throw badRequest('the plan is unchanged: nothing to save', { errors: [{ path: '(plan)', message: 'identical to the current plan' }] });

        const fromPlanVersion = await planVersionOf(tx, r.id);
        const toPlanVersion = fromPlanVersion + 1;
        const cas = await tx.rollout.updateMany({
          where: { id: r.id, version: input.expectedVersion },
          data: {
            name: plan.name,
            description: plan.description ?? '',
            owner: plan.owner ?? '',
            plan: plan as unknown as Prisma.InputJsonValue,
            version: r.version + 1,
          },
        });
        if (cas.count !== 1) throw conflict(`rollout "${r.key}" was changed concurrently; reload and try again`);

        // phase rows after the frozen prefix: replaced (nothing refers to a phase row by id)
        await tx.phase.deleteMany({ where: { rolloutId: r.id, index: { gt: entered } } });
        const added = plan.phases.slice(entered + 1);
        if (added.length) {
          await tx.phase.createMany({
            data: added.map((p, j) => ({
              rolloutId: r.id,
              index: entered + 1 + j,
              key: p.key,
              name: p.name,
              description: p.description ?? '',
              minDurationSeconds: v.minDurations[entered + 1 + j],
              environments: p.environments ?? [],
              flags: p.flags as Prisma.InputJsonValue,
            })),
          });
        }
        const changedFlags = plan.flags.filter((f, i) => stableStringify(f) !== stableStringify(old.flags[i]));
        for (const f of changedFlags) {
          await tx.flag.update({
            where: { key: f.key },
            data: { type: f.type, variants: f.variants ?? [], baseline: f.baseline as Prisma.InputJsonValue, description: f.description ?? '' },
          });
        }

        // a baseline change shows wherever the flag is at baseline (a draft, a rolled-back
        // rollout, a phase that leaves it alone): re-apply; unchanged values are not rewritten
        const change = await applyFlagState(
          tx,
          plan.flags.map((f, i) => ({ id: r.flags[i].id, key: f.key, baseline: f.baseline })),
          phaseDefs(plan.phases.map((p) => ({ key: p.key, environments: p.environments ?? [], flags: p.flags }))),
          r.currentPhaseIndex,
        );

        // approvals of a gate that changed (or went away) no longer count
        const now = new Date();
        const standing = await tx.signoff.findMany({ where: { rolloutId: r.id, withdrawnAt: null, invalidatedAt: null }, orderBy: { createdAt: 'asc' } });
        const invalidated: InvalidatedSignoff[] = [];
        for (const s of standing) {
          const next = plan.phases.find((p) => p.key === s.phaseKey);
          if (next && hashOf(next) === s.gateHash) continue;
          const prev = old.phases.find((p) => p.key === s.phaseKey);
          const parts = next && prev ? changedGateParts(prev, next) : [];
          const reason = !next
            ? `plan v${toPlanVersion} removed this gate`
            : `plan v${toPlanVersion} changed this gate${parts.length ? `: ${parts.join(', ')}` : ' since it was approved'}`;
          invalidated.push({ id: s.id, phase: s.phaseKey, role: s.role, userName: s.userName, decision: s.decision, reason });
        }
        for (const s of invalidated) {
          await tx.signoff.update({ where: { id: s.id }, data: { invalidatedAt: now, invalidatedReason: s.reason } });
        }

        // a tick confirms an item's text: when the text changes or the item goes away, the tick goes too — the person confirmed something else. Who ticked
        // what stays in the audit trail (the checklist.tick rows and this edit's details).
        const ticks = await tx.checklistItem.findMany({ where: { rolloutId: r.id, checked: true } });
        const resetTicks: ResetTick[] = [];
        for (const t of ticks) {
          const prevItem = old.phases.find((p) => p.key === t.phaseKey)?.checklist?.find((i) => i.key === t.itemKey);
          const nextItem = plan.phases.find((p) => p.key === t.phaseKey)?.checklist?.find((i) => i.key === t.itemKey);
          if (nextItem && prevItem && nextItem.text === prevItem.text) continue;
          const reason = !nextItem
            ? `plan v${toPlanVersion} removed this item`
            : `plan v${toPlanVersion} changed this item's text`;
          resetTicks.push({ phase: t.phaseKey, item: t.itemKey, text: prevItem?.text ?? null, by: t.actorName, reason });
        }
        for (const t of resetTicks) {
          await tx.checklistItem.update({
            where: { rolloutId_phaseKey_itemKey: { rolloutId: r.id, phaseKey: t.phase, itemKey: t.item } },
            data: { checked: false, evidence: t.reason, actorType: actor.kind, actorId: actor.id, actorName: actor.name, updatedAt: now },
          });
        }

        const phaseKey = r.currentPhaseIndex === null ? null : plan.phases[r.currentPhaseIndex].key;
        await tx.auditEvent.create({
          data: {
            createdAt: now,
            rolloutId: r.id,
            actorType: actor.kind,
            actorId: actor.id,
            actorName: actor.name,
            action: 'plan.edit',
            fromStatus: r.status,
            toStatus: r.status,
            fromPhase: phaseKey,
            toPhase: phaseKey,
            fromVersion: r.version,
            toVersion: r.version + 1,
            ...(change.changedEnvironments.length
              ? { flagsBefore: change.before as Prisma.InputJsonValue, flagsAfter: change.after as Prisma.InputJsonValue }
              : {}),
            reason: `plan v${fromPlanVersion} → v${toPlanVersion}`,
            requestId: input.requestId ?? null,
            details: {
              fromPlanVersion,
              toPlanVersion,
              diff: diff.slice(0, DIFF_LIMIT),
              ...(diff.length > DIFF_LIMIT ? { diffTruncated: diff.length - DIFF_LIMIT } : {}),
              invalidatedSignoffs: invalidated,
              resetTicks,
              changedEnvironments: change.changedEnvironments,
            } as unknown as Prisma.InputJsonValue,
          },
        });
        return { rollout: await loadRolloutDetail(tx, r.key), fromPlanVersion, toPlanVersion, diff, invalidatedSignoffs: invalidated, resetTicks };
      },
      { timeout: 15_000, maxWait: 15_000 },
    )
    .catch((e: unknown) => {
      if (e instanceof AppError) throw e;
      if (e instanceof Prisma.PrismaClientKnownRequestError && ['P2034', 'P2002'].includes(e.code)) {
        throw conflict('the rollout was changed concurrently; reload and try again');
      }
      throw e;
    });
}

/**
 * The index of the furthest phase ever entered (-1: none): the current phase, and every phase a
 * transition moved the rollout into, as the audit trail records it.
 */
async function enteredUpTo(
  tx: Pick<ReturnType<typeof prisma>, 'auditEvent'>,
  rolloutId: string,
  phases: { key: string; index: number }[],
  currentPhaseIndex: number | null,
): Promise<number> {
  const rows = await tx.auditEvent.findMany({ where: { rolloutId, toPhase: { not: null } }, select: { toPhase: true }, distinct: ['toPhase'] });
  const keys = new Set(rows.map((x) => x.toPhase));
  let max = currentPhaseIndex ?? -1;
  for (const p of phases) if (keys.has(p.key) && p.index > max) max = p.index;
  return max;
}
