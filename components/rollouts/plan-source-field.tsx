'use client';
// The plan document as text, and what was wrong with it listed by path: shared by New rollout and
// Edit plan.
import { Alert } from '@/components/ui/alert';

export interface PlanProblem {
  message: string;
  errors: { path: string; message: string }[];
}

export function PlanSourceField({ value, onChange, rows, problem }: { value: string; onChange: (v: string) => void; rows: number; problem: PlanProblem | null }) {
  return (
    <>
      <label htmlFor="plan" className="block text-sm font-medium text-slate-800">
        Plan (YAML or JSON)
      </label>
      <textarea
        id="plan"
        name="plan"
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={rows}
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
    </>
  );
}
