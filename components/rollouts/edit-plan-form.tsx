'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { editPlanAction } from '@/lib/actions/plans';
import { Button } from '@/components/ui/button';
import { PlanSourceField, type PlanProblem } from './plan-source-field';

export function EditPlanForm({ rolloutKey, version, initialSource }: { rolloutKey: string; version: number; initialSource: string }) {
  const router = useRouter();
  const [source, setSource] = useState(initialSource);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<PlanProblem | null>(null);
  const href = `/rollouts/${encodeURIComponent(rolloutKey)}`;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setPending(true);
    setProblem(null);
    try {
      const res = await editPlanAction(rolloutKey, source, version);
      if (res.ok) {
        router.push(href);
        router.refresh();
        return;
      }
      const errors = Array.isArray(res.error.errors) ? (res.error.errors as { path: string; message: string }[]) : [];
      setProblem({
        message: errors.length ? `The plan was not saved: ${errors.length} problem${errors.length === 1 ? '' : 's'}.` : res.error.message,
        errors,
      });
    } catch {
      setProblem({ message: 'The request did not reach Switchyard. Try again.', errors: [] });
    }
    setPending(false);
  }

  return (
    <form onSubmit={submit} className="space-y-3">
      <PlanSourceField value={source} onChange={setSource} rows={32} problem={problem} />
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" disabled={pending || source === initialSource}>
          {pending ? 'Saving…' : 'Save as a new version'}
        </Button>
        <Link href={href} className="text-sm text-slate-600 hover:text-slate-800">
          Cancel
        </Link>
      </div>
    </form>
  );
}
