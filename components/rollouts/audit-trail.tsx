import type { AuditEntry } from '@/lib/queries/rollouts';
import type { Reason, Readiness } from '@/lib/domain/readiness';
import { Badge } from '@/components/ui/badge';
import { ReasonList } from './readiness-panel';
import { TimeAgo } from '@/components/ui/time-ago';
import { ACTION_PAST, describeValue, sameValue } from '@/lib/format';

type EnvFlags = Record<string, Record<string, unknown>>;

/** Flag changes of one event, merged across environments when they changed alike. */
export function flagChanges(before: unknown, after: unknown): { flag: string; from: unknown; to: unknown; envs: string[] }[] {
  const b = (before ?? {}) as EnvFlags;
  const a = (after ?? {}) as EnvFlags;
  const out: { flag: string; from: unknown; to: unknown; envs: string[] }[] = [];
  for (const env of Object.keys(a).sort()) {
    for (const [flag, to] of Object.entries(a[env] ?? {})) {
      const from = b[env]?.[flag];
      if (sameValue(from, to)) continue;
      const same = out.find((c) => c.flag === flag && sameValue(c.from, from) && sameValue(c.to, to));
      if (same) same.envs.push(env);
      else out.push({ flag, from, to, envs: [env] });
    }
  }
  return out;
}

interface GovernanceDetails {
  phase?: string;
  item?: string;
  text?: string;
  role?: string;
  userName?: string;
  evidence?: string | null;
  override?: boolean;
  overriddenReasons?: Reason[];
  readiness?: Readiness;
  withdrawn?: { decision: string };
  // a red flag's trip (lib/services/trip-red-flag.ts): the flag and the evaluations that tripped it
  redFlag?: { key: string; phase: string; severity: 'warning' | 'critical'; action: 'notify' | 'pause' | 'rollback'; after: number };
  evaluations?: { at: string; status: string; value: number | null; n: number; detail: string }[];
  // a plan edit (lib/services/edit-plan.ts): what it voided
  invalidatedSignoffs?: { id: string; phase: string; role: string; userName: string; decision: string; reason: string }[];
  resetTicks?: { phase: string; item: string; text: string | null; by: string; reason: string }[];
}

const RED_FLAG_EFFECT: Record<string, string> = {
  notify: 'raised a red flag',
  pause: 'paused on a red flag',
  rollback: 'rolled back on a red flag',
};

const GOVERNANCE_PAST: Record<string, string> = {
  'checklist.tick': 'ticked',
  'checklist.untick': 'unticked',
  'signoff.approve': 'approved',
  'signoff.reject': 'rejected',
  'signoff.withdraw': 'withdrew a sign-off',
};

/** "ticked “Runbook reviewed” (beta)", "approved entering beta as Technical Lead" */
function governanceLine(action: string, d: GovernanceDetails): string | null {
  if (action.startsWith('checklist.')) return `${GOVERNANCE_PAST[action]} “${d.text ?? d.item}” (entering ${d.phase})`;
  if (action === 'signoff.withdraw') return `withdrew their ${d.withdrawn?.decision === 'reject' ? 'rejection' : 'approval'} of entering ${d.phase} as ${d.role}`;
  if (action.startsWith('signoff.')) return `${GOVERNANCE_PAST[action]} entering ${d.phase} as ${d.role}`;
  return null;
}

const text = (v: unknown) => (v === undefined || v === null ? '∅' : describeValue(v).summary);

