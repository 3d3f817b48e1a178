'use client';
// The sign-off sheet of a gate: every role the gate names, each person's standing decision with
// comment and date, and the history (withdrawn, invalidated). A person holding one of the roles
// gets Approve / Reject (with a comment) and Withdraw. Four eyes is said where it applies.
import { useState } from 'react';
import { recordSignoffAction, withdrawSignoffAction } from '@/lib/actions/governance';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { TimeAgo } from '@/components/ui/time-ago';
import type { SignoffSheet as Sheet, SignoffView } from '@/lib/queries/governance';

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

export function DecisionBadge({ decision }: { decision: 'approve' | 'reject' }) {
  return decision === 'approve' ? (
    <Badge tone="green">
      <span aria-hidden="true">✓&nbsp;</span>Approved
    </Badge>
  ) : (
    <Badge tone="red">
      <span aria-hidden="true">✗&nbsp;</span>Rejected
    </Badge>
  );
}

/** Approve / Reject with a comment for one role (and Withdraw when `standing`). */
export function SignoffForm({
  rolloutKey,
  phase,
  role,
  standing,
  onDone,
}: {
  rolloutKey: string;
  phase: string;
  role: string;
  standing: SignoffView | null;
  onDone: () => void;
}) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = `comment-${slug(phase)}-${slug(role)}`;

  async function run(fn: () => Promise<{ ok: boolean; error?: { message: string } }>) {
    setBusy(true);
    setError(null);
    try {
      const res = await fn();
      if (!res.ok) setError(res.error?.message ?? 'failed');
      else {
        setComment('');
        onDone();
      }
    } catch {
      setError('The request did not reach Switchyard. Check your connection and try again.');
    } finally {
      setBusy(false);
    }
  }

  const decide = (decision: 'approve' | 'reject') => {
    if (decision === 'reject' && !comment.trim()) {
      setError('Say why you reject: the comment goes on the record.');
      return;
    }
    void run(() => recordSignoffAction({ key: rolloutKey, phase, role, decision, comment: comment.trim() }));
  };

  return (
    <div className="space-y-2 rounded-md bg-slate-50 p-3 ring-1 ring-slate-200" data-testid="signoff-form" data-role={role}>
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        Your decision as <span className="font-semibold">{role}</span>
        {standing ? ' (replaces your current one)' : ''} — comment
      </label>
      <textarea
        id={id}
        rows={2}
        maxLength={2000}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        placeholder="What you checked, or why not"
        className="block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600"
      />
      <div className="flex flex-wrap gap-2">
        <Button size="sm" variant="primary" disabled={busy} onClick={() => decide('approve')} data-testid="signoff-approve">
          Approve
        </Button>
        <Button size="sm" variant="danger" disabled={busy} onClick={() => decide('reject')} data-testid="signoff-reject">
          Reject with comment
        </Button>
        {standing && (
          <Button size="sm" disabled={busy} onClick={() => void run(() => withdrawSignoffAction({ key: rolloutKey, phase, role }))} data-testid="signoff-withdraw">
            Withdraw my {standing.decision === 'approve' ? 'approval' : 'rejection'}
          </Button>
        )}
      </div>
      {error && <Alert>{error}</Alert>}
    </div>
  );
}

