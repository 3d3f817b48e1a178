// Property: any sequence of actions on any plan leaves the flag values of every environment
// equal to what the current phase implies (or the baseline), moves the version by exactly one
// per accepted action and not at all on a refusal, and never leaves `aborted`.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flagStateFor, type FlagDef, type PhaseDef } from '../../lib/domain/flag-state';
import { ACTIONS, transition, type LifecycleState, type RollbackTarget, type RolloutAction } from '../../lib/domain/lifecycle';

const ENVS = ['staging', 'production'] as const;
// `qa` is named by no phase: only phases that name no environment reach it
const CHECKED_ENVS = [...ENVS, 'qa'];

const arbValue = fc.oneof(
  fc.boolean(),
  fc.integer({ min: -5, max: 50 }),
  fc.constantFrom('v1', 'dual', 'v2'),
  // a rule set is just a value to the flag state: it must be carried along untouched
  fc.record({ default: fc.constantFrom('v1', 'v2'), rules: fc.constant([]) }),
);

const arbPlan = fc
  .record({
    flagCount: fc.integer({ min: 1, max: 4 }),
    phaseCount: fc.integer({ min: 1, max: 6 }),
  })
  .chain(({ flagCount, phaseCount }) => {
    const flagKeys = Array.from({ length: flagCount }, (_, i) => `FLAG_${i}`);
    const flags = fc.tuple(...flagKeys.map((key) => arbValue.map((baseline): FlagDef => ({ key, baseline }))));
    const phase = (i: number) =>
      fc
        .record({
          environments: fc.subarray([...ENVS]),
          // any subset of the flags (none = a phase that changes nothing), each with a value
          values: fc.tuple(...flagKeys.map(() => fc.option(arbValue, { nil: undefined }))),
        })
        .map(({ environments, values }): PhaseDef => {
          const set: Record<string, unknown> = {};
          values.forEach((v, j) => {
            if (v !== undefined) set[flagKeys[j]] = v;
          });
          return { key: `phase-${i}`, environments, flags: set };
        });
    return fc.record({
      flags,
      phases: fc.tuple(...Array.from({ length: phaseCount }, (_, i) => phase(i))),
    });
  });

interface Step {
  action: RolloutAction;
  to: RollbackTarget;
}
// Every action can come at any time; the weights only keep runs from ending early (abort is
// accepted from most statuses and ends everything) so that they reach late phases, completion
// and rollbacks to earlier phases often.
const WEIGHTS: Record<RolloutAction, number> = { promote: 12, start: 6, rollback: 6, resume: 5, pause: 3, abort: 1 };
const arbStep: fc.Arbitrary<Step> = fc.record({
  action: fc.oneof(...ACTIONS.map((a) => ({ arbitrary: fc.constant(a), weight: WEIGHTS[a] }))),
  to: fc.oneof(
    { arbitrary: fc.constant<RollbackTarget>({ kind: 'baseline' }), weight: 1 },
    // -1 and indexes past the end on purpose: they must be refused
    { arbitrary: fc.integer({ min: -1, max: 7 }).map((index): RollbackTarget => ({ kind: 'phase', index })), weight: 2 },
  ),
});

/** The oracle: for each flag, the latest phase at or before the current one that applies to env and sets it. */
function expectedState(flags: readonly FlagDef[], phases: readonly PhaseDef[], current: number | null, env: string) {
  const out: Record<string, { value: unknown; phaseKey: string | null }> = {};
  for (const f of flags) {
    out[f.key] = { value: f.baseline, phaseKey: null };
    if (current === null) continue;
    for (let i = current; i >= 0; i--) {
      const ph = phases[i];
      const applies = ph.environments.length === 0 || ph.environments.includes(env);
      if (applies && Object.prototype.hasOwnProperty.call(ph.flags, f.key)) {
        out[f.key] = { value: ph.flags[f.key], phaseKey: ph.key };
        break;
      }
    }
  }
  return out;
}

