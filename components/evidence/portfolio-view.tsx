'use client';
// The portfolio for product: every active and paused rollout with its phase, readiness at a
// glance (ready, or the first failing reason), time in phase against the planned minimum and the
// last red flag. Polls the REST API.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { StatusBadge } from '@/components/rollouts/status-badge';
import { Badge } from '@/components/ui/badge';
import { timeLabel } from '@/components/charts/time';
import type { RolloutStatus } from '@/lib/domain/lifecycle';
import { formatSeconds } from '@/lib/domain/readiness';
import type { PortfolioEntry } from '@/lib/queries/dashboards';
import { DASHBOARD_POLL_MS, dashboardKeys, fetchPortfolio } from './api';

function TimeInPhase({ r }: { r: PortfolioEntry }) {
  if (r.inPhaseSeconds === null) return <span className="text-slate-600">—</span>;
  const planned = r.plannedSeconds;
  const pct = planned ? Math.min(100, Math.round((r.inPhaseSeconds / planned) * 100)) : 100;
  const text = planned ? `${formatSeconds(r.inPhaseSeconds)} of ${formatSeconds(planned)} planned` : `${formatSeconds(r.inPhaseSeconds)} (no planned minimum)`;
  return (
    <div className="min-w-40">
      <div role="progressbar" aria-label={`Time in phase: ${r.name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-valuetext={text} className="h-1.5 rounded-full bg-slate-200">
        <div className={`h-1.5 rounded-full ${pct >= 100 ? 'bg-emerald-600' : 'bg-indigo-600'}`} style={{ width: `${pct}%` }} />
      </div>
      <div className="mt-1 text-xs text-slate-600">{text}</div>
    </div>
  );
}

export function PortfolioView({ initial }: { initial: { at: string; rollouts: PortfolioEntry[] } }) {
  const { data = initial, error } = useQuery({ queryKey: dashboardKeys.portfolio, queryFn: fetchPortfolio, initialData: initial, refetchInterval: DASHBOARD_POLL_MS });
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Portfolio</h1>
        <p className="mt-1 text-sm text-slate-600">
          Every active and paused rollout: where it is, whether it may move on, and what last went wrong. Refreshes every {DASHBOARD_POLL_MS / 1000} s.
          {error ? <span className="text-red-700"> Could not refresh: {error.message}</span> : null}
        </p>
      </div>
      {data.rollouts.length === 0 ? (
        <p className="rounded-lg bg-white p-6 text-sm text-slate-600 ring-1 ring-slate-200">No rollout is active or paused.</p>
      ) : (
        <div className="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          <table className="w-full text-left text-sm" data-testid="portfolio">
            <caption className="sr-only">Active and paused rollouts</caption>
            <thead className="border-b border-slate-200 text-xs text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Rollout</th>
                <th scope="col" className="px-4 py-2 font-medium">Phase</th>
                <th scope="col" className="px-4 py-2 font-medium">Readiness</th>
                <th scope="col" className="px-4 py-2 font-medium">Time in phase</th>
                <th scope="col" className="px-4 py-2 font-medium">Last red flag</th>
              </tr>
            </thead>
            <tbody>
              {data.rollouts.map((r) => (
                <tr key={r.key} className="border-t border-slate-100 align-top" data-testid="portfolio-row" data-key={r.key} data-ready={r.ready}>
                  <td className="px-4 py-3">
                    <Link href={`/rollouts/${encodeURIComponent(r.key)}`} className="font-medium text-indigo-700 hover:underline">
                      {r.name}
                    </Link>
                    <div className="mt-1 flex items-center gap-2">
                      <StatusBadge status={r.status as RolloutStatus} />
                      <Link href={`/rollouts/${encodeURIComponent(r.key)}/evidence`} className="text-xs text-slate-600 underline hover:text-slate-900">
                        Evidence<span className="sr-only"> of {r.name}</span>
                      </Link>
                    </div>
                  </td>
                  <td className="px-4 py-3">{r.phase ? `${r.phase.index + 1}/${r.phaseCount}: ${r.phase.name}` : '—'}</td>
                  <td className="max-w-md px-4 py-3">
                    {r.ready ? (
                      <Badge tone="green">
                        <span aria-hidden="true">✓&nbsp;</span>Ready to {r.action ?? 'move on'}
                      </Badge>
                    ) : (
                      <div>
                        <Badge tone="red">
                          <span aria-hidden="true">✗&nbsp;</span>Not ready{r.failingCount > 1 ? ` (${r.failingCount} guards)` : ''}
                        </Badge>
                        {r.firstFailing && <p className="mt-1 text-xs text-slate-700" data-testid="first-failing">{r.firstFailing.detail}</p>}
                      </div>
                    )}
                  </td>
                  <td className="px-4 py-3">
                    <TimeInPhase r={r} />
                  </td>
                  <td className="px-4 py-3 text-xs">
                    {r.lastRedFlag ? (
                      <div>
                        <Badge tone={r.lastRedFlag.severity === 'critical' ? 'red' : 'amber'}>
                          <span aria-hidden="true">⚑&nbsp;</span>
                          {r.lastRedFlag.severity} · {r.lastRedFlag.action}
                        </Badge>
                        <p className="mt-1 text-slate-700">{timeLabel(new Date(r.lastRedFlag.at).getTime())}: {r.lastRedFlag.detail}</p>
                      </div>
                    ) : (
                      <span className="text-slate-600">None</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