export function SignoffSheet({ sheet, canPromote, onChanged }: { sheet: Sheet | undefined; canPromote: boolean; onChanged: () => void }) {
  if (!sheet) return <p className="text-sm text-slate-600">Loading sign-offs…</p>;
  if (!sheet.rule) return <p className="text-sm text-slate-600">No sign-offs guard entering {sheet.phase.name}.</p>;
  const rule = sheet.rule;
  const standing = sheet.signoffs.filter((s) => s.standing);
  const history = sheet.signoffs.filter((s) => !s.standing);
  const myRoles = rule.roles.filter((r) => sheet.me.signoffRoles.includes(r));
  const approvers = new Set(standing.filter((s) => s.decision === 'approve' && s.holdsRole).map((s) => s.user.id));
  return (
    <div className="space-y-3" data-testid="signoff-sheet" data-phase={sheet.phase.key}>
      <p className="text-sm text-slate-700">
        Entering <span className="font-medium text-slate-900">{sheet.phase.name}</span> needs <span className="font-semibold">{rule.required}</span>{' '}
        {rule.required === 1 ? 'approval' : 'approvals'} from distinct people holding one of these roles ({approvers.size} standing). One person counts once; a standing
        rejection blocks.{' '}
        {rule.allowSelfApproval ? (
          <Badge tone="amber">self-approval allowed by the plan</Badge>
        ) : (
          <span className="text-slate-600">The approval of whoever promotes does not count (four eyes).</span>
        )}
      </p>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Sign-offs for entering {sheet.phase.name}</caption>
        <thead className="text-xs text-slate-600">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">
              Role
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Person
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Decision
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Comment
            </th>
            <th scope="col" className="py-1 font-medium">
              Date
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rule.roles.flatMap((role) => {
            const rows = standing.filter((s) => s.role === role);
            if (!rows.length) {
              return [
                <tr key={role} data-testid="signoff-row" data-role={role} data-decision="none">
                  <th scope="row" className="py-1.5 pr-3 font-medium text-slate-900">
                    {role}
                  </th>
                  <td className="py-1.5 pr-3 text-slate-600" colSpan={4}>
                    ☐ no decision yet
                  </td>
                </tr>,
              ];
            }
            return rows.map((s) => (
              <tr key={s.id} data-testid="signoff-row" data-role={role} data-decision={s.decision}>
                <th scope="row" className="py-1.5 pr-3 font-medium text-slate-900">
                  {role}
                </th>
                <td className="py-1.5 pr-3">
                  {s.user.name}
                  {s.user.id === sheet.me.userId && <span className="text-xs text-slate-600"> (you)</span>}
                  {!s.holdsRole && <span className="block text-xs text-amber-800">no longer holds the role: does not count</span>}
                </td>
                <td className="py-1.5 pr-3">
                  <DecisionBadge decision={s.decision} />
                </td>
                <td className="py-1.5 pr-3 text-slate-700">{s.comment ? `“${s.comment}”` : <span className="text-slate-600">—</span>}</td>
                <td className="py-1.5 text-xs whitespace-nowrap text-slate-600">
                  <TimeAgo at={s.at} />
                </td>
              </tr>
            ));
          })}
        </tbody>
      </table>

      {myRoles.length > 0 && sheet.pending && (
        <div className="space-y-2">
          {canPromote && !rule.allowSelfApproval && (
            <p className="text-xs text-amber-900" data-testid="four-eyes-note">
              Your own approval does not count when you promote (four eyes): someone else has to promote, or {rule.required} other people have to approve.
            </p>
          )}
          {myRoles.map((role) => (
            <SignoffForm key={role} rolloutKey={sheet.key} phase={sheet.phase.key} role={role} standing={standing.find((s) => s.role === role && s.user.id === sheet.me.userId) ?? null} onDone={onChanged} />
          ))}
        </div>
      )}
      {!sheet.pending && <p className="text-xs text-slate-600">This gate has been passed: the sheet is closed.</p>}
      {sheet.me.userId === null && <p className="text-xs text-slate-600">Only people sign off: sign in (or use a personal token) to record a decision.</p>}

      {history.length > 0 && (
        <details className="text-sm">
          <summary className="cursor-pointer text-slate-700">History: {history.length} earlier {history.length === 1 ? 'decision' : 'decisions'} (withdrawn or invalidated)</summary>
          <ul className="mt-2 space-y-1 text-xs text-slate-700">
            {history.map((s) => (
              <li key={s.id}>
                <span className="font-medium">{s.user.name}</span> as {s.role}: {s.decision === 'approve' ? 'approved' : 'rejected'}
                {s.comment ? ` “${s.comment}”` : ''} · <TimeAgo at={s.at} /> —{' '}
                {s.invalidatedAt ? `invalidated${s.invalidatedReason ? `: ${s.invalidatedReason}` : ''}` : 'withdrawn'}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
