// The readiness report of a rollout, as Markdown. Generated only from records (the audit trail,
// the checklist state, the sign-offs, readiness computed from them), so it can never say
// "approved" without the approvals behind it. Pure: lib/queries/report.ts loads the model.
import type { Readiness, Reason } from './readiness';
import type { Timeline } from './timeline';
import { formatSeconds } from './readiness';

export interface ReportSignoff {
  role: string;
  user: string;
  decision: 'approve' | 'reject';
  comment: string;
  at: string;
  state: 'standing' | 'withdrawn' | 'invalidated';
  note?: string | null;
}

export interface ReportGate {
  phase: { key: string; name: string };
  checklist: { key: string; text: string; required: boolean; owner: string | null; checked: boolean; by: string | null; at: string | null; evidence: string | null }[];
  signoffRule: { roles: string[]; required: number; allowSelfApproval: boolean } | null;
  signoffs: ReportSignoff[];
  /** the gate's sign-off and checklist reasons as readiness computes them now */
  reasons: Reason[];
  decisions: { issue: string; action: string; note?: string }[];
}

export interface ReportOverride {
  at: string;
  actor: string;
  action: string;
  reason: string;
  overridden: { kind: string; detail: string }[];
}

export interface ReportModel {
  generatedAt: string;
  rollout: { key: string; name: string; description: string; owner: string; status: string; version: number; currentPhase: string | null };
  readiness: Readiness;
  timeline: Timeline;
  gates: ReportGate[];
  overrides: ReportOverride[];
}

const date = (d: Date | string | null) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const mark = (status: string) => (status === 'pass' ? '✅ pass' : status === 'fail' ? '❌ fail' : '⏳ inconclusive');

export function gateVerdict(g: ReportGate): string {
  const s = g.reasons.find((r) => r.kind === 'signoff');
  if (!s) return g.signoffRule ? 'not evaluated' : 'no sign-off required';
  if (s.status === 'pass') return `APPROVED — ${s.detail}`;
  if (g.signoffs.some((x) => x.state === 'standing' && x.decision === 'reject')) return `REJECTED — ${s.detail}`;
  return `PENDING — ${s.detail}`;
}

export function renderReportMarkdown(m: ReportModel): string {
  const L: string[] = [];
  const r = m.rollout;
  L.push(`# Readiness report — ${r.name}`, '');
  L.push(`Rollout \`${r.key}\` · status **${r.status.replace('_', ' ')}** · version ${r.version}${r.owner ? ` · owner ${r.owner}` : ''}`);
  L.push(`Generated ${date(m.generatedAt)} from Switchyard's records (audit trail, checklists, sign-offs).`, '');
  if (r.description) L.push(r.description, '');

  L.push('## Next step', '');
  const rd = m.readiness;
  if (!rd.action) L.push('There is no next step.', '');
  else {
    const to = rd.to ? `enter **${rd.to.name}**` : 'complete the rollout';
    L.push(`${rd.action === 'start' ? 'Start' : 'Promote'}: ${to} — **${rd.ready ? 'READY' : 'NOT READY'}**`, '');
    L.push('| guard | status | detail |', '|---|---|---|');
    for (const x of rd.reasons) L.push(`| ${x.kind} (${x.gate === 'leave' ? 'leaving' : 'entering'} ${x.phase ?? '—'}) | ${mark(x.status)} | ${cell(x.detail)} |`);
    L.push('');
  }

  L.push('## Phases: planned vs actual', '');
  L.push(`Started ${date(m.timeline.startedAt)} · forecast end ${date(m.timeline.forecastEnd)}${m.timeline.completedAt ? ` · completed ${date(m.timeline.completedAt)}` : ''}`, '');
  L.push('| phase | status | planned start | planned end | actual start | actual end | time in phase |', '|---|---|---|---|---|---|---|');
  for (const p of m.timeline.phases) {
    L.push(`| ${cell(p.name)} | ${p.status} | ${date(p.plannedStart)} | ${date(p.plannedEnd)} | ${date(p.actualStart)} | ${date(p.actualEnd)} | ${p.actualSeconds ? formatSeconds(p.actualSeconds) : '—'} |`);
  }
  L.push('');

  const gated = m.gates.filter((g) => g.checklist.length || g.signoffRule || g.decisions.length);
  if (gated.length) {
    L.push('## Gates', '');
    for (const g of gated) {
      L.push(`### Entering ${g.phase.name}`, '');
      if (g.checklist.length) {
        L.push('**Checklist**', '');
        for (const c of g.checklist) {
          const who = c.checked ? ` — ticked by ${c.by} on ${date(c.at)}${c.evidence ? ` (evidence: ${c.evidence})` : ''}` : '';
          L.push(`- [${c.checked ? 'x' : ' '}] ${c.text}${c.owner ? ` (${c.owner})` : ''}${c.required ? '' : ' _(optional)_'}${who}`);
        }
        L.push('');
      }
      if (g.signoffRule) {
        L.push(`**Sign-off** — ${g.signoffRule.required} approval${g.signoffRule.required === 1 ? '' : 's'} from distinct people holding ${g.signoffRule.roles.join(', ')}${g.signoffRule.allowSelfApproval ? ' (self-approval allowed)' : ' (four eyes: the promoter’s own approval does not count)'}`, '');
        L.push(`Verdict: **${gateVerdict(g)}**`, '');
        L.push('| role | name | decision | date | comment |', '|---|---|---|---|---|');
        for (const role of g.signoffRule.roles) {
          const rows = g.signoffs.filter((s) => s.role === role && s.state === 'standing');
          if (!rows.length) L.push(`| ${cell(role)} | — | — | — | |`);
          for (const s of rows) L.push(`| ${cell(role)} | ${cell(s.user)} | ${s.decision === 'approve' ? 'Approved' : 'Rejected'} | ${date(s.at)} | ${cell(s.comment)} |`);
        }
        const history = g.signoffs.filter((s) => s.state !== 'standing');
        if (history.length) {
          L.push('', '_No longer standing:_', '');
          for (const s of history) L.push(`- ${s.user} (${s.role}): ${s.decision === 'approve' ? 'approved' : 'rejected'} ${date(s.at)} — ${s.state}${s.note ? ` (${s.note})` : ''}`);
        }
        L.push('');
      }
      if (g.decisions.length) {
        L.push('**If … in this phase**', '', '| issue | action |', '|---|---|');
        for (const d of g.decisions) L.push(`| ${cell(d.issue)} | ${cell(d.action)}${d.note ? ` — ${cell(d.note)}` : ''} |`);
        L.push('');
      }
    }
  }

  L.push('## Overrides', '');
  if (!m.overrides.length) L.push('None: every step was taken with its gate ready.', '');
  else {
    for (const o of m.overrides) {
      L.push(`- ⚠️ **OVERRIDE** ${o.action} by ${o.actor} on ${date(o.at)} — “${o.reason}”. Not ready at the time: ${o.overridden.map((x) => `${x.kind}: ${x.detail}`).join('; ') || '—'}`);
    }
    L.push('');
  }

  const open = rd.reasons.filter((x) => x.status !== 'pass');
  L.push('## Open items', '');
  if (!open.length) L.push(rd.action ? 'None.' : 'None: the rollout has no next step.', '');
  else for (const x of open) L.push(`- ${x.kind}: ${x.detail}`);
  L.push('');
  return L.join('\n');
}
