import type { Metadata } from 'next';
import Link from 'next/link';
import { RolloutList } from '@/components/rollouts/rollout-list';
import { can } from '@/lib/auth/actor';
import { pageActor } from '@/lib/auth/session';
import { listRollouts } from '@/lib/queries/rollouts';

export const metadata: Metadata = { title: 'Rollouts' };
export const dynamic = 'force-dynamic';

export default async function RolloutsPage() {
  const actor = await pageActor('/rollouts');
  const rollouts = await listRollouts(actor);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Rollouts</h1>
          <p className="mt-1 text-sm text-slate-600">Every migration, its phase and who moved it last.</p>
        </div>
        {can(actor, 'rollout.create') && (
          <Link href="/rollouts/new" className="rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">
            New rollout
          </Link>
        )}
      </div>
      <RolloutList initial={rollouts} />
    </div>
  );
}
