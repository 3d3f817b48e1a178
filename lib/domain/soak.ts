// Soak, red-flag debounce and the readiness verdict of a criterion (issue 8). Pure: derived
// from the evaluations the worker stores, so a restart of the app or the worker neither resets
// nor extends a soak, and replaying the stored evaluations gives the same red-flag state.
import { stableStringify, type CriterionVerdict } from './readiness';
import { timingOf, type CriterionResult, type Status, type TCriterion, type TRedFlag } from './criteria';

export interface StoredEvaluation {
  at: Date;
  status: Status;
}

export interface Soak {
  /** seconds from the first to the latest evaluation of the current passing run */
  heldSeconds: number;
  requiredSeconds: number;
  /** the run covers `for` */
  passing: boolean;
  leftSeconds: number;
  /** the first evaluation of the current run, null when the latest evaluation does not pass */
  since: Date | null;
}

/**
 * The current soak: the run of consecutive passing evaluations ending at the latest one (up to
 * `now`). Any fail or inconclusive restarts the clock. With `maxGapSeconds`, two evaluations
 * further apart than that also break the run (nobody was watching in between); without it a
 * pause in evaluating (a worker restart) neither resets nor extends the soak — it is measured
 * between evaluations, never up to `now`.
 */
export function soak(evaluations: readonly StoredEvaluation[], forSeconds: number, now: Date, maxGapSeconds?: number): Soak {
  const sorted = evaluations.filter((e) => e.at.getTime() <= now.getTime()).sort((a, b) => a.at.getTime() - b.at.getTime());
  let first: StoredEvaluation | null = null;
  let last: StoredEvaluation | null = null;
  for (const e of sorted) {
    if (e.status !== 'pass') {
      first = last = null;
      continue;
    }
    if (last && maxGapSeconds !== undefined && (e.at.getTime() - last.at.getTime()) / 1000 > maxGapSeconds) first = null;
    if (!first) first = e;
    last = e;
  }
  const held = first && last ? (last.at.getTime() - first.at.getTime()) / 1000 : 0;
  return { heldSeconds: held, requiredSeconds: forSeconds, passing: !!first && held >= forSeconds, leftSeconds: Math.max(0, forSeconds - held), since: first?.at ?? null };
}

