'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import type { RolloutSummary } from '@/lib/queries/rollouts';
import { TimeAgo } from '@/components/ui/time-ago';
import { ACTION_PAST } from '@/lib/format';
import { fetchRollouts, POLL_MS, rolloutKeys } from './api';
import { PhaseProgress } from './phase-progress';
import { StatusBadge } from './status-badge';

export function RolloutList({ initial }: { initial: RolloutSummary[] }) {
  const { data: rollouts = initial } = useQuery({ queryKey: rolloutKeys.list, queryFn: fetchRollouts, initialData: initial, refetchInterval: POLL_MS });
  if (!rollouts.length) {
    return <p className="rounded-lg bg-white p-8 text-center text-sm text-slate-600 ring-1 ring-slate-200">No rollouts yet.</p>;
  }
  return (
    <div className="overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            <th scope="col" className="px-4 py-3">Rollout</th>
            <th scope="col" className="px-4 py-3">Status</th>
            <th scope="col" className="px-4 py-3">Current phase</th>
            <th scope="col" className="px-4 py-3">Progress</th>
            <th scope="col" className="px-4 py-3">Last change</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rollouts.map((r) => (
            <tr key={r.key} className="hover:bg-slate-50" data-testid={`rollout-row-${r.key}`}>
              <td className="px-4 py-3">
                <Link href={`/rollouts/${r.key}`} className="font-medium text-indigo-700 hover:underline">
                  {r.name}
                </Link>
                <div className="font-mono text-xs text-slate-600">{r.key}</div>
              </td>
              <td className="px-4 py-3">
                <StatusBadge status={r.status} />
              </td>
              <td className="px-4 py-3 text-slate-700">{r.currentPhase ? r.currentPhase.name : <span className="text-slate-600">baseline</span>}</td>
              <td className="px-4 py-3">
                <PhaseProgress index={r.currentPhase?.index ?? null} count={r.phaseCount} status={r.status} />
              </td>
              <td className="px-4 py-3 text-slate-600">
                {r.lastEvent ? (
                  <>
                    <span className="font-medium text-slate-800">{r.lastEvent.actorName}</span> {ACTION_PAST[r.lastEvent.action] ?? r.lastEvent.action}
                    <div className="text-xs text-slate-600">
                      <TimeAgo at={r.lastEvent.at} />
                    </div>
                  </>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
