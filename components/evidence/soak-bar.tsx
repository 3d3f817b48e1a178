'use client';
// A criterion's soak (`for`): how long it has held of how long it must, as a progress bar with
// an accessible name and the time left in words.
import { formatSeconds } from '@/lib/domain/readiness';

export function SoakBar({ name, heldSeconds, requiredSeconds, leftSeconds, passing }: { name: string; heldSeconds: number; requiredSeconds: number; leftSeconds: number; passing: boolean }) {
  const pct = requiredSeconds > 0 ? Math.min(100, Math.round((heldSeconds / requiredSeconds) * 100)) : 100;
  const text = `held ${formatSeconds(heldSeconds)} of ${formatSeconds(requiredSeconds)}${leftSeconds > 0 ? `, ${formatSeconds(leftSeconds)} left` : ', soak complete'}`;
  return (
    <div className="text-xs text-slate-600">
      <div
        role="progressbar"
        aria-label={`Soak: ${name}`}
        aria-valuemin={0}
        aria-valuemax={requiredSeconds}
        aria-valuenow={Math.min(heldSeconds, requiredSeconds)}
        aria-valuetext={text}
        className="h-2 rounded-full bg-slate-200"
        data-testid="soak-bar"
      >
        <div className={`h-2 rounded-full ${passing ? 'bg-emerald-600' : 'bg-indigo-600'}`} style={{ width: `${pct}%` }} />
      </div>
      <p className="mt-1">{text}</p>
    </div>
  );
}