/** "26 h", "1.5 h", "45 min", "30 s" */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s >= 3600) return `${Number((s / 3600).toFixed(s >= 36000 ? 0 : 1))} h`;
  if (s >= 60) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s)} s`;
}

/**
 * The readiness verdict of a phase criterion: its current result, and with `for` its soak —
 * it passes only when the current evaluation passes AND the soak covers `for`. A current pass
 * still soaking is a fail with the time left (like a minimum duration not yet elapsed).
 * `evaluations` are the stored ones; the current result is expected among them (the worker
 * stores it before asking), and is counted as the latest if it is not. Evaluations further
 * apart than `maxGapSeconds` (default: 5 intervals, at least 15 min) break the soak: nobody
 * watched in between, so that time is not "held" — a short restart does not reset it.
 */
export function toVerdict(criterion: TCriterion, result: CriterionResult, evaluations: readonly StoredEvaluation[] = [], now: Date, opts: { index?: number; maxGapSeconds?: number } = {}): CriterionVerdict {
  const t = timingOf(criterion);
  const index = opts.index;
  const maxGap = opts.maxGapSeconds ?? defaultMaxGap(t.interval);
  const extra = { value: result.value ?? null, n: result.n, interval: result.interval ?? null, reason: result.reason ?? null, window: criterion.window, criterion: index ?? null, key: criterionKey(criterion) };
  if (!t.for) return { kind: result.kind, status: result.status, detail: result.detail, ...extra };
  const latest = [...evaluations].sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  const stored = latest && latest.at.getTime() === now.getTime() ? evaluations : [...evaluations, { at: now, status: result.status }];
  const s = soak(stored, t.for, now, maxGap);
  const soakExtra = { soak: { heldSeconds: s.heldSeconds, requiredSeconds: s.requiredSeconds, leftSeconds: s.leftSeconds, since: s.since?.toISOString() ?? null } };
  if (result.status !== 'pass') return { kind: result.kind, status: result.status, detail: `${result.detail}; soak restarts when it passes (needs ${formatSpan(t.for)})`, ...extra, ...soakExtra };
  const held = `held ${formatSpan(s.heldSeconds)} of ${formatSpan(t.for)}`;
  return {
    kind: result.kind,
    status: s.passing ? 'pass' : 'fail',
    detail: s.passing ? `${result.detail}, ${held}` : `${result.detail}, ${held} (${formatSpan(s.leftSeconds)} left)`,
    ...extra,
    ...soakExtra,
  };
}

/** How far apart two evaluations may be and still count as one soak: 5 intervals, at least 15 min. */
export function defaultMaxGap(intervalSeconds: number): number {
  return Math.max(5 * intervalSeconds, 15 * 60);
}

/** A short stable id of a criterion's content: stored evaluations are keyed by it, so an edited criterion starts a new soak. */
export function criterionKey(c: unknown): string {
  // FNV-1a, 32 bit
  let h = 0x811c9dc5;
  const s = stableStringify(c);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------
// Red flags

export interface RedFlagState {
  /** consecutive evaluations in which the bad condition held */
  consecutive: number;
  /** the action has run for this run of failures; no re-trip until it recovers */
  tripped: boolean;
  /** consecutive inconclusive evaluations (the red flag is blind; worth a warning) */
  blind: number;
}

export const RED_FLAG_START: RedFlagState = { consecutive: 0, tripped: false, blind: 0 };

/**
 * One evaluation of a red flag. `when` is the status of its condition: `pass` means the bad
 * condition holds (a failing evaluation of the rollout), `fail` means it clearly does not (a
 * healthy one), `inconclusive` means the evidence cannot tell.
 *
 * - After `after` consecutive evaluations with the condition holding, `trip` is true once; it
 *   stays quiet while the condition keeps holding, and re-arms after one healthy evaluation.
 * - Inconclusive neither counts toward `after` nor resets the count. Acting (pause, rollback)
 *   on missing data would roll every rollout back when the metrics source goes down — Flagger
 *   rolls back on "no values found" and Argo aborts after consecutiveErrorLimit, both reported
 *   as surprises — while resetting would let a flapping source hide a real failure forever.
 *   A healthy evaluation is the only thing that resets. `blind` counts the inconclusive run
 *   so the caller can warn that the flag is not seeing anything.
 */
export function redFlagStep(state: RedFlagState, when: Status, after: number): { state: RedFlagState; trip: boolean } {
  if (when === 'inconclusive') return { state: { ...state, blind: state.blind + 1 }, trip: false };
  if (when === 'fail') return { state: { consecutive: 0, tripped: false, blind: 0 }, trip: false };
  const consecutive = state.consecutive + 1;
  const trip = !state.tripped && consecutive >= after;
  return { state: { consecutive, tripped: state.tripped || trip, blind: 0 }, trip };
}

/** The red-flag state after the stored evaluations of its condition, oldest first, and whether the latest one tripped. */
export function redFlagReplay(whens: readonly Status[], after: number): { state: RedFlagState; trip: boolean } {
  let out = { state: RED_FLAG_START, trip: false };
  for (const w of whens) out = redFlagStep(out.state, w, after);
  return out;
}

/** The audit sentence of a trip: "red flag: error_rate candidate 7.2 % > 5 % for 3 evaluations". */
export function redFlagDetail(flag: Pick<TRedFlag, 'severity' | 'action'>, result: CriterionResult, consecutive: number): string {
  return `red flag (${flag.severity}, ${flag.action}): ${result.detail} for ${consecutive} evaluation${consecutive === 1 ? '' : 's'}`;
}
