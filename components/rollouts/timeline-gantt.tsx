'use client';
// Planned vs actual for every phase on one time axis (issue 9, "Timeline"): per phase a dashed
// planned bar (minimum durations chained from the start) over a solid actual bar (from the
// audit), today marked, the forecast end shown. The drawing is for sighted users; the same facts
// are in a table for screen readers, and nothing is told by colour alone (bars differ by outline
// and fill, and every mark carries its words).
import { useQuery } from '@tanstack/react-query';
import { formatElapsed } from '@/lib/format';
import type { TimelinePhaseView, TimelineView } from '@/lib/queries/timeline';
import { fetchTimeline, POLL_MS, rolloutKeys } from './api';

const day = (iso: string) => iso.slice(0, 10);
const when = (iso: string | null, short: boolean) => (iso ? (short ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : day(iso)) : '—');

function span(t: TimelineView) {
  const now = new Date(t.generatedAt).getTime();
  const times = [now];
  for (const p of t.phases) for (const v of [p.plannedStart, p.plannedEnd, p.actualStart, p.actualEnd]) if (v) times.push(new Date(v).getTime());
  if (t.forecastEnd) times.push(new Date(t.forecastEnd).getTime());
  const lo = Math.min(...times);
  const hi = Math.max(...times, lo + 60_000);
  return { lo, hi, now };
}

function actualEndOf(p: TimelinePhaseView, t: TimelineView): string | null {
  return p.status === 'current' ? t.generatedAt : p.actualEnd;
}

export function TimelineGantt({ rolloutKey }: { rolloutKey: string }) {
  const { data: t, error } = useQuery({ queryKey: rolloutKeys.timeline(rolloutKey), queryFn: () => fetchTimeline(rolloutKey), refetchInterval: POLL_MS });
  if (error) return <p className="text-sm text-red-800">The timeline could not be loaded: {error.message}</p>;
  if (!t) return <p className="text-sm text-slate-600">Loading the timeline…</p>;
  const { lo, hi, now } = span(t);
  const short = hi - lo < 3 * 86_400_000;
  const pct = (iso: string | number) => ((new Date(iso).getTime() - lo) / (hi - lo)) * 100;
  const bar = (from: string, to: string) => ({ left: `${pct(from)}%`, width: `max(${pct(to) - pct(from)}%, 3px)` });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => new Date(lo + f * (hi - lo)).toISOString());
  const todayPct = pct(now);
  const forecastPct = t.forecastEnd ? pct(t.forecastEnd) : null;

  return (
    <div className="space-y-3" data-testid="timeline" data-planned-from={t.plannedFrom}>
      <p className="text-sm text-slate-700">
        {t.startedAt ? <>Started {when(t.startedAt, short)}</> : <>Not started: the plan is projected from now</>}
        {' · '}
        {t.completedAt ? (
          <>completed {when(t.completedAt, short)}</>
        ) : (
          <span data-testid="forecast-end">
            forecast end <span className="font-semibold text-slate-900">{when(t.forecastEnd, short)}</span>
            {t.forecastEnd && <> (in {formatElapsed(new Date(t.forecastEnd).getTime() - now)}, if every remaining phase takes its planned minimum)</>}
          </span>
        )}
      </p>

      <div aria-hidden="true" className="text-xs text-slate-700">
        <div className="mb-2 flex flex-wrap gap-4">
          <span className="flex items-center gap-1.5">
            <span className="inline-block h-2.5 w-6 rounded-sm border-2 border-dashed border-indigo-700 bg-indigo-50" /> Planned (minimum)
          </span>
          <span className="flex items-center gap-1.5">
            <span className="inline-block h-2.5 w-6 rounded-sm bg-slate-700" /> Actual
          </span>
          <span className="flex items-center gap-1.5">
            <span className="inline-block h-3 w-0 border-l-2 border-red-700" /> Today
          </span>
          {forecastPct !== null && (
            <span className="flex items-center gap-1.5">
              <span className="inline-block h-3 w-0 border-l-2 border-dotted border-emerald-800" /> Forecast end
            </span>
          )}
        </div>
        <div className="grid grid-cols-[11rem_1fr] gap-x-3">
          <div />
          <div className="relative h-5 border-b border-slate-300">
            {ticks.map((x, i) => (
              <span key={i} className={`absolute top-0 whitespace-nowrap text-slate-600 ${i === 0 ? '' : i === ticks.length - 1 ? '-translate-x-full' : '-translate-x-1/2'}`} style={{ left: `${i * 25}%` }}>
                {when(x, short)}
              </span>
            ))}
          </div>
          {t.phases.map((p) => {
            const aEnd = actualEndOf(p, t);
            return (
              <div key={p.key} className="contents" data-testid={`timeline-row-${p.key}`}>
                <div className="flex min-w-0 flex-col justify-center border-b border-slate-100 py-1.5">
                  <span className="truncate font-medium text-slate-900">{p.name}</span>
                  <span className="text-slate-600">
                    {p.status}
                    {p.actualSeconds ? ` · ${formatElapsed(p.actualSeconds * 1000)} of ${p.minDurationSeconds ? formatElapsed(p.minDurationSeconds * 1000) : 'no minimum'}` : ''}
                  </span>
                </div>
                <div className="relative h-12 border-b border-slate-100">
                  {p.plannedStart && p.plannedEnd && (
                    <div className="absolute top-2 h-3 rounded-sm border-2 border-dashed border-indigo-700 bg-indigo-50" style={bar(p.plannedStart, p.plannedEnd)} data-testid="planned-bar" />
                  )}
                  {p.actualStart && aEnd && (
                    <div className={`absolute top-7 h-3 rounded-sm bg-slate-700 ${p.status === 'current' ? 'rounded-r-none' : ''}`} style={bar(p.actualStart, aEnd)} data-testid="actual-bar" />
                  )}
                  <div className="absolute inset-y-0 border-l-2 border-red-700" style={{ left: `${todayPct}%` }} />
                  {forecastPct !== null && <div className="absolute inset-y-0 border-l-2 border-dotted border-emerald-800" style={{ left: `${forecastPct}%` }} />}
                </div>
              </div>
            );
          })}
          <div />
          <div className="relative h-5">
            <span className={`absolute top-1 whitespace-nowrap font-medium text-red-800 ${todayPct > 85 ? '-translate-x-full pr-1' : 'pl-1'}`} style={{ left: `${todayPct}%` }}>
              Today
            </span>
            {forecastPct !== null && Math.abs(forecastPct - todayPct) > 12 && (
              <span className={`absolute top-1 whitespace-nowrap font-medium text-emerald-900 ${forecastPct > 85 ? '-translate-x-full pr-1' : 'pl-1'}`} style={{ left: `${forecastPct}%` }}>
                Forecast end
              </span>
            )}
          </div>
        </div>
      </div>

      <table className="sr-only">
        <caption>Phases: planned vs actual{t.forecastEnd ? `, forecast end ${when(t.forecastEnd, true)}` : ''}</caption>
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">Status</th>
            <th scope="col">Planned</th>
            <th scope="col">Actual</th>
          </tr>
        </thead>
        <tbody>
          {t.phases.map((p) => (
            <tr key={p.key}>
              <th scope="row">{p.name}</th>
              <td>{p.status}</td>
              <td>{p.plannedStart ? `${when(p.plannedStart, true)} to ${when(p.plannedEnd, true)}` : 'not planned'}</td>
              <td>{p.actualStart ? `${when(p.actualStart, true)} to ${p.status === 'current' ? 'now' : when(p.actualEnd, true)} (${formatElapsed(p.actualSeconds * 1000)})` : 'not entered'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
