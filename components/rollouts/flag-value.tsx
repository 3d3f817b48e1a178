import { describeValue } from '@/lib/format';

/** A configured flag value: a plain value as a chip, a rule set as its readable rules. */
export function FlagValue({ value, muted = false, testId }: { value: unknown; muted?: boolean; testId?: string }) {
  const d = describeValue(value);
  if (!d.lines.length) {
    return (
      <code data-testid={testId} className={`rounded px-1.5 py-0.5 font-mono text-xs ${muted ? 'bg-slate-100 text-slate-600' : 'bg-indigo-50 text-indigo-800'}`}>
        {d.summary}
      </code>
    );
  }
  return (
    <div data-testid={testId} className="space-y-0.5">
      <div className={`text-xs font-medium ${muted ? 'text-slate-600' : 'text-indigo-800'}`}>targeting</div>
      <ul className="space-y-0.5 font-mono text-xs text-slate-700">
        {d.lines.map((l, i) => (
          <li key={i}>{l}</li>
        ))}
      </ul>
    </div>
  );
}