export function AuditTrail({ events, environments }: { events: AuditEntry[]; environments: string[] }) {
  if (!events.length) return <p className="text-sm text-slate-600">Nothing recorded yet.</p>;
  return (
    <ol className="space-y-4" data-testid="audit-trail">
      {events.map((e) => {
        const changes = flagChanges(e.flagsBefore, e.flagsAfter);
        const d = (e.details ?? {}) as GovernanceDetails;
        const gov = d.redFlag ? RED_FLAG_EFFECT[d.redFlag.action] : governanceLine(e.action, d);
        return (
          <li key={e.id} className="relative border-l-2 border-slate-200 pl-4" data-testid="audit-entry" data-action={e.action}>
            <div className="flex flex-wrap items-baseline gap-x-2 text-sm">
              <span className="font-medium text-slate-900">{e.actor.name}</span>
              <span className="text-slate-700">{gov ?? ACTION_PAST[e.action] ?? e.action}</span>
              {d.redFlag && (
                <Badge tone={d.redFlag.severity === 'critical' ? 'red' : 'amber'} data-testid="red-flag-badge">
                  <span aria-hidden="true">⚑&nbsp;</span>
                  {d.redFlag.severity} red flag · {d.redFlag.action}
                </Badge>
              )}
              {d.override && (
                <Badge tone="red" className="font-bold tracking-wide" data-testid="override-badge">
                  <span aria-hidden="true">⚠&nbsp;</span>OVERRIDE
                </Badge>
              )}
              {e.from.phase !== e.to.phase || e.action === 'start' ? (
                <span className="text-slate-600">
                  {e.from.phase ?? (e.action === 'create' ? '' : 'baseline')} → {e.to.phase ?? 'baseline'}
                </span>
              ) : null}
              {e.from.status && e.to.status && e.from.status !== e.to.status && (
                <span className="text-xs text-slate-600">
                  ({e.from.status.replace('_', ' ')} → {e.to.status.replace('_', ' ')})
                </span>
              )}
              <span className="ml-auto text-xs text-slate-600">
                <TimeAgo at={e.at} />
                {/* checklist and sign-off events do not change the rollout's version */}
                {e.to.version !== null && <> · v{e.to.version}</>}
              </span>
            </div>
            {e.reason && <p className="mt-1 text-sm text-slate-700">{e.action.startsWith('checklist.') ? 'Evidence: ' : ''}“{e.reason}”</p>}
            {d.override && d.overriddenReasons && (
              <div className="mt-1.5 rounded-md bg-red-50 p-2 ring-1 ring-red-200" data-testid="overridden-reasons">
                <div className="text-xs font-semibold text-red-900">The gate was not ready; overridden:</div>
                <ReasonList reasons={d.overriddenReasons} testId="overridden-reason-list" />
              </div>
            )}
            {d.redFlag && d.evaluations && d.evaluations.length > 0 && (
              <details className="mt-1.5 text-sm" data-testid="red-flag-evidence">
                <summary className="cursor-pointer text-xs text-slate-600">
                  Evidence that tripped it: {d.evaluations.length} failing {d.evaluations.length === 1 ? 'evaluation' : 'evaluations'} in a row (after {d.redFlag.after})
                </summary>
                <ol className="mt-1.5 space-y-0.5">
                  {d.evaluations.map((ev) => (
                    <li key={ev.at} className="font-mono text-xs text-slate-700">
                      {ev.at.slice(0, 19).replace('T', ' ')} UTC · {ev.status} · {ev.detail}
                    </li>
                  ))}
                </ol>
              </details>
            )}
            {e.action === 'plan.edit' && ((d.invalidatedSignoffs?.length ?? 0) > 0 || (d.resetTicks?.length ?? 0) > 0) && (
              <ul className="mt-1.5 space-y-0.5 text-xs text-slate-700" data-testid="plan-edit-voided">
                {d.invalidatedSignoffs?.map((x) => (
                  <li key={x.id}>
                    Voided {x.userName}’s {x.decision === 'reject' ? 'rejection' : 'approval'} of entering {x.phase} as {x.role}: {x.reason}
                  </li>
                ))}
                {d.resetTicks?.map((x) => (
                  <li key={`${x.phase}-${x.item}`}>
                    Unticked “{x.text ?? x.item}” (entering {x.phase}, ticked by {x.by}): {x.reason}
                  </li>
                ))}
              </ul>
            )}
            {d.readiness && (
              <details className="mt-1.5 text-sm" data-testid="frozen-readiness">
                <summary className="cursor-pointer text-xs text-slate-600">
                  Readiness at that moment: {d.readiness.ready ? 'ready' : 'not ready'} ({d.readiness.reasons.length} {d.readiness.reasons.length === 1 ? 'guard' : 'guards'})
                </summary>
                <div className="mt-1.5">
                  <ReasonList reasons={d.readiness.reasons} testId="frozen-reasons" />
                </div>
              </details>
            )}
            {changes.length > 0 && (
              <ul className="mt-1.5 space-y-0.5">
                {changes.map((c) => (
                  <li key={`${c.flag}-${c.envs.join()}`} className="font-mono text-xs text-slate-600">
                    {c.flag}: {text(c.from)} → <span className="font-semibold text-slate-900">{text(c.to)}</span>
                    <span className="font-sans text-slate-600"> · {c.envs.length === environments.length ? 'all environments' : c.envs.join(', ')}</span>
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}
