// Readiness: may the rollout take its next step (start or promote) now? One model for evidence
// and governance. A step LEAVES the current phase — guarded by its minimum duration and its
// evidence criteria (issue 8) — and ENTERS the next one — guarded by that phase's checklist and
// sign-offs (issue 9). Every guard is a reason with a status; the step is ready only when every
// reason passes. Inconclusive holds the gate like a failure. Pure: the services load the records
// and evidence verdicts, this decides; the UI, the REST readiness endpoint, the promote guard and
// the frozen go/no-go record all show these same reasons.
import type { RolloutStatus } from './lifecycle';
import type { TChecklistItem, TSignoffRule } from './plan';

export type ReasonStatus = 'pass' | 'fail' | 'inconclusive';
export type ReasonKind = 'status' | 'duration' | 'checklist' | 'signoff' | 'compatibility' | 'metric' | 'relative';

export interface Reason {
  kind: ReasonKind;
  status: ReasonStatus;
  /** which side of the step: leaving the current phase, or entering the next */
  gate: 'leave' | 'enter';
  /** the phase the guard belongs to */
  phase: string | null;
  /** the sentence people read, with the real numbers */
  detail: string;
  [extra: string]: unknown;
}

export interface GatePhase {
  key: string;
  name: string;
  minDurationSeconds: number;
  checklist?: TChecklistItem[];
  signoffs?: TSignoffRule;
}

export interface ChecklistTick {
  checked: boolean;
  by: string;
  at: string;
  evidence?: string | null;
}

export interface StandingSignoff {
  role: string;
  userId: string;
  userName: string;
  decision: 'approve' | 'reject';
  comment: string;
  at: string;
  /** false when the person no longer holds the role (it then does not count) */
  holdsRole: boolean;
}

/** An evidence criterion's verdict for the phase being left (computed by the evidence module). */
export interface CriterionVerdict {
  kind: 'compatibility' | 'metric' | 'relative';
  status: ReasonStatus;
  detail: string;
  [extra: string]: unknown;
}

export interface ReadinessInput {
  status: RolloutStatus;
  currentPhaseIndex: number | null;
  phaseEnteredAt: Date | null;
  phases: GatePhase[];
  now: Date;
  /** phase key → item key → tick */
  checklist: Record<string, Record<string, ChecklistTick>>;
  /** phase key → standing (not withdrawn, not invalidated) sign-offs */
  signoffs: Record<string, StandingSignoff[]>;
  /** verdicts of the current phase's criteria */
  criteria?: CriterionVerdict[];
  /** the user who would take the step (four eyes: their approval does not count) */
  actorUserId?: string | null;
}

export interface Readiness {
  ready: boolean;
  /** the step readiness is about; null when there is none (completed, aborted) */
  action: 'start' | 'promote' | null;
  from: { key: string; name: string } | null;
  /** the phase entered, or null when the step completes the rollout */
  to: { key: string; name: string } | null;
  reasons: Reason[];
}

export function formatSeconds(s: number): string {
  s = Math.max(0, Math.floor(s));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return h ? `${d}d ${h}h` : `${d}d`;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  if (m) return `${m}m`;
  return `${s}s`;
}

export function durationReason(phase: GatePhase, enteredAt: Date | null, now: Date): Reason | null {
  if (!phase.minDurationSeconds) return null;
  const elapsed = enteredAt ? (now.getTime() - enteredAt.getTime()) / 1000 : 0;
  const left = phase.minDurationSeconds - elapsed;
  const planned = formatSeconds(phase.minDurationSeconds);
  return {
    kind: 'duration',
    gate: 'leave',
    phase: phase.key,
    status: left <= 0 ? 'pass' : 'fail',
    detail: left <= 0 ? `in phase ${formatSeconds(elapsed)} of ${planned} planned minimum` : `in phase ${formatSeconds(elapsed)} of ${planned} planned minimum (${formatSeconds(left)} left)`,
    elapsedSeconds: Math.floor(elapsed),
    minSeconds: phase.minDurationSeconds,
  };
}

export function checklistReason(phase: GatePhase, ticks: Record<string, ChecklistTick> = {}): Reason | null {
  const items = phase.checklist ?? [];
  if (!items.length) return null;
  const required = items.filter((i) => i.required);
  const missing = required.filter((i) => !ticks[i.key]?.checked);
  const done = required.length - missing.length;
  const list = missing.map((i) => (i.owner ? `${i.text} (${i.owner})` : i.text));
  return {
    kind: 'checklist',
    gate: 'enter',
    phase: phase.key,
    status: missing.length === 0 ? 'pass' : 'fail',
    detail: required.length === 0 ? 'no required checklist items' : missing.length === 0 ? `${done} of ${required.length} required items ticked` : `${done} of ${required.length} required items ticked; open: ${list.join('; ')}`,
    items: items.map((i) => ({ key: i.key, text: i.text, required: i.required, owner: i.owner ?? null, checked: !!ticks[i.key]?.checked, by: ticks[i.key]?.by ?? null, at: ticks[i.key]?.at ?? null, evidence: ticks[i.key]?.evidence ?? null })),
  };
}

