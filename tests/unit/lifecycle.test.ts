// The rollout lifecycle table, enumerated: every status × every action, checked against the
// rules of issue 2 written out here by hand (not derived from the table under test).
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  allowedActions,
  isAllowed,
  rollbackPhaseTargets,
  STATUSES,
  TERMINAL_STATUSES,
  transition,
  TRANSITIONS,
  type LifecycleState,
  type RolloutAction,
  type RolloutStatus,
} from '../../lib/domain/lifecycle';

const PHASES = 3;
const LAST = PHASES - 1;

/** Representative states of each status (a phase index where the status has one). */
function statesOf(status: RolloutStatus): LifecycleState[] {
  switch (status) {
    case 'draft':
    case 'rolled_back':
    case 'aborted':
      return [{ status, currentPhaseIndex: null, version: 7 }];
    case 'active':
    case 'paused':
      return [0, 1, LAST].map((i) => ({ status, currentPhaseIndex: i, version: 7 }));
    case 'completed':
      return [{ status, currentPhaseIndex: LAST, version: 7 }];
  }
}

/**
 * Issue 2's lifecycle, spelled out: the next status and phase for each allowed (status, action),
 * with the default rollback target (baseline). Absent = refused.
 */
const EXPECTED: Record<RolloutStatus, Partial<Record<RolloutAction, (i: number | null) => [RolloutStatus, number | null]>>> = {
  draft: {
    start: () => ['active', 0],
    abort: () => ['aborted', null],
  },
  active: {
    promote: (i) => (i! < LAST ? ['active', i! + 1] : ['completed', i]),
    pause: (i) => ['paused', i],
    rollback: () => ['rolled_back', null],
    abort: () => ['aborted', null],
  },
  paused: {
    resume: (i) => ['active', i],
    rollback: () => ['rolled_back', null],
    abort: () => ['aborted', null],
  },
  completed: {
    rollback: () => ['rolled_back', null],
  },
  rolled_back: {
    start: () => ['active', 0],
    abort: () => ['aborted', null],
  },
  aborted: {},
};

describe('the transition table', () => {
  it('lists exactly the statuses each action may leave from', () => {
    expect(Object.fromEntries(ACTIONS.map((a) => [a, [...TRANSITIONS[a].from].sort()]))).toEqual({
      start: ['draft', 'rolled_back'],
      promote: ['active'],
      pause: ['active'],
      resume: ['paused'],
      rollback: ['active', 'completed', 'paused'],
      abort: ['active', 'draft', 'paused', 'rolled_back'],
    });
    expect(TERMINAL_STATUSES).toEqual(['aborted']);
  });

  for (const status of STATUSES) {
    for (const action of ACTIONS) {
      for (const state of statesOf(status)) {
        const expected = EXPECTED[status][action];
        const label = `${action} from ${status}${state.currentPhaseIndex === null ? '' : ` at phase ${state.currentPhaseIndex}`}`;
        it(`${label}: ${expected ? 'accepted' : 'refused'}`, () => {
          const before = Object.freeze({ ...state });
          const r = transition(before, action, PHASES);
          expect(isAllowed(status, action)).toBe(TRANSITIONS[action].from.includes(status));
          expect(r.ok).toBe(TRANSITIONS[action].from.includes(status));
          if (expected) {
            const [nextStatus, nextIndex] = expected(state.currentPhaseIndex);
            expect(r).toEqual({ ok: true, next: { status: nextStatus, currentPhaseIndex: nextIndex, version: 8 } });
          } else {
            expect(r).toEqual({
              ok: false,
              error: { code: 'transition_not_allowed', message: `cannot ${action} a rollout that is ${status.replace('_', ' ')}` },
            });
          }
          expect(before).toEqual(state);
        });
      }
    }
  }
});

describe('promote', () => {
  it('walks every phase, then completes keeping the last phase', () => {
    let s: LifecycleState = { status: 'draft', currentPhaseIndex: null, version: 1 };
    const seen: [RolloutStatus, number | null, number][] = [];
    for (const action of ['start', 'promote', 'promote', 'promote'] as const) {
      const r = transition(s, action, PHASES);
      if (!r.ok) throw new Error(r.error.message);
      s = r.next;
      seen.push([s.status, s.currentPhaseIndex, s.version]);
    }
    expect(seen).toEqual([
      ['active', 0, 2],
      ['active', 1, 3],
      ['active', 2, 4],
      ['completed', 2, 5],
    ]);
    expect(transition(s, 'promote', PHASES).ok).toBe(false);
  });

  it('completes at once on a one-phase plan', () => {
    expect(transition({ status: 'active', currentPhaseIndex: 0, version: 2 }, 'promote', 1)).toEqual({
      ok: true,
      next: { status: 'completed', currentPhaseIndex: 0, version: 3 },
    });
  });

  it('is refused while paused', () => {
    const r = transition({ status: 'paused', currentPhaseIndex: 1, version: 4 }, 'promote', PHASES);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('transition_not_allowed');
  });
});

