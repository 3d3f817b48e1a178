import type { RolloutDetail } from '@/lib/queries/rollouts';
import { sameValue } from '@/lib/format';
import { FlagValue } from './flag-value';
import { CardTable } from '@/components/ui/card-table';

/** Each flag: baseline, the current phase's value, the next phase's, and what each environment serves now. */
export function FlagTable({ rollout }: { rollout: RolloutDetail }) {
  const nextPhase = rollout.nextPhase;
  const phaseName = (key: string | null) => (key === null ? 'baseline' : (rollout.phases.find((p) => p.key === key)?.name ?? key));
  return (
    <CardTable columns={['Flag', 'Baseline', 'Current', `Next${nextPhase ? `: ${nextPhase.name}` : ''}`, ...rollout.environments.map((e) => `Serving in ${e}`)]} testId="flag-table" bodyClassName="align-top">
      {rollout.flags.map((f) => (
        <tr key={f.key} data-testid={`flag-row-${f.key}`}>
          <th scope="row" className="px-5 py-2.5 text-left font-normal">
            <div className="font-mono text-xs font-semibold text-slate-900">{f.key}</div>
            <div className="text-xs text-slate-600">
              {f.type}
              {f.variants.length ? `: ${f.variants.join(' | ')}` : ''}
            </div>
          </th>
          <td className="px-3 py-2.5">
            <FlagValue value={f.baseline} muted />
          </td>
          <td className="px-3 py-2.5">
            <FlagValue value={f.value} testId={`flag-current-${f.key}`} />
          </td>
          <td className="px-3 py-2.5">{nextPhase ? <FlagValue value={f.next} muted={sameValue(f.next, f.value)} /> : <span className="text-slate-600">—</span>}</td>
          {rollout.environments.map((e) => {
            const v = f.environments[e];
            return (
              <td key={e} className="px-3 py-2.5" data-testid={`flag-env-${e}-${f.key}`}>
                {v ? (
                  <>
                    <FlagValue value={v.value} />
                    <div className="mt-0.5 text-xs text-slate-600">set by {phaseName(v.phaseKey)}</div>
                  </>
                ) : (
                  <span className="text-slate-600">—</span>
                )}
              </td>
            );
          })}
        </tr>
      ))}
    </CardTable>
  );
}
