'use client';
// "Why is this blocked?": the readiness reasons of the next step (start or promote), each with
// a status icon AND a word (never colour alone), the same reasons the promote guard uses.
import type { Reason, Readiness } from '@/lib/domain/readiness';

const STATUS: Record<Reason['status'], { icon: string; label: string; cls: string }> = {
  pass: { icon: '✓', label: 'Passed', cls: 'text-emerald-700 bg-emerald-50 ring-emerald-200' },
  fail: { icon: '✗', label: 'Blocking', cls: 'text-red-700 bg-red-50 ring-red-200' },
  inconclusive: { icon: '?', label: 'Inconclusive (blocks)', cls: 'text-amber-800 bg-amber-50 ring-amber-200' },
};

const KIND: Record<string, string> = {
  status: 'Status',
  duration: 'Minimum duration',
  checklist: 'Checklist',
  signoff: 'Sign-offs',
  compatibility: 'Compatibility',
  metric: 'Metric',
  relative: 'Comparison',
};

/** The reasons as a list: icon + word + what it is about + the sentence with the numbers. */
export function ReasonList({ reasons, testId = 'readiness-reasons' }: { reasons: Reason[]; testId?: string }) {
  if (!reasons.length) return <p className="text-sm text-slate-600">No guards on this step.</p>;
  return (
    <ul className="space-y-1.5" data-testid={testId}>
      {reasons.map((r, i) => {
        const s = STATUS[r.status];
        return (
          <li key={`${r.kind}-${r.phase}-${i}`} className="flex items-start gap-2 text-sm" data-testid="readiness-reason" data-kind={r.kind} data-status={r.status}>
            <span className={`inline-flex shrink-0 items-center gap-1 rounded px-1.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${s.cls}`}>
              <span aria-hidden="true">{s.icon}</span>
              {s.label}
            </span>
            <span className="min-w-0">
              <span className="font-medium text-slate-900">{KIND[r.kind] ?? r.kind}</span>
              {r.phase ? <span className="text-slate-600"> ({r.gate === 'leave' ? `leaving ${r.phase}` : `entering ${r.phase}`})</span> : null}
              <span className="text-slate-700">: {r.detail}</span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

export function ReadinessPanel({ readiness }: { readiness: Readiness | undefined }) {
  if (!readiness) return <p className="text-sm text-slate-600">Loading readiness…</p>;
  if (!readiness.action) return <ReasonList reasons={readiness.reasons} />;
  const step = readiness.action === 'start' ? 'Start' : readiness.to ? 'Promote' : 'Complete';
  const target = readiness.to ? ` into ${readiness.to.name}` : '';
  const failing = readiness.reasons.filter((r) => r.status !== 'pass').length;
  return (
    <div className="space-y-3" data-testid="readiness-panel" data-ready={readiness.ready}>
      <p className="text-sm font-medium" data-testid="readiness-summary">
        {readiness.ready ? (
          <span className="text-emerald-800">
            <span aria-hidden="true">✓ </span>
            Ready: {step}
            {target} — every guard passes.
          </span>
        ) : (
          <span className="text-red-800">
            <span aria-hidden="true">✗ </span>
            Not ready: {step}
            {target} is blocked by {failing} {failing === 1 ? 'guard' : 'guards'}.
          </span>
        )}
      </p>
      <ReasonList reasons={readiness.reasons} />
    </div>
  );
}
