/** "phase i of n" with a bar; completed rollouts show a full bar. */
export function PhaseProgress({ index, count, status }: { index: number | null; count: number; status: string }) {
  const done = status === 'completed' ? count : index === null ? 0 : index + 1;
  const pct = count ? Math.round((done / count) * 100) : 0;
  const bar = status === 'rolled_back' || status === 'aborted' ? 'bg-slate-300' : status === 'paused' ? 'bg-amber-400' : status === 'completed' ? 'bg-emerald-500' : 'bg-indigo-500';
  const label = status === 'completed' ? `all ${count} phases done` : index === null ? `0 of ${count} phases` : `phase ${index + 1} of ${count}`;
  return (
    <div className="min-w-32">
      <div className="text-xs text-slate-600">{label}</div>
      <div className="mt-1 h-1.5 w-full rounded-full bg-slate-200" role="progressbar" aria-label="Phases done" aria-valuetext={label} aria-valuemin={0} aria-valuemax={count} aria-valuenow={done}>
        <div className={`h-1.5 rounded-full ${bar}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
