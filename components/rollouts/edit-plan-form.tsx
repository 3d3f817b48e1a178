'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { editPlanAction } from '@/lib/actions/plans';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';

export function EditPlanForm({ rolloutKey, version, initialSource }: { rolloutKey: string; version: number; initialSource: string }) {
  const router = useRouter();
  const [source, setSource] = useState(initialSource);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<{ message: string; errors: { path: string; message: string }[] } | null>(null);
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
      <label htmlFor="plan" className="block text-sm font-medium text-slate-800">
        Plan (YAML or JSON)
      </label>
      <textarea
        id="plan"
        name="plan"
        spellCheck={false}
        value={source}
        onChange={(e) => setSource(e.target.value)}
        rows={32}
        className="block w-full rounded-md border-0 bg-white px-3 py-2 font-mono text-xs leading-5 ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600"
      />
      {problem && (
        <Alert>
          <p className="font-medium">{problem.message}</p>
          {problem.errors.length > 0 && (
            <ul className="mt-1 list-disc space-y-0.5 pl-5 font-mono text-xs" data-testid="plan-errors">
              {problem.errors.map((er, i) => (
                <li key={i}>
                  {er.path}: {er.message}
                </li>
              ))}
            </ul>
          )}
        </Alert>
      )}
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