/** The lifecycle of issue 2 as a plain reference model: the next state, or null when refused. */
function modelNext(s: LifecycleState, { action, to }: Step, phaseCount: number): LifecycleState | null {
  const v = s.version + 1;
  const i = s.currentPhaseIndex;
  if (s.status === 'aborted') return null;
  if (action === 'start') return s.status === 'draft' || s.status === 'rolled_back' ? { status: 'active', currentPhaseIndex: 0, version: v } : null;
  if (action === 'abort') return s.status === 'completed' ? null : { status: 'aborted', currentPhaseIndex: null, version: v };
  if (action === 'pause') return s.status === 'active' ? { status: 'paused', currentPhaseIndex: i, version: v } : null;
  if (action === 'resume') return s.status === 'paused' ? { status: 'active', currentPhaseIndex: i, version: v } : null;
  if (action === 'promote') {
    if (s.status !== 'active') return null;
    return i! + 1 < phaseCount ? { status: 'active', currentPhaseIndex: i! + 1, version: v } : { status: 'completed', currentPhaseIndex: i, version: v };
  }
  // rollback
  if (s.status !== 'active' && s.status !== 'paused' && s.status !== 'completed') return null;
  if (to.kind === 'baseline') return { status: 'rolled_back', currentPhaseIndex: null, version: v };
  return Number.isInteger(to.index) && to.index >= 0 && to.index < i! ? { status: 'active', currentPhaseIndex: to.index, version: v } : null;
}

describe('lifecycle × flag state (property)', () => {
  it('any sequence of actions keeps flags equal to the current phase vector, version +1 per accepted action, aborted absorbing', () => {
    fc.assert(
      fc.property(arbPlan, fc.array(arbStep, { maxLength: 60, size: 'max' }), ({ flags, phases }, steps) => {
        let state: LifecycleState = Object.freeze({ status: 'draft', currentPhaseIndex: null, version: 1 });
        let accepted = 0;
        for (const step of steps) {
          const before = state;
          const snapshot = { ...before };
          const r = transition(before, step.action, phases.length, step.to);
          const where = `${step.action} ${JSON.stringify(step.to)} from ${JSON.stringify(before)}`;
          expect(before, `${where}: the input state changed`).toStrictEqual(snapshot);
          expect(r.ok ? r.next : null, `${where}: differs from the reference model`).toStrictEqual(modelNext(before, step, phases.length));
          if (before.status === 'aborted') expect(r.ok, `${where}: accepted after abort`).toBe(false);
          if (r.ok) {
            accepted++;
            expect(r.next.version, where).toBe(before.version + 1);
            state = Object.freeze(r.next);
          }
          expect(state.version).toBe(1 + accepted);

          // a current phase exists exactly in the statuses that have one, and is in range
          const hasPhase = state.status === 'active' || state.status === 'paused' || state.status === 'completed';
          expect(state.currentPhaseIndex !== null, JSON.stringify(state)).toBe(hasPhase);
          if (state.currentPhaseIndex !== null) {
            expect(Number.isInteger(state.currentPhaseIndex) && state.currentPhaseIndex >= 0 && state.currentPhaseIndex < phases.length).toBe(true);
          }
          if (state.status === 'completed') expect(state.currentPhaseIndex).toBe(phases.length - 1);

          for (const env of CHECKED_ENVS) {
            const actual = flagStateFor(flags, phases, state.currentPhaseIndex, env);
            const expected = expectedState(flags, phases, state.currentPhaseIndex, env);
            expect(actual, `flag state in ${env} at ${JSON.stringify(state)}`).toStrictEqual(expected);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a rollout driven start → promote … reaches completed with the last phase\'s values in every environment', () => {
    fc.assert(
      fc.property(arbPlan, ({ flags, phases }) => {
        let state: LifecycleState = { status: 'draft', currentPhaseIndex: null, version: 1 };
        for (const action of ['start', ...Array(phases.length).fill('promote')] as RolloutAction[]) {
          const r = transition(state, action, phases.length);
          if (!r.ok) throw new Error(`${action} refused on the happy path: ${r.error.message}`);
          state = r.next;
        }
        expect(state).toStrictEqual({ status: 'completed', currentPhaseIndex: phases.length - 1, version: phases.length + 2 });
        for (const env of CHECKED_ENVS) {
          expect(flagStateFor(flags, phases, state.currentPhaseIndex, env)).toStrictEqual(expectedState(flags, phases, phases.length - 1, env));
        }
        // a rollback to baseline from there puts every flag at its baseline everywhere
        const back = transition(state, 'rollback', phases.length);
        if (!back.ok) throw new Error(`rollback refused from completed: ${back.error.message}`);
        for (const env of CHECKED_ENVS) {
          const s = flagStateFor(flags, phases, back.next.currentPhaseIndex, env);
          expect(s).toStrictEqual(Object.fromEntries(flags.map((f) => [f.key, { value: f.baseline, phaseKey: null }])));
        }
      }),
      { numRuns: 200 },
    );
  });
});
