// The rollout lifecycle: one table of allowed transitions. The UI draws its buttons from it,
// the service guards writes with it, and the tests enumerate it. Pure: no I/O, no Prisma.

export const STATUSES = ['draft', 'active', 'paused', 'completed', 'rolled_back', 'aborted'] as const;
export type RolloutStatus = (typeof STATUSES)[number];

export const ACTIONS = ['start', 'promote', 'pause', 'resume', 'rollback', 'abort'] as const;
export type RolloutAction = (typeof ACTIONS)[number];

/** Where a rollback goes: every flag back to its baseline, or an earlier phase (by index). */
export type RollbackTarget = { kind: 'baseline' } | { kind: 'phase'; index: number };

export interface LifecycleState {
  status: RolloutStatus;
  /** index of the current phase; null before start and after a rollback to baseline / abort */
  currentPhaseIndex: number | null;
  version: number;
}

/** Which statuses each action may leave from. */
export const TRANSITIONS: Record<RolloutAction, { from: readonly RolloutStatus[]; label: string; description: string }> = {
  start: { from: ['draft', 'rolled_back'], label: 'Start', description: 'Enter the first phase' },
  promote: { from: ['active'], label: 'Promote', description: 'Move to the next phase (or complete after the last)' },
  pause: { from: ['active'], label: 'Pause', description: 'Hold at the current phase; promotion is refused while paused' },
  resume: { from: ['paused'], label: 'Resume', description: 'Continue from the current phase' },
  rollback: {
    from: ['active', 'paused', 'completed'],
    label: 'Roll back',
    description: 'Return every flag to its baseline, or go back to an earlier phase',
  },
  abort: {
    from: ['draft', 'active', 'paused', 'rolled_back'],
    label: 'Abort',
    description: 'End the rollout for good; every flag returns to its baseline',
  },
};

export const TERMINAL_STATUSES: readonly RolloutStatus[] = ['aborted'];

export function isAllowed(status: RolloutStatus, action: RolloutAction): boolean {
  return TRANSITIONS[action].from.includes(status);
}

export function allowedActions(state: Pick<LifecycleState, 'status'>): RolloutAction[] {
  return ACTIONS.filter((a) => isAllowed(state.status, a));
}

/** Phases a rollback may return to: strictly earlier than the current one. */
export function rollbackPhaseTargets(state: Pick<LifecycleState, 'status' | 'currentPhaseIndex'>): number[] {
  if (!isAllowed(state.status, 'rollback') || state.currentPhaseIndex === null) return [];
  return Array.from({ length: state.currentPhaseIndex }, (_, i) => i);
}

export type TransitionRefusal =
  | { code: 'transition_not_allowed'; message: string }
  | { code: 'invalid_rollback_target'; message: string }
  | { code: 'no_phases'; message: string };

export type TransitionResult = { ok: true; next: LifecycleState } | { ok: false; error: TransitionRefusal };

/**
 * Applies an action to a state. Returns the next state (version + 1) or why it is refused.
 * `phaseCount` is the number of phases in the plan.
 */
export function transition(
  state: LifecycleState,
  action: RolloutAction,
  phaseCount: number,
  rollbackTo: RollbackTarget = { kind: 'baseline' },
): TransitionResult {
  if (!isAllowed(state.status, action)) {
    return {
      ok: false,
      error: {
        code: 'transition_not_allowed',
        message: `cannot ${action} a rollout that is ${state.status.replace('_', ' ')}`,
      },
    };
  }
  const version = state.version + 1;
  switch (action) {
    case 'start':
      if (phaseCount < 1) return { ok: false, error: { code: 'no_phases', message: 'the plan has no phases' } };
      return { ok: true, next: { status: 'active', currentPhaseIndex: 0, version } };
    case 'promote': {
      const i = state.currentPhaseIndex ?? -1;
      if (i + 1 >= phaseCount) return { ok: true, next: { status: 'completed', currentPhaseIndex: i, version } };
      return { ok: true, next: { status: 'active', currentPhaseIndex: i + 1, version } };
    }
    case 'pause':
      return { ok: true, next: { ...state, status: 'paused', version } };
    case 'resume':
      return { ok: true, next: { ...state, status: 'active', version } };
    case 'rollback': {
      if (rollbackTo.kind === 'baseline') return { ok: true, next: { status: 'rolled_back', currentPhaseIndex: null, version } };
      const targets = rollbackPhaseTargets(state);
      if (!targets.includes(rollbackTo.index)) {
        return {
          ok: false,
          error: {
            code: 'invalid_rollback_target',
            message: `can only roll back to an earlier phase than the current one (phase ${rollbackTo.index + 1} is not earlier)`,
          },
        };
      }
      return { ok: true, next: { status: 'active', currentPhaseIndex: rollbackTo.index, version } };
    }
    case 'abort':
      return { ok: true, next: { status: 'aborted', currentPhaseIndex: null, version } };
  }
}
