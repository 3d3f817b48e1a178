'use client';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { transitionAction } from '@/lib/actions/rollouts';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { flagStateFor } from '@/lib/domain/flag-state';
import { transition, TRANSITIONS, type RollbackTarget, type RolloutAction, type RolloutStatus } from '@/lib/domain/lifecycle';
import type { ActionResult } from '@/lib/errors';
import { describeValue, sameValue } from '@/lib/format';
import type { Readiness, Reason } from '@/lib/domain/readiness';
import type { RolloutDetail } from '@/lib/queries/rollouts';
import { DecisionMatrix } from './decision-matrix';
import { ReasonList } from './readiness-panel';

const CONFIRM_VARIANT: Record<RolloutAction, 'primary' | 'danger' | 'warning'> = {
  start: 'primary',
  promote: 'primary',
  resume: 'primary',
  pause: 'warning',
  rollback: 'danger',
  abort: 'danger',
};

/** What each environment would serve after the action: the domain's own transition + state vector. */
function preview(r: RolloutDetail, action: RolloutAction, target: RollbackTarget) {
  const res = transition(
    { status: r.status as RolloutStatus, currentPhaseIndex: r.currentPhase?.index ?? null, version: r.version },
    action,
    r.phases.length,
    target,
  );
  if (!res.ok) return { error: res.error.message, changes: [] };
  const changes: { flag: string; env: string; from: unknown; to: unknown }[] = [];
  for (const env of r.environments) {
    const next = flagStateFor(r.flags, r.phases, res.next.currentPhaseIndex, env);
    for (const f of r.flags) {
      const from = f.environments[env]?.value;
      if (!sameValue(from, next[f.key].value)) changes.push({ flag: f.key, env, from, to: next[f.key].value });
    }
  }
  return { error: null, changes, next: res.next };
}

