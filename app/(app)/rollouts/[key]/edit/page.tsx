import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { stringify } from 'yaml';
import { EditPlanForm } from '@/components/rollouts/edit-plan-form';
import { can } from '@/lib/auth/actor';
import { pageActor } from '@/lib/auth/session';
import { AppError } from '@/lib/errors';
import { getRolloutPlan } from '@/lib/queries/rollout-plan';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ key: string }> }): Promise<Metadata> {
  return { title: `Edit plan · ${(await params).key}` };
}

export default async function EditPlanPage({ params }: { params: Promise<{ key: string }> }) {
  const { key } = await params;
  const actor = await pageActor(`/rollouts/${key}/edit`);
  const p = await getRolloutPlan(actor, key).catch((e: unknown) => {
    if (e instanceof AppError && e.code === 'not_found') notFound();
    throw e;
  });
  const back = (
    <Link href={`/rollouts/${encodeURIComponent(p.key)}`} className="text-sm text-slate-600 hover:text-slate-800">
      ← {p.name}
    </Link>
  );
  if (!can(actor, 'rollout.create')) {
    return (
      <div className="space-y-4">
        {back}
        <p className="text-sm text-slate-600">Your role ({actor.role}) cannot edit plans. Ask an engineer or an admin.</p>
      </div>
    );
  }
  const closed = p.status === 'completed' || p.status === 'aborted';
  return (
    <div className="space-y-6">
      <div>
        {back}
        <h1 className="mt-2 text-2xl font-semibold tracking-tight">Edit plan</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          Plan v{p.planVersion} of <span className="font-mono">{p.key}</span> (rollout v{p.version}). Saving makes a new version, with its changes in the audit trail. The flag keys
          and every phase the rollout has entered cannot change; later phases, names and flag descriptions can. Approvals of a gate whose checklist, sign-off rule,
          flag values or criteria change no longer count.
        </p>
      </div>
      {closed ? (
        <p className="text-sm text-slate-600">The rollout is {p.status}: its plan can no longer be edited.</p>
      ) : (
        <EditPlanForm rolloutKey={p.key} version={p.version} initialSource={stringify(p.plan, { lineWidth: 0 })} />
      )}
    </div>
  );
}