describe('start', () => {
  it('refuses a plan without phases', () => {
    expect(transition({ status: 'draft', currentPhaseIndex: null, version: 1 }, 'start', 0)).toEqual({
      ok: false,
      error: { code: 'no_phases', message: 'the plan has no phases' },
    });
  });

  it('restarts a rolled-back rollout from the first phase', () => {
    expect(transition({ status: 'rolled_back', currentPhaseIndex: null, version: 9 }, 'start', PHASES)).toEqual({
      ok: true,
      next: { status: 'active', currentPhaseIndex: 0, version: 10 },
    });
  });
});

describe('rollback', () => {
  const from: LifecycleState[] = [
    { status: 'active', currentPhaseIndex: LAST, version: 5 },
    { status: 'paused', currentPhaseIndex: LAST, version: 5 },
    { status: 'completed', currentPhaseIndex: LAST, version: 5 },
  ];

  for (const state of from) {
    it(`from ${state.status}: to baseline, explicitly or by default`, () => {
      const expected = { ok: true, next: { status: 'rolled_back', currentPhaseIndex: null, version: 6 } };
      expect(transition(state, 'rollback', PHASES)).toEqual(expected);
      expect(transition(state, 'rollback', PHASES, { kind: 'baseline' })).toEqual(expected);
    });

    it(`from ${state.status}: to each earlier phase, active there`, () => {
      for (let i = 0; i < LAST; i++) {
        expect(transition(state, 'rollback', PHASES, { kind: 'phase', index: i })).toEqual({
          ok: true,
          next: { status: 'active', currentPhaseIndex: i, version: 6 },
        });
      }
      expect(rollbackPhaseTargets(state)).toEqual([0, 1]);
    });

    it(`from ${state.status}: refused to the same or a later phase, or no phase`, () => {
      for (const index of [LAST, LAST + 1, -1, 1.5]) {
        const r = transition(state, 'rollback', PHASES, { kind: 'phase', index });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.code).toBe('invalid_rollback_target');
      }
    });
  }

  it('has no earlier phase to return to from the first phase', () => {
    const s: LifecycleState = { status: 'active', currentPhaseIndex: 0, version: 3 };
    expect(rollbackPhaseTargets(s)).toEqual([]);
    const r = transition(s, 'rollback', PHASES, { kind: 'phase', index: 0 });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_rollback_target' } });
    expect(transition(s, 'rollback', PHASES)).toEqual({ ok: true, next: { status: 'rolled_back', currentPhaseIndex: null, version: 4 } });
  });

  it('offers no phase targets where rollback is not allowed', () => {
    expect(rollbackPhaseTargets({ status: 'draft', currentPhaseIndex: null })).toEqual([]);
    expect(rollbackPhaseTargets({ status: 'rolled_back', currentPhaseIndex: null })).toEqual([]);
    expect(rollbackPhaseTargets({ status: 'aborted', currentPhaseIndex: null })).toEqual([]);
  });

  it('says which status refuses it before looking at the target', () => {
    const r = transition({ status: 'rolled_back', currentPhaseIndex: null, version: 2 }, 'rollback', PHASES, { kind: 'phase', index: 0 });
    expect(r).toEqual({ ok: false, error: { code: 'transition_not_allowed', message: 'cannot rollback a rollout that is rolled back' } });
  });
});

describe('abort', () => {
  it('is absorbing: every action from aborted is refused, whatever the rollback target', () => {
    const s: LifecycleState = { status: 'aborted', currentPhaseIndex: null, version: 12 };
    for (const action of ACTIONS) {
      for (const target of [{ kind: 'baseline' } as const, { kind: 'phase', index: 0 } as const]) {
        expect(transition(s, action, PHASES, target)).toMatchObject({ ok: false, error: { code: 'transition_not_allowed' } });
      }
    }
    expect(allowedActions(s)).toEqual([]);
  });

  it('is not offered once completed (a completed rollout is rolled back, not aborted)', () => {
    expect(isAllowed('completed', 'abort')).toBe(false);
  });
});

describe('allowedActions', () => {
  it('matches the table for every status, in the table order', () => {
    const expected: Record<RolloutStatus, RolloutAction[]> = {
      draft: ['start', 'abort'],
      active: ['promote', 'pause', 'rollback', 'abort'],
      paused: ['resume', 'rollback', 'abort'],
      completed: ['rollback'],
      rolled_back: ['start', 'abort'],
      aborted: [],
    };
    for (const status of STATUSES) {
      expect(allowedActions({ status })).toEqual(expected[status]);
      expect(allowedActions({ status })).toEqual(ACTIONS.filter((a) => TRANSITIONS[a].from.includes(status)));
      expect(allowedActions({ status })).toEqual(Object.keys(EXPECTED[status]).sort((a, b) => ACTIONS.indexOf(a as RolloutAction) - ACTIONS.indexOf(b as RolloutAction)));
    }
  });
});
