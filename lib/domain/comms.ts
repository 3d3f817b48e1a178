// Phase communications (issue 9), pure: the variables a comms template may use, the check that a
// template uses only those (a plan error by path otherwise), rendering, and when a message is
// due. Services build the variables from the records (commsVariables) and store the rendered
// message with its deliveries in the transition's transaction; the worker sends them.
//
// When a phase's messages are due, relative to the transition INTO that phase:
//   before, no offset  -> at the transition (the announcement that the phase starts)
//   after,  no offset  -> at the transition, after the `before` ones
//   before, offset 7d  -> 7 days before the phase's planned start — scheduled when the previous
//                         phase is entered (planned start = that entry + its minDuration); if
//                         that moment has passed already, at once (seed 003's D-7)
//   after,  offset 30d -> 30 days after the phase is entered (seed 003's D+30)
// A scheduled message whose phase is no longer where it was expected when it falls due (rolled
// back, aborted, moved on) is skipped, with the reason in its delivery log.

export const COMMS_VARIABLES = {
  'rollout.name': 'the rollout\'s name',
  'rollout.key': 'the rollout\'s key',
  'rollout.owner': 'the rollout\'s owner',
  'rollout.eta': 'forecast end of the rollout (from the plan and the current state)',
  'phase.name': 'the phase\'s name',
  'phase.key': 'the phase\'s key',
  'phase.number': 'the phase\'s position, 1-based',
  'phase.count': 'how many phases the plan has',
  'previousPhase.name': 'the phase before this one ("—" for the first)',
  'nextPhase.name': 'the phase after this one ("—" for the last)',
  eta: 'earliest moment the next step is due: phase start + its minimum duration',
  actor: 'who made the transition (a person, a token, or "Switchyard" for a red flag)',
  action: 'the transition: start, promote, rollback, …',
  'readiness.ready': '"ready" or "not ready" — the gate the transition passed',
  'readiness.summary': 'that gate\'s reasons with their numbers, "; "-separated',
  'readiness.passing': 'how many of its reasons pass',
  'readiness.total': 'how many reasons it has',
  'signoffs.approved': 'approvals counted on the phase\'s sign-off gate',
  'signoffs.required': 'approvals it requires',
  'signoffs.names': 'who approved, "name (role)", comma-separated',
} as const;
export type CommsVariable = keyof typeof COMMS_VARIABLES;
export const COMMS_VARIABLE_NAMES = Object.keys(COMMS_VARIABLES) as CommsVariable[];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Problems of a template (unknown or empty variables, unclosed braces), each a message. */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  const known = new Set<string>(COMMS_VARIABLE_NAMES);
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (!name) problems.push('empty variable {{}}');
    else if (!known.has(name)) problems.push(`unknown variable {{${name}}} (known: ${COMMS_VARIABLE_NAMES.map((n) => `{{${n}}}`).join(', ')})`);
  }
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{')) problems.push('"{{" without a matching "}}"');
  return [...new Set(problems)];
}

/** The template with every {{variable}} replaced; an unknown one (plans are checked) stays as written. */
export function renderTemplate(template: string, vars: Partial<Record<CommsVariable, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const v = vars[name as CommsVariable];
    return v === undefined ? whole : v;
  });
}

