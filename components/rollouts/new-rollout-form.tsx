'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { createRolloutAction } from '@/lib/actions/rollouts';
import { Button } from '@/components/ui/button';
import type { PlanTemplate } from '@/lib/queries/plan-templates';
import { PlanSourceField, type PlanProblem } from './plan-source-field';

const EMPTY = `key: my-migration
name: My migration
owner: My team
flags:
  - key: MY_ENGINE
    type: string
    variants: [v1, dual, v2]
    baseline: v1
phases:
  - key: dual
    name: Dual run
    minDuration: 24h
    flags: { MY_ENGINE: dual }
  - key: v2
    name: Cut over to V2
    minDuration: 72h
    flags: { MY_ENGINE: v2 }
`;

export function NewRolloutForm({ templates }: { templates: PlanTemplate[] }) {
  const router = useRouter();
  const [source, setSource] = useState(EMPTY);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<PlanProblem | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setPending(true);
    setProblem(null);
    try {
      const res = await createRolloutAction(source);
      if (res.ok) {
        router.push(`/rollouts/${res.data.key}`);
        return;
      }
      const errors = Array.isArray(res.error.errors) ? (res.error.errors as { path: string; message: string }[]) : [];
      setProblem({ message: errors.length ? `The plan was not saved: ${errors.length} problem${errors.length === 1 ? '' : 's'}.` : res.error.message, errors });
    } catch {
      setProblem({ message: 'The request did not reach Switchyard. Try again.', errors: [] });
    }
    setPending(false);
  }

  return (
    <form onSubmit={submit} className="grid gap-6 lg:grid-cols-[1fr_16rem]">
      <div className="space-y-3">
        <PlanSourceField value={source} onChange={setSource} rows={28} problem={problem} />
        <div className="flex gap-2">
          <Button type="submit" variant="primary" disabled={pending}>
            {pending ? 'Creating…' : 'Create rollout (draft)'}
          </Button>
        </div>
      </div>
      <aside className="space-y-2">
        <h2 className="text-sm font-medium text-slate-800">Templates</h2>
        <p className="text-xs text-slate-600">The demo runbooks. Flag and rollout keys are unique, so change them before creating a copy.</p>
        <ul className="space-y-1">
          {templates.map((t) => (
            <li key={t.file}>
              <button type="button" onClick={() => setSource(t.source)} className="w-full rounded-md px-2 py-1.5 text-left text-sm text-indigo-700 hover:bg-indigo-50">
                {t.name}
              </button>
            </li>
          ))}
        </ul>
      </aside>
    </form>
  );
}