export function signoffReason(phase: GatePhase, standing: StandingSignoff[] = [], actorUserId: string | null = null): Reason | null {
  const rule = phase.signoffs;
  if (!rule) return null;
  const onGate = standing.filter((s) => rule.roles.includes(s.role) && s.holdsRole);
  const rejections = onGate.filter((s) => s.decision === 'reject');
  const approvals = onGate.filter((s) => s.decision === 'approve');
  const selfExcluded = !rule.allowSelfApproval && !!actorUserId && approvals.some((a) => a.userId === actorUserId);
  const counting = approvals.filter((a) => rule.allowSelfApproval || !actorUserId || a.userId !== actorUserId);
  // one person counts once, whatever roles they hold
  const people = new Map<string, StandingSignoff>();
  for (const a of counting) if (!people.has(a.userId)) people.set(a.userId, a);
  const n = people.size;
  const who = [...people.values()].map((a) => `${a.userName} (${a.role})`);
  let detail: string;
  let status: ReasonStatus;
  if (rejections.length) {
    status = 'fail';
    detail = `rejected by ${rejections.map((r) => `${r.userName} (${r.role})${r.comment ? `: “${r.comment}”` : ''}`).join('; ')}`;
  } else {
    status = n >= rule.required ? 'pass' : 'fail';
    detail = `${n} of ${rule.required} approvals${who.length ? `: ${who.join(', ')}` : ''}`;
    if (selfExcluded) detail += ' — your own approval does not count (four eyes)';
    if (status === 'fail') detail += `; roles: ${rule.roles.join(', ')}`;
  }
  return {
    kind: 'signoff',
    gate: 'enter',
    phase: phase.key,
    status,
    detail,
    required: rule.required,
    approvals: n,
    roles: rule.roles,
    allowSelfApproval: rule.allowSelfApproval,
    signoffs: onGate.map((s) => ({ role: s.role, user: s.userName, userId: s.userId, decision: s.decision, comment: s.comment, at: s.at, counts: s.decision === 'approve' && people.get(s.userId) === s })),
  };
}

/** Readiness of the rollout's next step. */
export function computeReadiness(input: ReadinessInput): Readiness {
  const { status, phases, now } = input;
  const i = input.currentPhaseIndex;
  const ref = (p: GatePhase | undefined) => (p ? { key: p.key, name: p.name } : null);
  const reasons: Reason[] = [];

  let action: Readiness['action'];
  let from: GatePhase | undefined;
  let to: GatePhase | undefined;
  if (status === 'draft' || status === 'rolled_back') {
    action = 'start';
    to = phases[0];
  } else if (status === 'active' || status === 'paused') {
    action = 'promote';
    from = i === null ? undefined : phases[i];
    to = i === null ? undefined : phases[i + 1];
    if (status === 'paused') reasons.push({ kind: 'status', gate: 'leave', phase: from?.key ?? null, status: 'fail', detail: 'the rollout is paused: resume it before promoting' });
  } else {
    return { ready: false, action: null, from: null, to: null, reasons: [{ kind: 'status', gate: 'leave', phase: null, status: 'fail', detail: `the rollout is ${status.replace('_', ' ')}: there is no next step` }] };
  }

  if (from) {
    const d = durationReason(from, input.phaseEnteredAt, now);
    if (d) reasons.push(d);
    for (const c of input.criteria ?? []) reasons.push({ ...c, gate: 'leave', phase: from.key });
  }
  if (to) {
    const c = checklistReason(to, input.checklist[to.key]);
    if (c) reasons.push(c);
    const s = signoffReason(to, input.signoffs[to.key], input.actorUserId ?? null);
    if (s) reasons.push(s);
  }
  return { ready: reasons.every((r) => r.status === 'pass'), action, from: ref(from), to: ref(to), reasons };
}

/**
 * What an approval of a gate approves: the phase's checklist, sign-off rule and flag values (and
 * its evidence criteria once plans carry them). A plan edit that changes any of it changes this
 * string, and approvals given on the old one no longer count.
 */
export function gateFingerprint(phase: { key: string; checklist?: unknown; signoffs?: unknown; flags?: unknown; criteria?: unknown }): string {
  return stableStringify({ key: phase.key, checklist: phase.checklist ?? [], signoffs: phase.signoffs ?? null, flags: phase.flags ?? {}, criteria: phase.criteria ?? [] });
}

export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}