/** A date as comms show it: "2026-12-03 14:00 UTC". */
export function formatCommsDate(d: Date | null | undefined): string {
  if (!d || Number.isNaN(d.getTime())) return 'not scheduled';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface CommsReason {
  status: 'pass' | 'fail' | 'inconclusive';
  detail: string;
}

export interface CommsContext {
  rollout: { key: string; name: string; owner: string };
  phases: Array<{ key: string; name: string; minDurationSeconds: number | null }>;
  /** index of the phase the message is about */
  phaseIndex: number;
  /** when that phase was (or is planned to be) entered */
  enteredAt: Date | null;
  /** forecast end of the rollout (lib/domain/timeline.ts) */
  rolloutEta?: Date | null;
  actor?: string;
  action?: string;
  /** the gate the transition passed (or the phase's current readiness, for a preview) */
  readiness?: { ready: boolean; reasons: CommsReason[] } | null;
  signoffs?: { approved: number; required: number; names: string[] } | null;
}

/** Every variable's value for one message. */
export function commsVariables(c: CommsContext): Record<CommsVariable, string> {
  const phase = c.phases[c.phaseIndex];
  const prev = c.phases[c.phaseIndex - 1];
  const next = c.phases[c.phaseIndex + 1];
  const min = phase?.minDurationSeconds ?? 0;
  const eta = c.enteredAt ? new Date(c.enteredAt.getTime() + min * 1000) : null;
  const reasons = c.readiness?.reasons ?? [];
  return {
    'rollout.name': c.rollout.name,
    'rollout.key': c.rollout.key,
    'rollout.owner': c.rollout.owner || '—',
    'rollout.eta': formatCommsDate(c.rolloutEta ?? null),
    'phase.name': phase?.name ?? '—',
    'phase.key': phase?.key ?? '—',
    'phase.number': String(c.phaseIndex + 1),
    'phase.count': String(c.phases.length),
    'previousPhase.name': prev?.name ?? '—',
    'nextPhase.name': next?.name ?? '—',
    eta: formatCommsDate(eta),
    actor: c.actor ?? '—',
    action: c.action ?? '—',
    'readiness.ready': c.readiness ? (c.readiness.ready ? 'ready' : 'not ready') : '—',
    'readiness.summary': reasons.length ? reasons.map((r) => r.detail).join('; ') : 'no criteria',
    'readiness.passing': String(reasons.filter((r) => r.status === 'pass').length),
    'readiness.total': String(reasons.length),
    'signoffs.approved': String(c.signoffs?.approved ?? 0),
    'signoffs.required': String(c.signoffs?.required ?? 0),
    'signoffs.names': c.signoffs?.names.length ? c.signoffs.names.join(', ') : 'nobody',
  };
}

/**
 * The gate numbers a message carries ({{readiness.*}}, {{signoffs.*}}), from the readiness the
 * step into `phaseKey` is judged on: its reasons with their details, and that phase's sign-off
 * reason (approvals, required, who counts). The same for the message a transition sends and for
 * the preview of the step that is next.
 */
export function commsGate(
  readiness: { ready: boolean; reasons: Array<{ kind: string; phase: string | null; status: CommsReason['status']; detail: string; [extra: string]: unknown }> },
  phaseKey: string,
): Pick<CommsContext, 'readiness' | 'signoffs'> {
  const s = readiness.reasons.find((x) => x.kind === 'signoff' && x.phase === phaseKey) as
    | { approvals?: number; required?: number; signoffs?: { user: string; role: string; counts: boolean }[] }
    | undefined;
  return {
    readiness: { ready: readiness.ready, reasons: readiness.reasons.map((x) => ({ status: x.status, detail: x.detail })) },
    signoffs: s ? { approved: s.approvals ?? 0, required: s.required ?? 0, names: (s.signoffs ?? []).filter((x) => x.counts).map((x) => `${x.user} (${x.role})`) } : null,
  };
}

/** When a template falls due, in words: "7d before Beta's planned start", "at the transition into Beta". */
export function describeDue(t: { when: 'before' | 'after'; offset?: string | null; offsetSeconds: number | null }, phaseName: string): string {
  if (t.offsetSeconds) return t.when === 'after' ? `${t.offset} after ${phaseName} is entered` : `${t.offset} before ${phaseName}'s planned start`;
  return t.when === 'before' ? `at the transition into ${phaseName}` : `at the transition into ${phaseName}, after the "before" messages`;
}

export interface CommsTemplate {
  audience: string;
  when: 'before' | 'after';
  template: string;
  /** seconds (a parsed `offset`), or null */
  offsetSeconds: number | null;
}

/**
 * When a message of phase `phaseIndex` falls due.
 * - `enteringAt`: the transition INTO that phase (for messages without an offset and `after`
 *   offsets);
 * - `plannedStart`: for a `before` offset, the phase's planned start as seen when the previous
 *   phase was entered. Returns null for a `before` offset without a planned start.
 * Never earlier than `now`.
 */
export function dueAt(t: Pick<CommsTemplate, 'when' | 'offsetSeconds'>, at: { now: Date; enteredAt?: Date | null; plannedStart?: Date | null }): Date | null {
  const off = t.offsetSeconds ?? 0;
  let due: Date | null;
  if (!off) due = at.enteredAt ?? at.now;
  else if (t.when === 'after') due = at.enteredAt ? new Date(at.enteredAt.getTime() + off * 1000) : null;
  else due = at.plannedStart ? new Date(at.plannedStart.getTime() - off * 1000) : null;
  if (!due) return null;
  return due.getTime() < at.now.getTime() ? at.now : due;
}

export const MESSAGE_KINDS = ['comms', 'transition', 'red_flag'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/**
 * Why a SCHEDULED message (one due later than the transition that produced it) is no longer to
 * be sent when it falls due, or null to send it: it was produced in one phase entry (`expected`,
 * from its audit row) and the rollout must still be in that very entry — same phase, entered at
 * the same moment, neither finished nor rolled back nor aborted. A message due at its
 * transition is always sent: that transition did happen.
 */
export function staleScheduledMessage(
  expected: { phaseKey: string | null; enteredAt: Date },
  current: { status: string; phaseKey: string | null; phaseEnteredAt: Date | null },
): string | null {
  const where = (k: string | null) => (k ? `phase "${k}"` : 'no phase');
  if (['completed', 'rolled_back', 'aborted'].includes(current.status)) {
    return `the rollout is ${current.status.replace('_', ' ')} (the message was scheduled in ${where(expected.phaseKey)})`;
  }
  if (current.phaseKey !== expected.phaseKey) return `the rollout moved on: it is in ${where(current.phaseKey)}, the message was scheduled in ${where(expected.phaseKey)}`;
  if (current.phaseEnteredAt?.getTime() !== expected.enteredAt.getTime()) {
    return `the rollout left ${where(expected.phaseKey)} and entered it again at ${formatCommsDate(current.phaseEnteredAt)}; the message belonged to the entry at ${formatCommsDate(expected.enteredAt)}`;
  }
  return null;
}

/** Does a webhook with these subscriptions receive a message of this kind and audience? (empty = all) */
export function webhookReceives(hook: { audiences: string[]; events: string[] }, message: { kind: string; audience: string | null }): boolean {
  if (hook.events.length && !hook.events.includes(message.kind)) return false;
  // audiences are a comms notion; transition and red-flag messages have none
  if (message.audience !== null && hook.audiences.length && !hook.audiences.includes(message.audience)) return false;
  return true;
}