export function TransitionDialog({
  rollout,
  action,
  readiness,
  canOverride = false,
  onClose,
  onDone,
  onConflict,
}: {
  rollout: RolloutDetail;
  action: RolloutAction | null;
  /** readiness of the next step (start/promote): its failing reasons are shown before confirming */
  readiness?: Readiness;
  /** may take a gated step that is not ready (permission rollout.override) */
  canOverride?: boolean;
  onClose: () => void;
  onDone: (r: RolloutDetail) => void;
  onConflict: (message: string) => void;
}) {
  const [reason, setReason] = useState('');
  const [to, setTo] = useState('baseline');
  const [error, setError] = useState<string | null>(null);
  const [override, setOverride] = useState(false);
  // the reasons of a 409 not_ready: the gate as the server saw it when refusing
  const [refused, setRefused] = useState<Reason[] | null>(null);
  const mutation = useMutation<ActionResult<RolloutDetail>, Error, Parameters<typeof transitionAction>[0]>({ mutationFn: (input) => transitionAction(input) });

  const close = () => {
    setReason('');
    setTo('baseline');
    setError(null);
    setOverride(false);
    setRefused(null);
    onClose();
  };

  if (!action) return <Dialog open={false} onClose={close} title="">{null}</Dialog>;

  const t = TRANSITIONS[action];
  const target: RollbackTarget = to === 'baseline' ? { kind: 'baseline' } : { kind: 'phase', index: rollout.phases.findIndex((p) => p.key === to) };
  const p = preview(rollout, action, target);
  const gated = action === 'start' || action === 'promote';
  const failing = refused ?? (gated && readiness && readiness.action === action && !readiness.ready ? readiness.reasons.filter((r) => r.status !== 'pass') : []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!action) return;
    if (!reason.trim()) {
      setError('A reason is required: it goes on the record.');
      return;
    }
    setError(null);
    let res: ActionResult<RolloutDetail>;
    try {
      res = await mutation.mutateAsync({
        key: rollout.key,
        action,
        expectedVersion: rollout.version,
        reason: reason.trim(),
        ...(action === 'rollback' ? { to } : {}),
        ...(gated && override ? { override: true } : {}),
      });
    } catch {
      setError('The request did not reach Switchyard. Check your connection and try again.');
      return;
    }
    if (res.ok) {
      close();
      onDone(res.data);
    } else if (res.error.code === 'conflict' && res.error.reasonCode === 'not_ready') {
      // not a stale page: the gate is not ready; show why, and keep the dialog open
      setRefused((res.error.reasons as Reason[] | undefined) ?? []);
      setError(`Not ready to ${action}: the gate refused it.${canOverride ? ' Tick "Override the gate" to go ahead anyway (it is recorded loudly).' : ''}`);
    } else if (res.error.code === 'conflict') {
      close();
      onConflict(res.error.message);
    } else {
      setError(res.error.message);
    }
  }

  return (
    <Dialog open onClose={close} title={`${t.label}: ${rollout.name}`} description={t.description}>
      <form onSubmit={submit} className="space-y-4" data-testid="transition-form">
        {action === 'rollback' && rollout.currentPhase && rollout.phases[rollout.currentPhase.index] && <DecisionMatrix phase={rollout.phases[rollout.currentPhase.index]} />}
        {action === 'rollback' && (
          <fieldset>
            <legend className="text-sm font-medium text-slate-800">Roll back to</legend>
            <div className="mt-2 space-y-1.5">
              <label className="flex items-center gap-2 text-sm">
                <input type="radio" name="to" value="baseline" checked={to === 'baseline'} onChange={() => setTo('baseline')} />
                Baseline — every flag back to its baseline value
              </label>
              {rollout.rollbackTargets.map((ph) => (
                <label key={ph.key} className="flex items-center gap-2 text-sm">
                  <input type="radio" name="to" value={ph.key} checked={to === ph.key} onChange={() => setTo(ph.key)} />
                  Phase {ph.index + 1}: {ph.name}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <div className="rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200">
          <div className="font-medium text-slate-800">What services will read</div>
          {p.error ? (
            <p className="mt-1 text-red-700">{p.error}</p>
          ) : p.changes.length ? (
            <ul className="mt-1 space-y-0.5 font-mono text-xs text-slate-700" data-testid="transition-preview">
              {p.changes.map((c) => (
                <li key={`${c.env}-${c.flag}`}>
                  <span className="font-sans text-slate-600">{c.env}</span> {c.flag}: {c.from === undefined ? '∅' : describeValue(c.from).summary} →{' '}
                  <span className="font-semibold text-slate-900">{describeValue(c.to).summary}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-1 text-slate-600">No flag changes{action === 'pause' ? ': flags hold their current values; promotion is refused while paused' : ''}.</p>
          )}
        </div>
        {gated && failing.length > 0 && (
          <div className="space-y-2 rounded-md bg-red-50 p-3 ring-1 ring-red-200" data-testid="transition-blockers">
            <div className="text-sm font-medium text-red-900">
              <span aria-hidden="true">✗ </span>Not ready: {failing.length} {failing.length === 1 ? 'guard fails' : 'guards fail'}
            </div>
            <ReasonList reasons={failing} testId="transition-reasons" />
            {canOverride ? (
              <label className="flex items-start gap-2 text-sm text-red-900">
                <input type="checkbox" className="mt-0.5" checked={override} onChange={(e) => setOverride(e.target.checked)} data-testid="override-gate" />
                <span>
                  <span className="font-semibold">Override the gate</span> — {TRANSITIONS[action].label.toLowerCase()} anyway. The override and these reasons go on the record; the reason below is still
                  required.
                </span>
              </label>
            ) : (
              <p className="text-xs text-red-900">Only an admin may override a gate. Tick the checklist and collect the sign-offs, or wait for the minimum duration.</p>
            )}
          </div>
        )}
        <div>
          <label htmlFor="reason" className="block text-sm font-medium text-slate-800">
            Reason <span className="text-red-600">*</span>
          </label>
          <textarea
            id="reason"
            name="reason"
            rows={3}
            autoFocus
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="Why now? e.g. dual mode clean for 24 h, 98% compatible"
            className="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600"
          />
        </div>
        {error && <Alert>{error}</Alert>}
        <div className="flex justify-end gap-2">
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant={CONFIRM_VARIANT[action]} disabled={mutation.isPending || !!p.error} data-testid="confirm-transition">
            {mutation.isPending ? 'Working…' : gated && override ? `${t.label} (override)` : `${t.label}`}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
