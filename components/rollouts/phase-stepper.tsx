'use client';
import type { PhaseView } from '@/lib/queries/rollouts';

/** Baseline, then each phase in order; done / current / pending. Selecting one shows its details. */
export function PhaseStepper({
  phases,
  atBaseline,
  selected,
  onSelect,
}: {
  phases: PhaseView[];
  atBaseline: boolean;
  selected: number | null;
  onSelect: (index: number) => void;
}) {
  return (
    <ol className="flex flex-wrap items-stretch gap-2" aria-label="Phases">
      <li className={`flex items-center gap-2 rounded-md px-3 py-2 text-sm ring-1 ${atBaseline ? 'bg-slate-800 text-white ring-slate-800' : 'bg-white text-slate-600 ring-slate-200'}`} aria-current={atBaseline ? 'step' : undefined}>
        <span className="grid h-5 w-5 place-items-center rounded-full bg-slate-200 text-[10px] font-bold text-slate-700">0</span>
        Baseline
      </li>
      {phases.map((p) => {
        const tone =
          p.status === 'current'
            ? 'bg-indigo-600 text-white ring-indigo-600'
            : p.status === 'done'
              ? 'bg-emerald-50 text-emerald-800 ring-emerald-200'
              : 'bg-white text-slate-600 ring-slate-200';
        const dot = p.status === 'current' ? 'bg-white text-indigo-700' : p.status === 'done' ? 'bg-emerald-600 text-white' : 'bg-slate-200 text-slate-600';
        return (
          <li key={p.key} className="flex">
            <button
              type="button"
              onClick={() => onSelect(p.index)}
              aria-current={p.status === 'current' ? 'step' : undefined}
              aria-pressed={selected === p.index}
              data-testid={`phase-${p.key}`}
              data-status={p.status}
              className={`flex items-center gap-2 rounded-md px-3 py-2 text-left text-sm ring-1 transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 ${tone} ${selected === p.index ? 'ring-2 ring-offset-1' : ''}`}
            >
              <span className={`grid h-5 w-5 shrink-0 place-items-center rounded-full text-[10px] font-bold ${dot}`}>{p.status === 'done' ? '✓' : p.index + 1}</span>
              <span>
                <span className="block font-medium leading-tight">{p.name}</span>
                <span className="block text-xs opacity-80">
                  {p.minDurationSeconds ? `min ${p.minDuration}` : 'no minimum'}
                  {p.environments.length ? ` · ${p.environments.join(', ')}` : ''}
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}
