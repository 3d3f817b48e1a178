import type { Metadata } from 'next';
import Link from 'next/link';
import { NewRolloutForm } from '@/components/rollouts/new-rollout-form';
import { can } from '@/lib/auth/actor';
import { pageActor } from '@/lib/auth/session';
import { planTemplates } from '@/lib/queries/plan-templates';

export const metadata: Metadata = { title: 'New rollout' };
export const dynamic = 'force-dynamic';

export default async function NewRolloutPage() {
  const actor = await pageActor('/rollouts/new');
  if (!can(actor, 'rollout.create')) {
    return <p className="text-sm text-slate-600">Your role ({actor.role}) cannot create rollouts. Ask an engineer or an admin.</p>;
  }
  return (
    <div className="space-y-6">
      <div>
        <Link href="/rollouts" className="text-sm text-slate-600 hover:text-slate-800">
          ← Rollouts
        </Link>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight">New rollout</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          Paste a plan in YAML or JSON: its flags with their baseline values and its phases with the value of each flag while the phase is current — plain
          values or targeting rules (allow-lists, percentage splits, attribute rules). The format is described by{' '}
          <a className="text-indigo-700 underline" href="/api/v1/plan.schema.json">
            its JSON Schema
          </a>
          . Start from one of the templates.
        </p>
      </div>
      <NewRolloutForm templates={planTemplates()} />
    </div>
  );
}
