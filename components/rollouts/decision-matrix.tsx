// The current phase's decision matrix (the plan's `decisions`): what to do about each issue seen
// in this phase. Shown next to the Roll back button, and in the rollback dialog, so whoever is
// about to roll back reads the plan's answer first.
import type { PhaseView } from '@/lib/queries/rollouts';

export function DecisionMatrix({ phase, className = '' }: { phase: Pick<PhaseView, 'key' | 'name' | 'decisions'>; className?: string }) {
  if (!phase.decisions.length) return null;
  return (
    <div className={`rounded-md bg-amber-50 ring-1 ring-amber-200 ${className}`} data-testid="decision-matrix" data-phase={phase.key}>
      <table className="w-full border-collapse text-left text-xs">
        <caption className="px-3 pt-2 pb-1 text-left text-xs font-semibold text-slate-900">Decision matrix: if this happens in {phase.name}</caption>
        <thead>
          <tr className="border-b border-amber-200 text-slate-700">
            <th scope="col" className="px-3 py-1 font-medium">
              Issue
            </th>
            <th scope="col" className="px-3 py-1 font-medium">
              Action
            </th>
          </tr>
        </thead>
        <tbody>
          {phase.decisions.map((d, i) => (
            <tr key={i} className="border-b border-amber-100 align-top last:border-0" data-testid="decision-row">
              <th scope="row" className="px-3 py-1 font-normal text-slate-900">
                {d.issue}
              </th>
              <td className="px-3 py-1 text-slate-900">
                <span className="font-semibold">{d.action}</span>
                {d.note && <span className="mt-0.5 block text-slate-700">{d.note}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
