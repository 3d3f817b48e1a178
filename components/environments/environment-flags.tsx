'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Card } from '@/components/ui/card';
import { POLL_MS } from '@/components/rollouts/api';
import { FlagValue } from '@/components/rollouts/flag-value';
import { StatusBadge } from '@/components/rollouts/status-badge';
import type { EnvironmentFlag } from '@/lib/queries/environment-flags';
import { TimeAgo } from '@/components/ui/time-ago';
import { sameValue } from '@/lib/format';
import { CardTable } from '@/components/ui/card-table';

type View = { environment: { key: string; name: string; revision: number }; flags: EnvironmentFlag[] };

export function EnvironmentFlags({ initial }: { initial: View }) {
  const env = initial.environment.key;
  const { data = initial } = useQuery({
    queryKey: ['environment', env],
    queryFn: async () => {
      const res = await fetch(`/api/v1/environments/${encodeURIComponent(env)}`, { cache: 'no-store' });
      if (!res.ok) throw new Error(`${res.status}`);
      return (await res.json()) as View;
    },
    initialData: initial,
    refetchInterval: POLL_MS,
  });
  return (
    <Card
      title={
        <span>
          {data.environment.name} <span className="font-mono text-xs font-normal text-slate-600">{data.environment.key} · revision {data.environment.revision}</span>
        </span>
      }
    >
      {data.flags.length === 0 ? (
        <p className="text-sm text-slate-600">No flags yet.</p>
      ) : (
        <CardTable columns={['Flag', 'Serving', 'Set by', 'Rollout', 'Changed']} testId={`env-table-${env}`} bodyClassName="align-top">
          {data.flags.map((f) => (
            <tr key={f.key}>
              <th scope="row" className="px-5 py-2.5 text-left font-normal">
                <div className="font-mono text-xs font-semibold">{f.key}</div>
                <div className="text-xs text-slate-600">{f.type}</div>
              </th>
              <td className="px-3 py-2.5">
                <FlagValue value={f.value} muted={sameValue(f.value, f.baseline)} />
              </td>
              <td className="px-3 py-2.5 text-slate-600">{f.phaseKey ?? <span className="text-slate-600">baseline</span>}</td>
              <td className="px-3 py-2.5">
                <Link href={`/rollouts/${f.rollout.key}`} className="text-indigo-700 hover:underline">
                  {f.rollout.name}
                </Link>{' '}
                <StatusBadge status={f.rollout.status} />
              </td>
              <td className="px-3 py-2.5 text-xs text-slate-600">
                <TimeAgo at={f.updatedAt} />
              </td>
            </tr>
          ))}
        </CardTable>
      )}
    </Card>
  );
}
